/**
 * IP addresses as text and as bytes: parsing of `10.0.0.1`, `fd00::1`,
 * `10.0.0.0/24`, `default`; printing as `inet_ntop` does (so the text equals
 * what `ip` shows).
 *
 * @module
 * @internal
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import type { NetlinkError } from '../errors.js';

/** 4 or 6. */
export type IpFamily = 4 | 6;

/** An address with its family. */
export interface IpBytes {
  readonly family: IpFamily;
  readonly bytes: Buffer;
}

/** An address with a prefix length. */
export interface IpPrefix extends IpBytes {
  readonly prefixLength: number;
}

/**
 * Parses dotted-quad IPv4 text: exactly 4 parts of 1 to 3 ASCII digits, each
 * at most 255 (leading zeros allowed, as before: `010` is 10). One pass over
 * the characters, no intermediate strings.
 */
function parseV4(s: string): Buffer | undefined {
  const n = s.length;
  if (n < 7 || n > 15) return undefined;
  const b = Buffer.allocUnsafe(4); // every byte is written below, or it is not returned
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || part === 3) return undefined;
      b[part++] = v;
      v = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      v = v * 10 + (c - 0x30);
      if (v > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || part !== 3) return undefined;
  b[3] = v;
  return b;
}

/**
 * Parses IPv6 text as glibc's `inet_pton` does: 8 groups of 1 to 4 hex
 * digits, or fewer around one `::` (which stands for at least one zero
 * group), the last 2 groups optionally written as a dotted quad (and only
 * they: `1.2.3.4::1` is refused).
 */
function parseV6(s: string): Buffer | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  /** The words of one side of `::`; `last` when it ends the address (the only place for a dotted quad). */
  const words = (h: string, last: boolean): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.includes('.')) {
        if (!last || i !== parts.length - 1) return undefined;
        const v4 = parseV4(p);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]!, !compressed);
  const tail = compressed ? words(halves[1]!, true) : [];
  if (!head || !tail) return undefined;
  // Counted before any padding: without `::` exactly 8 groups, with it at most 7 (it stands for one or more).
  const given = head.length + tail.length;
  if (compressed ? given > 7 : given !== 8) return undefined;
  const all = compressed ? [...head, ...new Array<number>(8 - given).fill(0), ...tail] : head;
  const b = Buffer.alloc(16);
  all.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
}

/** Parses an IPv4 or IPv6 address; `undefined` when it is neither. */
export function parseIp(text: string): IpBytes | undefined {
  const v4 = parseV4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = text.includes(':') ? parseV6(text) : undefined;
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

/** An `invalid-option` error for a value that is no address. */
export function badValue(option: string, value: string, what: string): NsError | NetlinkError {
  return { kind: 'invalid-option', option, message: `${option} ${JSON.stringify(value)} is not ${what}` };
}

/**
 * Parses `ADDR/LEN` (or a bare address: the full length). The length is
 * only checked to be an integer from 0 to 255 (a byte on the wire): a
 * length too long for the family goes to the kernel, which refuses it.
 */
export function parsePrefix(text: string, option: string): Result<IpPrefix, NsError | NetlinkError> {
  const slash = text.indexOf('/');
  const a = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!a) return err(badValue(option, text, 'an IPv4 or IPv6 address with an optional /prefix-length'));
  if (slash < 0) return ok({ family: a.family, bytes: a.bytes, prefixLength: a.family === 4 ? 32 : 128 });
  // 1 to 3 ASCII digits, at most 255.
  const digits = text.length - slash - 1;
  let len = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) {
      len = -1;
      break;
    }
    len = len * 10 + (c - 0x30);
  }
  if (digits < 1 || digits > 3 || len < 0 || len > 255) return err(badValue(option, text, 'an address with a prefix length from 0 to 255'));
  return ok({ family: a.family, bytes: a.bytes, prefixLength: len });
}

/** Parses a route destination: `default` (with a family), `default6`-style `::/0`, or a prefix. */
export function parseDestination(text: string, family: IpFamily | undefined): Result<IpPrefix, NsError | NetlinkError> {
  if (text === 'default') {
    const f = family ?? 4;
    return ok({ family: f, bytes: Buffer.alloc(f === 4 ? 4 : 16), prefixLength: 0 });
  }
  return parsePrefix(text, 'dst');
}

/** Formats 4 or 16 bytes as `inet_ntop` does (RFC 5952 compression, IPv4-mapped tails). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return Buffer.from(b).toString('hex');
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((b[i * 2]! << 8) | b[i * 2 + 1]!);
  // Longest run of at least two zero words (the first on a tie), as glibc's inet_ntop6.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) best = -1;
  const v4tail = `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // An IPv4 tail exactly where glibc's inet_ntop6 writes one: ::a.b.c.d (6 zero words) and ::ffff:a.b.c.d.
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
    return bestLen === 5 ? `::ffff:${v4tail}` : `::${v4tail}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      parts.push(i === 0 ? ':' : '');
      i += bestLen - 1;
      if (i === 7) parts.push('');
      continue;
    }
    parts.push(w[i]!.toString(16));
  }
  return parts.join(':');
}

/** Parses `aa:bb:cc:dd:ee:ff` (or `-` separated); `undefined` when it is not 6 bytes of hex. */
export function parseMac(text: string): Buffer | undefined {
  if (!/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text)) return undefined;
  return Buffer.from(text.replace(/[:-]/g, ''), 'hex');
}

/** The two hex digits of every byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Formats hardware address bytes as `aa:bb:cc:dd:ee:ff`. */
export function formatMac(b: Uint8Array): string {
  let s = b.length > 0 ? HEX[b[0]!]! : '';
  for (let i = 1; i < b.length; i++) s += `:${HEX[b[i]!]!}`;
  return s;
}
