// GUIDs between their text form ("6f1c0a2e-...", as Windows prints them) and the GUID struct
// koffi marshals ({Data1, Data2, Data3, Data4}). Pure.

import { invalidArgument } from '../../errors.js';

export interface GuidStruct {
  Data1: number;
  Data2: number;
  Data3: number;
  Data4: number[];
}

const GUID_TEXT = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

export function parseGuid(text: string): GuidStruct {
  const m = GUID_TEXT.exec(text.trim());
  if (!m) throw invalidArgument(`not a GUID: ${JSON.stringify(text)}`, { key: text });
  const tail = m[4]! + m[5]!;
  const Data4: number[] = [];
  for (let i = 0; i < 16; i += 2) Data4.push(parseInt(tail.slice(i, i + 2), 16));
  return { Data1: parseInt(m[1]!, 16), Data2: parseInt(m[2]!, 16), Data3: parseInt(m[3]!, 16), Data4 };
}

export function formatGuid(g: GuidStruct): string {
  const h = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, '0');
  const d4 = Array.from(g.Data4, (b) => h(b, 2)).join('');
  return `${h(g.Data1, 8)}-${h(g.Data2, 4)}-${h(g.Data3, 4)}-${d4.slice(0, 4)}-${d4.slice(4)}`;
}

/** `\\?\Volume{<guid>}\` → guid; a bare GUID (with or without braces) passes through. */
export function volumeGuidOf(volume: string): string {
  const m = /^\\\\\?\\Volume\{([^}]*)\}\\?$/i.exec(volume);
  return formatGuid(parseGuid(m ? m[1]! : volume));
}

export function volumePathOf(guid: string): string {
  return `\\\\?\\Volume{${guid}}\\`;
}
