// The EA buffer a File record points at: a FILE_FULL_EA_INFORMATION chain (spec §16). Each
// entry: u32 NextEntryOffset (0 on the last; entries start 4-aligned), u8 Flags,
// u8 EaNameLength, u16 EaValueLength, the name, a NUL, the value.
// NOTE for the integrator: src/formats/backup/ grows a general EA codec; this one can be
// replaced by it once both branches are merged.

import type { ExtendedAttribute } from '../entry.js';
import { view } from './layout.js';

export function encodeEaChain(eas: readonly ExtendedAttribute[]): Uint8Array {
  const sizes = eas.map((e) => 8 + Buffer.byteLength(e.name, 'latin1') + 1 + e.value.length);
  let total = 0;
  sizes.forEach((s, i) => (total += i === sizes.length - 1 ? s : (s + 3) & ~3));
  const out = new Uint8Array(total);
  const v = view(out);
  let at = 0;
  eas.forEach((e, i) => {
    const nameBytes = Buffer.from(e.name, 'latin1');
    if (nameBytes.length > 254 || nameBytes.length === 0) throw new RangeError(`EA name '${e.name}' must be 1..254 bytes`);
    if (e.value.length > 0xffff) throw new RangeError(`EA '${e.name}' value longer than 65535 bytes`);
    const next = i === eas.length - 1 ? 0 : (sizes[i]! + 3) & ~3;
    v.setUint32(at, next, true);
    out[at + 4] = e.flags & 0xff;
    out[at + 5] = nameBytes.length;
    v.setUint16(at + 6, e.value.length, true);
    out.set(nameBytes, at + 8);
    out.set(e.value, at + 8 + nameBytes.length + 1);
    at += next;
  });
  return out;
}

export function decodeEaChain(b: Uint8Array): ExtendedAttribute[] {
  const out: ExtendedAttribute[] = [];
  const v = view(b);
  let at = 0;
  for (;;) {
    if (at + 8 > b.length) throw new RangeError(`EA entry at ${at} runs past the buffer end ${b.length}`);
    const next = v.getUint32(at, true);
    const nameLen = b[at + 5]!;
    const valueLen = v.getUint16(at + 6, true);
    const end = at + 8 + nameLen + 1 + valueLen;
    if (end > b.length) throw new RangeError(`EA entry at ${at} (${nameLen}-byte name, ${valueLen}-byte value) runs past the buffer end ${b.length}`);
    out.push({
      name: Buffer.from(b.subarray(at + 8, at + 8 + nameLen)).toString('latin1'),
      value: b.slice(at + 9 + nameLen, end),
      flags: b[at + 4]!,
    });
    if (next === 0) return out;
    if (next < end - at || next % 4 !== 0) throw new RangeError(`EA entry at ${at} has a bad NextEntryOffset ${next}`);
    at += next;
  }
}
