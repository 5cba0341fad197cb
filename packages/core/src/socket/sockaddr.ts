/**
 * sockaddr encoding for the socket helpers: IPv4, IPv6 and Unix (pathname
 * or abstract, the latter written with a leading `'\0'`).
 *
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import { AF_INET, AF_INET6, AF_UNIX } from '../ffi/constants.js';

/** An address to bind or connect to. */
export type SocketAddress = { readonly host: string; readonly port: number } | { readonly path: string };

/** Encodes `addr`; a TypeError/RangeError for misuse (not an IP literal, port out of range). */
export function encodeSockaddr(addr: SocketAddress): { family: number; buf: Uint8Array; len: number } {
  if ('path' in addr) {
    if (typeof addr.path !== 'string' || addr.path.length === 0) throw new TypeError('path must be a non-empty string');
    const p = Buffer.from(addr.path, 'utf8');
    const abstract = p[0] === 0;
    if (p.length > 107) throw new RangeError(`unix socket path is ${p.length} bytes; at most 107 fit in sockaddr_un`);
    const buf = Buffer.alloc(110);
    buf.writeUInt16LE(AF_UNIX, 0);
    p.copy(buf, 2);
    return { family: AF_UNIX, buf, len: 2 + p.length + (abstract ? 0 : 1) };
  }
  const { host, port } = addr;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  if (isIPv4(host)) {
    const buf = Buffer.alloc(16);
    buf.writeUInt16LE(AF_INET, 0);
    buf.writeUInt16BE(port, 2);
    host.split('.').forEach((o, i) => buf.writeUInt8(Number(o), 4 + i));
    return { family: AF_INET, buf, len: 16 };
  }
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIPv6(bare)) {
    // A zone ('fe80::1%eth0') needs the interface index inside the namespace: not silently dropped.
    if (bare.includes('%')) throw new TypeError(`IPv6 zone ids are not supported, got ${JSON.stringify(host)}`);
    const buf = Buffer.alloc(28);
    buf.writeUInt16LE(AF_INET6, 0);
    buf.writeUInt16BE(port, 2);
    ipv6Bytes(bare).copy(buf, 8);
    return { family: AF_INET6, buf, len: 28 };
  }
  throw new TypeError(`host must be an IPv4 or IPv6 literal (name lookups would run outside the namespace), got ${JSON.stringify(host)}`);
}

/** The 16 bytes of an IPv6 literal already checked by `isIPv6` (no zone id). */
function ipv6Bytes(host: string): Buffer {
  let h = host;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (v4) {
    // A trailing dotted quad is the last two words: '::ffff:1.2.3.4', '0:0:0:0:0:ffff:1.2.3.4', '::1.2.3.4'.
    const o = v4[1]!.split('.').map(Number);
    tail.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    h = h.slice(0, -v4[1]!.length); // ends with ':' (or is '::'-terminated)
    if (!h.endsWith('::')) h = h.slice(0, -1);
  }
  const hex = (x: string): number => parseInt(x, 16);
  const out = Buffer.alloc(16);
  let words: number[];
  if (h.includes('::')) {
    const [left = '', right = ''] = h.split('::');
    const l = left ? left.split(':').map(hex) : [];
    const r = right ? right.split(':').map(hex) : [];
    words = [...l, ...new Array<number>(8 - l.length - r.length - tail.length).fill(0), ...r, ...tail];
  } else {
    words = [...(h ? h.split(':').map(hex) : []), ...tail];
  }
  if (words.length !== 8) throw new TypeError(`cannot encode IPv6 address ${JSON.stringify(host)}`);
  words.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Decodes the port of a sockaddr_in/in6 (0 for others). */
export function decodePort(buf: Uint8Array): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = b.readUInt16LE(0);
  return family === AF_INET || family === AF_INET6 ? b.readUInt16BE(2) : 0;
}
