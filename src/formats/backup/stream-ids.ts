// WIN32_STREAM_ID constants (winbase.h): which kind of data a backup stream carries and its
// attribute bits. Spec: layer-format.md 2.2 and 2.3.

export const BACKUP_STREAM_ID = {
  DATA: 1,
  EA_DATA: 2,
  SECURITY_DATA: 3,
  ALTERNATE_DATA: 4,
  LINK: 5,
  PROPERTY_DATA: 6,
  OBJECT_ID: 7,
  REPARSE_DATA: 8,
  SPARSE_BLOCK: 9,
  TXFS_DATA: 10,
} as const;

export type BackupStreamId = (typeof BACKUP_STREAM_ID)[keyof typeof BACKUP_STREAM_ID];

export const STREAM_ATTRIBUTE = {
  NORMAL: 0x00,
  MODIFIED_WHEN_READ: 0x01,
  CONTAINS_SECURITY: 0x02,
  CONTAINS_PROPERTIES: 0x04,
  SPARSE: 0x08,
  CONTAINS_GHOSTED_FILE_EXTENTS: 0x10,
} as const;

const idNames = new Map<number, string>(Object.entries(BACKUP_STREAM_ID).map(([k, v]) => [v, `BACKUP_${k}`]));

export function isKnownStreamId(id: number): id is BackupStreamId {
  return idNames.has(id);
}

/** winbase.h name of a stream id, e.g. 4 → "BACKUP_ALTERNATE_DATA"; unknown ids as "stream id N". */
export function streamIdName(id: number): string {
  return idNames.get(id) ?? `stream id ${id}`;
}
