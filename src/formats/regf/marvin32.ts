// Marvin32, the hash Windows puts in new-format transaction log entries (fixed seed).

const SEED_LO = 0x7a4e55c5;
const SEED_HI = 0x82ef4d88;

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** Marvin32 of `data` with the registry's seed, as a bigint (hi << 32 | lo). */
export function marvin32(data: Uint8Array): bigint {
  let lo = SEED_LO;
  let hi = SEED_HI;
  const mix = (v: number): void => {
    lo = (lo + v) >>> 0;
    hi = (hi ^ lo) >>> 0;
    lo = (rotl(lo, 20) + hi) >>> 0;
    hi = (rotl(hi, 9) ^ lo) >>> 0;
    lo = (rotl(lo, 27) + hi) >>> 0;
    hi = rotl(hi, 19);
  };
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) mix(dv.getUint32(i, true));
  // The tail: remaining 0-3 bytes with a 0x80 marker after them.
  let final = 0x80;
  const rest = data.length - whole;
  for (let k = rest - 1; k >= 0; k--) final = ((final << 8) | data[whole + k]!) >>> 0;
  mix(final);
  mix(0);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
