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
//
// Requests are built once per call and are small: each piece is a slice of
// Node's shared allocation pool (Buffer.allocUnsafe) rather than a buffer of
// its own (Buffer.alloc: a backing store each), with every byte written,
// padding zeroed, so nothing of the pool's earlier contents is ever sent.

/** `n` bytes from the pool, every one of them to be written by the caller. */
const raw = (n: number): Buffer => Buffer.allocUnsafe(n);

/** One attribute: header and payload, padded to 4 bytes. */
export function attr(type: number, payload: Uint8Array): Buffer {
  const len = NLA_HDRLEN + payload.length;
  const size = align4(len);
  const b = raw(size);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  b.set(payload, NLA_HDRLEN);
  b.fill(0, len, size);
  return b;
}

/** A u32 attribute. */
export function attrU32(type: number, value: number): Buffer {
  const b = raw(NLA_HDRLEN + 4);
  b.writeUInt16LE(NLA_HDRLEN + 4, 0);
  b.writeUInt16LE(type, 2);
  b.writeUInt32LE(value >>> 0, NLA_HDRLEN);
  return b;
}

/** A NUL-terminated string attribute. */
export function attrString(type: number, value: string): Buffer {
  const n = Buffer.byteLength(value, 'utf8');
  const len = NLA_HDRLEN + n + 1;
  const size = align4(len);
  const b = raw(size);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  b.write(value, NLA_HDRLEN, n, 'utf8');
  b.fill(0, NLA_HDRLEN + n, size);
  return b;
}

/** Copies `parts` into `b` from `off`; the offset after them. */
function copyAll(b: Buffer, off: number, parts: readonly Uint8Array[]): number {
  for (const p of parts) {
    b.set(p, off);
    off += p.length;
  }
  return off;
}

/** Total length of `parts`. */
function lengthOf(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}

/** A nested attribute (`NLA_F_NESTED` set) holding `children`. */
export function attrNested(type: number, children: readonly Uint8Array[]): Buffer {
  const len = NLA_HDRLEN + lengthOf(children);
  const size = align4(len);
  const b = raw(size);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type | NLA_F_NESTED, 2);
  b.fill(0, copyAll(b, NLA_HDRLEN, children), size);
  return b;
}

/** A whole message: header (seq 0, filled in when sent), fixed part and attributes. */
export function message(type: number, flags: number, fixed: Uint8Array, attrs: readonly Uint8Array[] = []): Buffer {
  const len = NLMSG_HDRLEN + fixed.length + lengthOf(attrs);
  const size = align4(len);
  const b = raw(size);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(0, 8); // seq
  b.writeUInt32LE(0, 12); // port id: the kernel's
  b.set(fixed, NLMSG_HDRLEN);
  b.fill(0, copyAll(b, NLMSG_HDRLEN + fixed.length, attrs), size);
  return b;
}

/**
 * Builds one message in place, field by field, and copies it out once: no
 * buffer per attribute or fixed part (the builders above make one each).
 * Fixed parts are written with {@link MessageBuilder.u8} and its kin (the
 * structs of rtnetlink are made of such fields, and their lengths are
 * multiples of 4); attributes with {@link MessageBuilder.attr} and its kin,
 * nested ones between {@link MessageBuilder.open} and
 * {@link MessageBuilder.close}. The bytes are those the builders above give
 * for the same message.
 *
 * Every builder writes into one scratch buffer of the thread: build a message
 * from start to {@link MessageBuilder.done} without starting another.
 */
export class MessageBuilder {
  static #scratch = Buffer.alloc(4096);
  #b: Buffer;
  #len: number;
  readonly #nests: number[] = [];

  /** A message of `type` with `flags`; seq and port id 0 (the exchange fills in seq). */
  constructor(type: number, flags: number) {
    const b = (this.#b = MessageBuilder.#scratch);
    b.writeUInt16LE(type, 4);
    b.writeUInt16LE(flags, 6);
    b.writeUInt32LE(0, 8);
    b.writeUInt32LE(0, 12);
    this.#len = NLMSG_HDRLEN;
  }

  /** Room for `n` more bytes. */
  #room(n: number): Buffer {
    if (this.#len + n > this.#b.length) {
      const bigger = Buffer.alloc(Math.max(this.#b.length * 2, align4(this.#len + n)));
      this.#b.copy(bigger, 0, 0, this.#len);
      this.#b = MessageBuilder.#scratch = bigger;
    }
    return this.#b;
  }

  /** A byte of the fixed part. */
  u8(v: number): this {
    this.#room(1).writeUInt8(v, this.#len);
    this.#len += 1;
    return this;
  }

  /** A u16 of the fixed part. */
  u16(v: number): this {
    this.#room(2).writeUInt16LE(v, this.#len);
    this.#len += 2;
    return this;
  }

  /** A u32 of the fixed part. */
  u32(v: number): this {
    this.#room(4).writeUInt32LE(v >>> 0, this.#len);
    this.#len += 4;
    return this;
  }

  /** An s32 of the fixed part (an ifindex). */
  s32(v: number): this {
    this.#room(4).writeInt32LE(v, this.#len);
    this.#len += 4;
    return this;
  }

  /** Zero bytes up to the next multiple of 4. */
  #pad(): void {
    const end = align4(this.#len);
    this.#room(end - this.#len).fill(0, this.#len, end);
    this.#len = end;
  }

  /** An attribute header with `payloadLength`; the payload is written next. */
  #header(type: number, payloadLength: number): void {
    const b = this.#room(NLA_HDRLEN + payloadLength + 3);
    b.writeUInt16LE(NLA_HDRLEN + payloadLength, this.#len);
    b.writeUInt16LE(type, this.#len + 2);
    this.#len += NLA_HDRLEN;
  }

  /** One attribute, padded to 4 bytes. */
  attr(type: number, payload: Uint8Array): this {
    this.#header(type, payload.length);
    this.#b.set(payload, this.#len);
    this.#len += payload.length;
    this.#pad();
    return this;
  }

  /** A u32 attribute. */
  attrU32(type: number, value: number): this {
    this.#header(type, 4);
    this.#b.writeUInt32LE(value >>> 0, this.#len);
    this.#len += 4;
    return this;
  }

  /** A NUL-terminated string attribute. */
  attrString(type: number, value: string): this {
    let ascii = true;
    for (let i = 0; i < value.length && ascii; i++) ascii = value.charCodeAt(i) < 0x80;
    const n = ascii ? value.length : Buffer.byteLength(value, 'utf8');
    this.#header(type, n + 1);
    const b = this.#b;
    if (ascii) for (let i = 0; i < n; i++) b[this.#len + i] = value.charCodeAt(i);
    else b.write(value, this.#len, n, 'utf8');
    b[this.#len + n] = 0;
    this.#len += n + 1;
    this.#pad();
    return this;
  }

  /** Opens a nested attribute (`NLA_F_NESTED` set): the attributes up to the matching {@link MessageBuilder.close} go inside. */
  open(type: number): this {
    this.#nests.push(this.#len);
    this.#header(type | NLA_F_NESTED, 0);
    return this;
  }

  /** Opens an attribute whose payload is written next with the fixed-part writers and attributes (a veth peer's ifinfomsg and attributes), without `NLA_F_NESTED`. */
  openPlain(type: number): this {
    this.#nests.push(this.#len);
    this.#header(type, 0);
    return this;
  }

  /** Closes the attribute last opened: its length now covers what was written since. */
  close(): this {
    const start = this.#nests.pop();
    if (start === undefined) throw new Error('MessageBuilder.close() without open()');
    this.#b.writeUInt16LE(this.#len - start, start);
    this.#pad();
    return this;
  }

  /** The message: a buffer of its own (a slice of Node's allocation pool), its length padded to 4. */
  done(): Buffer {
    if (this.#nests.length > 0) throw new Error('MessageBuilder.done() with an attribute still open');
    this.#b.writeUInt32LE(this.#len, 0);
    const out = Buffer.allocUnsafe(this.#len);
    this.#b.copy(out, 0, 0, this.#len);
    return out;
  }
}
