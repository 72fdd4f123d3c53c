// JSON text written straight into UTF-8 bytes: strings escaped exactly as JSON.stringify
// escapes them, unsigned integers, ASCII literals and base64. The hive export writes its whole
// text through this: building JavaScript strings per key and encoding them afterwards cost more
// time (and garbage) than reading the hive.

const B64 = new Uint8Array(64);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) B64[i] = alphabet.charCodeAt(i);
}
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]; // 0-9a-f, as JSON.stringify writes \u escapes

/** The letter of a two-character escape (\b \t \n \f \r), by code; 0 = use \u00XX. */
const SHORT_ESCAPE = new Uint8Array(0x60);
SHORT_ESCAPE[0x08] = 0x62;
SHORT_ESCAPE[0x09] = 0x74;
SHORT_ESCAPE[0x0a] = 0x6e;
SHORT_ESCAPE[0x0c] = 0x66;
SHORT_ESCAPE[0x0d] = 0x72;
SHORT_ESCAPE[0x22] = 0x22;
SHORT_ESCAPE[0x5c] = 0x5c;

/**
 * A growable byte buffer that JSON is written into at `n`. Each write first makes room for its
 * worst case, so the loops inside need no bounds checks; a buffer that is too small is replaced
 * by a larger one holding the same bytes.
 */
export class JsonOut {
  buf: Uint8Array;
  /** Bytes written so far. */
  n = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  /** Makes room for `k` more bytes. */
  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.n + k));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
  }

  /** Text known to be ASCII (literals, numbers made elsewhere): one byte per character. */
  ascii(s: string): void {
    this.room(s.length);
    const b = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) b[n++] = s.charCodeAt(i);
    this.n = n;
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  /** Bytes [start, end) of `src` as they are. */
  bytes(src: Uint8Array, start: number, end: number): void {
    this.room(end - start);
    // A loop: set() would need a subarray, an object per call.
    const b = this.buf;
    let n = this.n;
    for (let i = start; i < end; i++) b[n++] = src[i]!;
    this.n = n;
  }

  /** A non-negative integer below 2^53 in decimal. */
  uint(x: number): void {
    this.room(16);
    const b = this.buf;
    if (x < 10) {
      b[this.n++] = 48 + x;
      return;
    }
    let digits = 1;
    for (let t = x; t >= 10; t = Math.floor(t / 10)) digits++;
    this.digits(x, digits);
  }

  /** A non-negative integer in exactly `width` decimal digits (zero padded; it must fit). */
  digits(x: number, width: number): void {
    this.room(width);
    const b = this.buf;
    const end = this.n + width;
    for (let i = end - 1; i >= this.n; i--) {
      const q = Math.floor(x / 10);
      b[i] = 48 + (x - 10 * q);
      x = q;
    }
    this.n = end;
  }

  /** JSON.stringify(s) as UTF-8. */
  string(s: string): void {
    this.byte(0x22);
    this.stringBody(s);
    this.byte(0x22);
  }

  /** JSON.stringify(s) as UTF-8 without its quotes. */
  stringBody(s: string): void {
    // 6 bytes (\u00XX) is the most one code unit can take; a surrogate pair takes 4 for two.
    this.room(6 * s.length);
    const b = this.buf;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) b[this.n++] = c;
      else if (this.unit(c, i + 1 < s.length ? s.charCodeAt(i + 1) : 0)) i++;
    }
  }

  /** JSON.stringify of the string in UTF-16LE code units at bytes [start, end) of `src` (an even count). */
  utf16String(src: Uint8Array, start: number, end: number): void {
    this.room(2 + 3 * (end - start));
    const b = this.buf;
    b[this.n++] = 0x22;
    for (let i = start; i < end; i += 2) {
      const c = src[i]! | (src[i + 1]! << 8);
      if (c >= 0x20 && c < 0x80 && c !== 0x22 && c !== 0x5c) b[this.n++] = c;
      else if (this.unit(c, i + 2 < end ? src[i + 2]! | (src[i + 3]! << 8) : 0)) i += 2;
    }
    b[this.n++] = 0x22;
  }

  /**
   * One code unit of a string that is not plain printable ASCII (room is made by the caller):
   * an escape, 2 or 3 UTF-8 bytes, or with the next unit a surrogate pair's 4 bytes (then it
   * returns true). A lone surrogate is escaped as \udXXX, as JSON.stringify does.
   */
  private unit(c: number, next: number): boolean {
    const b = this.buf;
    let n = this.n;
    if (c < 0x80) {
      b[n++] = 0x5c;
      const short = SHORT_ESCAPE[c]!;
      if (short !== 0) b[n++] = short;
      else {
        b[n++] = 0x75;
        b[n++] = 0x30;
        b[n++] = 0x30;
        b[n++] = HEX[c >> 4]!;
        b[n++] = HEX[c & 15]!;
      }
    } else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 0x3f);
      b[n++] = 0x80 | (c & 0x3f);
    } else if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
      b[n++] = 0xf0 | (cp >> 18);
      b[n++] = 0x80 | ((cp >> 12) & 0x3f);
      b[n++] = 0x80 | ((cp >> 6) & 0x3f);
      b[n++] = 0x80 | (cp & 0x3f);
      this.n = n;
      return true;
    } else {
      b[n++] = 0x5c;
      b[n++] = 0x75;
      b[n++] = HEX[c >> 12]!;
      b[n++] = HEX[(c >> 8) & 15]!;
      b[n++] = HEX[(c >> 4) & 15]!;
      b[n++] = HEX[c & 15]!;
    }
    this.n = n;
    return false;
  }

  /** Bytes [start, end) of `src` in base64 (the standard alphabet, padded), without quotes. */
  base64(src: Uint8Array, start: number, end: number): void {
    this.room(4 * Math.ceil((end - start) / 3));
    const b = this.buf;
    let n = this.n;
    let i = start;
    for (; i + 2 < end; i += 3) {
      const t = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
      b[n++] = B64[t >> 18]!;
      b[n++] = B64[(t >> 12) & 63]!;
      b[n++] = B64[(t >> 6) & 63]!;
      b[n++] = B64[t & 63]!;
    }
    if (i < end) {
      const two = i + 1 < end;
      const t = (src[i]! << 16) | (two ? src[i + 1]! << 8 : 0);
      b[n++] = B64[t >> 18]!;
      b[n++] = B64[(t >> 12) & 63]!;
      b[n++] = two ? B64[(t >> 6) & 63]! : 0x3d;
      b[n++] = 0x3d;
    }
    this.n = n;
  }
}
