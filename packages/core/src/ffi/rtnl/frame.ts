/**
 * Netlink framing: `nlmsghdr` messages in a datagram and `rtattr`
 * attributes (nested or not) in a message, decoded and built. Decoding
 * never throws and never loops forever: every length is checked against
 * what is left, and a bad one gives a {@link FrameError} with the offset
 * where it was found (@linuxns/netlink reports it as `netlink-malformed`).
 *
 * @module
 * @internal
 */
import { err, ok, type Result } from 'neverthrow';
import { NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK, NLMSG_HDRLEN } from '../constants.js';

/** Rounds up to the 4-byte alignment of netlink messages and attributes. */
export const align4 = (n: number): number => (n + 3) & ~3;

/** One netlink message: its header fields and a view of its payload. */
export interface Message {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  /** The bytes after the 16-byte header (a view, not a copy). */
  readonly payload: Buffer;
  /** Offset of the message in the datagram. */
  readonly offset: number;
}

/** Bytes that are not well-formed netlink: `reason` names the rule, `offset` the byte where it broke. */
export interface FrameError {
  /** E.g. `'truncated-header'`, `'message-past-end'`, `'attribute-past-end'`, `'zero-length-attribute'`. */
  readonly reason: string;
  readonly offset: number;
  readonly message: string;
}

/** A {@link FrameError}. */
export function frameError(reason: string, offset: number, detail: string): FrameError {
  return { reason, offset, message: `malformed netlink data at byte ${offset}: ${detail}` };
}

/** Splits a datagram into messages. */
export function parseMessages(buf: Buffer): Result<Message[], FrameError> {
  const out: Message[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < NLMSG_HDRLEN) {
      return err(frameError('truncated-header', off, `${buf.length - off} bytes left, a message header needs ${NLMSG_HDRLEN}`));
    }
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN) return err(frameError('bad-message-length', off, `nlmsg_len ${len} is shorter than the header`));
    if (len > buf.length - off) return err(frameError('message-past-end', off, `nlmsg_len ${len} runs past the end (${buf.length - off} bytes left)`));
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
      offset: off,
    });
    off += align4(len);
  }
  return ok(out);
}

/** Attributes of one level, by type (the last one wins, as in the kernel's nla_parse). */
export type Attrs = Map<number, Buffer>;

/**
 * Parses the attributes in `buf` from `start`. `base` is the offset of `buf`
 * in the datagram, for error messages. Fewer than 4 bytes left over at the
 * end are ignored, as the kernel's own parser does.
 */
export function parseAttrs(buf: Buffer, start = 0, base = 0): Result<Attrs, FrameError> {
  const out: Attrs = new Map();
  let off = start;
  while (buf.length - off >= NLA_HDRLEN) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN) return err(frameError(len === 0 ? 'zero-length-attribute' : 'bad-attribute-length', base + off, `attribute type ${type} has length ${len}`));
    if (len > buf.length - off) {
      return err(frameError('attribute-past-end', base + off, `attribute type ${type} of length ${len} runs past the end (${buf.length - off} bytes left)`));
    }
    out.set(type, buf.subarray(off + NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return ok(out);
}

/** Nested attributes inside attribute `type` of `attrs`, or an empty map when it is absent. */
export function nestedAttrs(attrs: Attrs, type: number, base: number): Result<Attrs, FrameError> {
  const b = attrs.get(type);
  return b === undefined ? ok(new Map()) : parseAttrs(b, 0, base);
}

/** Readers of attribute payloads; `undefined` when absent or too short. */
export const read = {
  u8: (a: Attrs, t: number): number | undefined => {
    const b = a.get(t);
    return b !== undefined && b.length >= 1 ? b.readUInt8(0) : undefined;
  },
  u32: (a: Attrs, t: number): number | undefined => {
    const b = a.get(t);
    return b !== undefined && b.length >= 4 ? b.readUInt32LE(0) : undefined;
  },
  s32: (a: Attrs, t: number): number | undefined => {
    const b = a.get(t);
    return b !== undefined && b.length >= 4 ? b.readInt32LE(0) : undefined;
  },
  /** A NUL-terminated (or not) string. */
  str: (a: Attrs, t: number): string | undefined => {
    const b = a.get(t);
    if (b === undefined) return undefined;
    const z = b.indexOf(0);
    return b.toString('utf8', 0, z < 0 ? b.length : z);
  },
};

// ------------------------------------------------------------------ encoding

/** One attribute: header and payload, padded to 4 bytes. */
export function attr(type: number, payload: Uint8Array): Buffer {
  const len = NLA_HDRLEN + payload.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  b.set(payload, NLA_HDRLEN);
  return b;
}

/** A u32 attribute. */
export function attrU32(type: number, value: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt32LE(value >>> 0, 0);
  return attr(type, p);
}

/** A NUL-terminated string attribute. */
export function attrString(type: number, value: string): Buffer {
  return attr(type, Buffer.from(`${value}\0`, 'utf8'));
}

/** A nested attribute (`NLA_F_NESTED` set) holding `children`. */
export function attrNested(type: number, children: readonly Uint8Array[]): Buffer {
  return attr(type | NLA_F_NESTED, Buffer.concat(children));
}

/** A whole message: header (seq 0, filled in when sent), fixed part and attributes. */
export function message(type: number, flags: number, fixed: Uint8Array, attrs: readonly Uint8Array[] = []): Buffer {
  const body = Buffer.concat([fixed, ...attrs]);
  const len = NLMSG_HDRLEN + body.length;
  const b = Buffer.alloc(align4(len));
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.set(body, NLMSG_HDRLEN);
  return b;
}
