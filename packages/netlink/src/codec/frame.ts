/**
 * Netlink framing, as this package's codec uses it: core's (`@linuxns/core/ffi`:
 * messages, attributes, readers and builders), with a frame that does not
 * decode reported as this package's `netlink-malformed` error.
 *
 * @module
 * @internal
 */
import type { Result } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import * as F from '@linuxns/core/ffi';
import type { Attrs, FrameError, Message } from '@linuxns/core/ffi';
import type { NetlinkError, NetlinkMalformedError } from '../errors.js';

export { align4, attr, attrNested, attrString, attrU32, message, MessageBuilder, read, type Attrs, type Message } from '@linuxns/core/ffi';

/** A frame error of core's codec as a `netlink-malformed` error. */
export function asMalformed(e: FrameError): NetlinkMalformedError {
  return { kind: 'netlink-malformed', reason: e.reason, offset: e.offset, message: e.message };
}

/** A `netlink-malformed` error. */
export function malformed(reason: string, offset: number, detail: string): NsError | NetlinkError {
  return asMalformed(F.frameError(reason, offset, detail));
}

/** Splits a datagram into messages. */
export function parseMessages(buf: Buffer): Result<Message[], NsError | NetlinkError> {
  return F.parseMessages(buf).mapErr(asMalformed);
}

/** The attributes in `buf` from `start` (`base`: the offset of `buf` in the datagram, for errors). */
export function parseAttrs(buf: Buffer, start = 0, base = 0): Result<Attrs, NsError | NetlinkError> {
  return F.parseAttrs(buf, start, base).mapErr(asMalformed);
}

/** Nested attributes inside attribute `type` of `attrs`, or an empty map when it is absent. */
export function nestedAttrs(attrs: Attrs, type: number, base: number): Result<Attrs, NsError | NetlinkError> {
  return F.nestedAttrs(attrs, type, base).mapErr(asMalformed);
}
