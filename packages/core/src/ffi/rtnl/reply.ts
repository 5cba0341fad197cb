/**
 * The reply to one netlink request, gathered datagram by datagram: the
 * messages of its sequence number, up to the `NLMSG_ERROR` (an ACK or the
 * kernel's errno with its extended ack), the `NLMSG_DONE` of a dump, or the
 * one message asked for. Replies to other requests (a late one to a request
 * given up on) are skipped. How datagrams are read (now, or later on another
 * thread) is the caller's business.
 *
 * @module
 * @internal
 */
import { constants } from 'node:os';
import { err, ok, type Result } from 'neverthrow';
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP_INTR, NLM_F_MULTI, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_OVERRUN, NLMSGERR_ATTR_MSG } from '../constants.js';
import { frameError, parseAttrs, parseMessages, read, type FrameError, type Message } from './frame.js';

/** What a request expects back: an ACK, a multi-part dump, or one message. */
export type Expect = 'ack' | 'dump' | 'one';

/** An `NLMSG_ERROR` reply: `errno` 0 is an ACK. */
export interface ErrorReply {
  /** Positive errno, or 0 for an ACK. */
  readonly errno: number;
  /** The kernel's extended ack message (NETLINK_EXT_ACK), when there is one. */
  readonly extack?: string;
  /** Type of the request it answers. */
  readonly requestType: number;
}

/** Decodes the payload of an `NLMSG_ERROR` message. */
export function decodeError(m: Message): Result<ErrorReply, FrameError> {
  const p = m.payload;
  if (p.length < 4 + NLMSG_HDRLEN) return err(frameError('truncated-error', m.offset, `NLMSG_ERROR payload of ${p.length} bytes, needs ${4 + NLMSG_HDRLEN}`));
  const errno = -p.readInt32LE(0) | 0;
  const requestType = p.readUInt16LE(8);
  if (errno === 0 || !(m.flags & NLM_F_ACK_TLVS)) return ok({ errno, requestType });
  // The original request follows: the header only when capped (NETLINK_CAP_ACK), else all of it.
  const origLen = m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : p.readUInt32LE(4);
  const tlvStart = 4 + ((origLen + 3) & ~3);
  if (tlvStart > p.length) return err(frameError('truncated-error', m.offset, `extended ack past the end of NLMSG_ERROR`));
  const attrs = parseAttrs(p, tlvStart, m.offset + NLMSG_HDRLEN);
  if (attrs.isErr()) return err(attrs.error);
  const extack = read.str(attrs.value, NLMSGERR_ATTR_MSG);
  return ok(extack ? { errno, extack, requestType } : { errno, requestType });
}

/** How a reply ended: complete, refused by the kernel (an errno), or not decodable. */
export type ReplyEnd = { readonly ok: true } | { readonly ok: false; readonly errno: number; readonly extack?: string } | { readonly ok: false; readonly malformed: FrameError };

const COMPLETE: ReplyEnd = { ok: true };

/** The reply to the request sent with sequence number `seq`. */
export class Reply {
  /** Its messages so far, ACKs and `NLMSG_DONE` left out: views of the datagrams given to {@link Reply.take}. */
  readonly messages: Message[] = [];
  /** A part was marked `NLM_F_DUMP_INTR`: the dump saw concurrent changes, ask again. */
  interrupted = false;
  readonly #seq: number;
  readonly #expect: Expect;

  constructor(seq: number, expect: Expect) {
    this.#seq = seq;
    this.#expect = expect;
  }

  /**
   * Takes one datagram: `undefined` while more are to come, else how the
   * reply ended. The messages keep views of `datagram`: give a copy when
   * the buffer is read into again before they are decoded.
   */
  take(datagram: Buffer): ReplyEnd | undefined {
    // The usual answer to a change, alone in its datagram: the ACK of this request (NLMSG_ERROR,
    // errno 0, with at least the request's header after it, as decodeError requires). Read in
    // place; anything else goes the general way below.
    if (
      datagram.length >= 4 + 2 * NLMSG_HDRLEN &&
      datagram.readUInt32LE(0) === datagram.length &&
      datagram.readUInt16LE(4) === NLMSG_ERROR &&
      datagram.readUInt32LE(8) === this.#seq &&
      datagram.readInt32LE(NLMSG_HDRLEN) === 0
    ) {
      if (datagram.readUInt16LE(6) & NLM_F_DUMP_INTR) this.interrupted = true;
      return COMPLETE;
    }
    const parsed = parseMessages(datagram);
    if (parsed.isErr()) return { ok: false, malformed: parsed.error };
    for (const m of parsed.value) {
      if (m.seq !== this.#seq) continue; // a late reply to an earlier request
      if (m.flags & NLM_F_DUMP_INTR) this.interrupted = true;
      if (m.type === NLMSG_ERROR) {
        const e = decodeError(m);
        if (e.isErr()) return { ok: false, malformed: e.error };
        if (e.value.errno === 0) return COMPLETE;
        return e.value.extack === undefined ? { ok: false, errno: e.value.errno } : { ok: false, errno: e.value.errno, extack: e.value.extack };
      }
      if (m.type === NLMSG_DONE) {
        const code = m.payload.length >= 4 ? -m.payload.readInt32LE(0) : 0;
        return code > 0 ? { ok: false, errno: code } : COMPLETE;
      }
      if (m.type === NLMSG_NOOP) continue;
      if (m.type === NLMSG_OVERRUN) return { ok: false, errno: constants.errno.ENOBUFS, extack: 'netlink overrun' };
      this.messages.push(m);
      if (this.#expect === 'one' && !(m.flags & NLM_F_MULTI)) return COMPLETE;
    }
    return undefined;
  }
}
