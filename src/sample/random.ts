// A small seeded PRNG (xoshiro128**): the same seed gives the same sequence on every machine
// and Node version, which is what makes generated layers reproducible byte for byte.

import { createHash } from 'node:crypto';

export class Rng {
  private s: Uint32Array;

  constructor(seed: string | number | Uint32Array) {
    if (seed instanceof Uint32Array) {
      this.s = Uint32Array.from(seed.subarray(0, 4));
    } else {
      const h = createHash('sha256').update(`wclayer-sample:${String(seed)}`).digest();
      this.s = new Uint32Array([h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)]);
    }
    if (!(this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!)) this.s[0] = 1; // all-zero state is a fixed point
  }

  /** A new generator whose sequence depends on this one's state and `salt`, without advancing this one. */
  derive(salt: number): Rng {
    const mix = (x: number): number => {
      // splitmix32 finaliser
      x = (x + 0x9e3779b9) >>> 0;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
      return (x ^ (x >>> 16)) >>> 0;
    };
    const s = this.s;
    return new Rng(new Uint32Array([mix(s[0]! ^ salt), mix(s[1]! + salt), mix(s[2]! ^ Math.imul(salt, 31)), mix(s[3]! + 7 * salt) | 1]));
  }

  u32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Uniform bigint in [0, n) for n up to 2^53. */
  bigBelow(n: bigint): bigint {
    const x = BigInt(this.u32()) * 2097152n + BigInt(this.u32() >>> 11); // 53 bits
    return x % n;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
