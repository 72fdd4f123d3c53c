// Win32 backup-stream building blocks: the stream codec, EA chains, file attributes, SIDs,
// security descriptors and SDDL. (filetime.ts and reparse.ts live here too; see those files.)

export * from './stream-ids.js';
export * from './backup-stream.js';
export * from './ea.js';
export * from './attributes.js';
export * from './sid.js';
export * from './security-descriptor.js';
export * from './sddl.js';
export * from './sd-json.js';
