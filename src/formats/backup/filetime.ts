// FILETIME (signed 64-bit count of 100 ns ticks since 1601-01-01 UTC) and its conversions, with
// the reference's arithmetic (golang.org/x/sys/windows as used by go-winio, spec 1.4):
//   FILETIME -> Unix ns: (ft - epoch) * 100, wrapping at 64 bits;
//   Unix ns -> FILETIME: ns / 100 truncated toward zero, + epoch, wrapping at 64 bits.
// PAX time strings follow Go archive/tar (formatPAXTime / parsePAXTime).

import { corrupt, invalidArgument } from '../../errors.js';
import { FILETIME_UNIX_EPOCH } from '../entry.js';

const NS_PER_SEC = 1_000_000_000n;

/**
 * The FILETIME the reference importer produces for an entry without `atime`/`ctime`: Go's zero
 * time.Time overflows through UnixNano() to -6795364578871345152 ns (1754-08-30). We do not use
 * it as a default (see tar/decode-entries.ts); it is exported so tests and docs can name it.
 */
export const GO_ZERO_TIME_FILETIME = 48491090211286549n;

export function filetimeToUnixNs(ft: bigint): bigint {
  return BigInt.asIntN(64, (ft - FILETIME_UNIX_EPOCH) * 100n);
}

export function unixNsToFiletime(ns: bigint): bigint {
  // BigInt division truncates toward zero, like Go's int64 division.
  return BigInt.asIntN(64, BigInt.asIntN(64, ns) / 100n + FILETIME_UNIX_EPOCH);
}

/** Whole seconds and the non-negative nanosecond rest, as Go's time.Unix()/Nanosecond() split them (floor). */
export function splitUnixNs(ns: bigint): { seconds: bigint; nanos: bigint } {
  let seconds = ns / NS_PER_SEC;
  let nanos = ns % NS_PER_SEC;
  if (nanos < 0n) {
    seconds -= 1n;
    nanos += NS_PER_SEC;
  }
  return { seconds, nanos };
}

/** Go formatPAXTime: `<sec>` or `<sec>.<9 digits, trailing zeros removed>`; negatives as `-<s>.<f>` = -(s+f). */
export function formatPaxTime(ns: bigint): string {
  let { seconds, nanos } = splitUnixNs(ns);
  if (nanos === 0n) return seconds.toString();
  let sign = '';
  if (seconds < 0n) {
    sign = '-';
    seconds = -(seconds + 1n);
    nanos = NS_PER_SEC - nanos;
  }
  return `${sign}${seconds}.${nanos.toString().padStart(9, '0')}`.replace(/0+$/, '');
}

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Go parsePAXTime: optional sign, decimal seconds (int64), optional `.` and digits (more than 9
 * truncated, fewer right-padded). Returns Unix ns, wrapped at 64 bits like time.UnixNano().
 */
export function parsePaxTime(s: string): bigint {
  // Fast path for the usual `<10 digits>[.<up to 9 digits>]`: plain numbers, one BigInt step.
  const fast = /^([0-9]{1,15})(?:\.([0-9]{1,9}))?$/.exec(s);
  if (fast) {
    const nanos = fast[2] === undefined ? 0 : Number(fast[2].padEnd(9, '0'));
    return BigInt(Number(fast[1])) * NS_PER_SEC + BigInt(nanos);
  }
  const dot = s.indexOf('.');
  const secPart = dot < 0 ? s : s.slice(0, dot);
  const fracPart = dot < 0 ? '' : s.slice(dot + 1);
  if (!/^[+-]?[0-9]+$/.test(secPart)) throw corrupt(`invalid PAX time '${clip(s)}'`);
  const seconds = BigInt(secPart);
  if (seconds < INT64_MIN || seconds > INT64_MAX) throw corrupt(`invalid PAX time '${clip(s)}' (seconds out of range)`);
  if (!/^[0-9]*$/.test(fracPart)) throw corrupt(`invalid PAX time '${clip(s)}'`);
  let nanos = fracPart === '' ? 0n : BigInt(fracPart.slice(0, 9).padEnd(9, '0'));
  if (secPart.startsWith('-')) nanos = -nanos;
  return BigInt.asIntN(64, seconds * NS_PER_SEC + nanos);
}

export function filetimeToPaxTime(ft: bigint): string {
  return formatPaxTime(filetimeToUnixNs(ft));
}

const PAX_SIMPLE = /^([0-9]{1,10})(?:\.([0-9]{1,9}))?$/;
const TICKS_PER_SEC = 10_000_000n;

export function paxTimeToFiletime(s: string): bigint {
  // An entry's times are often equal (and layers repeat a few): remember the last conversion.
  if (s === lastPaxText) return lastPaxFiletime;
  let ft: bigint;
  const simple = PAX_SIMPLE.exec(s);
  const seconds = simple ? Number(simple[1]) : Infinity;
  if (seconds <= 9_000_000_000) {
    // Up to year 2255 nothing wraps at 64 bits, so ns / 100 + epoch is whole ticks plus the
    // truncated fraction: the same value as the general path, in fewer BigInt steps.
    const ticks = simple![2] === undefined ? 0 : Math.trunc(Number(simple![2].padEnd(9, '0')) / 100);
    ft = BigInt(seconds) * TICKS_PER_SEC + BigInt(ticks) + FILETIME_UNIX_EPOCH;
  } else {
    ft = unixNsToFiletime(parsePaxTime(s));
  }
  lastPaxText = s;
  lastPaxFiletime = ft;
  return ft;
}
let lastPaxText: string | undefined;
let lastPaxFiletime = 0n;

/** ISO 8601 UTC with the full 100 ns precision, e.g. 2020-01-01T00:00:00.1234567Z (fraction trimmed). */
export function filetimeToIso(ft: bigint): string {
  // Listings convert four times per entry, often the same value: remember the last one.
  if (ft === lastIsoInput) return lastIsoOutput;
  // Work from 1601 directly (no 64-bit wrap) so every FILETIME has one readable form.
  const ticksSinceUnix = ft - FILETIME_UNIX_EPOCH;
  let ms = ticksSinceUnix / 10_000n;
  let rest = Number(ticksSinceUnix - ms * 10_000n);
  if (rest < 0) {
    ms -= 1n;
    rest += 10_000;
  }
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) throw invalidArgument(`FILETIME ${ft} is outside the representable date range`);
  const base = date.toISOString(); // [+-YY]YYYY-MM-DDThh:mm:ss.mmmZ
  let fraction = base.slice(base.length - 4, base.length - 1) + String(rest).padStart(4, '0');
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === 0x30) end--;
  fraction = fraction.slice(0, end);
  lastIsoInput = ft;
  lastIsoOutput = base.slice(0, base.length - 5) + (fraction ? `.${fraction}` : '') + 'Z';
  return lastIsoOutput;
}
let lastIsoInput = -1n;
let lastIsoOutput = '';

/** Milliseconds since the Unix epoch (floor), or undefined outside what a Date can hold. */
export function filetimeToUnixMs(ft: bigint): number | undefined {
  const ticks = ft - FILETIME_UNIX_EPOCH;
  let ms = ticks / 10_000n;
  if (ms * 10_000n > ticks) ms -= 1n; // floor for times before 1970
  return ms >= -8_640_000_000_000_000n && ms <= 8_640_000_000_000_000n ? Number(ms) : undefined;
}

/** ISO 8601 at millisecond precision (Date.toISOString), or null outside a Date's range. */
export function filetimeToIsoMillis(ft: bigint): string | null {
  const ms = filetimeToUnixMs(ft);
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** A JavaScript time (ms since the Unix epoch, e.g. Date.now()) as a FILETIME. */
export function unixMsToFiletime(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 10_000n + FILETIME_UNIX_EPOCH;
}

const ISO_RE = /^([+-]?\d{4,6})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Parses an ISO 8601 date-time with a zone (Z or ±hh:mm); digits below 100 ns are truncated. */
export function isoToFiletime(s: string): bigint {
  const m = ISO_RE.exec(s);
  if (!m) throw invalidArgument(`'${clip(s)}' is not an ISO 8601 date-time with a time zone`);
  const [, y, mo, d, h, mi, sec, frac = '', zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    throw invalidArgument(`'${clip(s)}' is not a valid date-time`);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  }
  const ticks = BigInt(ms - offsetMinutes * 60_000) * 10_000n + BigInt(frac.padEnd(7, '0').slice(0, 7));
  return ticks + FILETIME_UNIX_EPOCH;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
