/**
 * The exchanges of a netlink socket: the socket created inside the target
 * network namespace (it belongs to that namespace for life, whatever thread
 * uses it later), then requests and replies, one exchange at a time, each
 * with its deadline, a dump interrupted by concurrent changes asked again,
 * and the outcome as this package's errors. The socket, its wire and the
 * gathering of a reply are core's rtnetlink client (`@linuxns/core/ffi`),
 * which core's own introspection uses too.
 *
 * How replies are read without blocking the main thread: rtnetlink answers
 * a request while the kernel handles `send(2)` itself, so the reply (the
 * ACK, or the first part of a dump) is normally queued on the socket when
 * `send` returns, and later parts of a dump are produced by `recv` itself. So
 * every read first tries `recv(MSG_DONTWAIT)` on the calling thread, which
 * never sleeps. Only when nothing is there does a blocking `recv` run on a
 * thread of libuv's pool (koffi's `.async()`), bounded by `SO_RCVTIMEO`,
 * while the event loop goes on. Which thread reads does not matter: the
 * socket's namespace was fixed when it was created.
 *
 * So an exchange usually starts and ends within one call: when nothing else
 * is queued or under way on the socket, {@link Exchanger.exchange} sends,
 * reads and decodes at once and gives the outcome itself, not a promise; only
 * a reply that is not there yet goes on asynchronously. Reads made now share
 * one buffer per thread (a datagram is taken, and copied when messages of it
 * are kept, before the next read); reads on libuv's pool use a buffer of
 * their socket, made on the first one.
 *
 * @module
 * @internal
 */
import { constants } from 'node:os';
import { err, ok, type Result } from 'neverthrow';
import { enterSync, syscallError, type NsError, type TargetValue } from '@linuxns/core';
import { openRouteSocket, Reply, type Expect, type Message, type RouteSocket, type Wire } from '@linuxns/core/ffi';
import { closedError, malformedReply, netlinkError, taskFailed } from './exchange-errors.js';
import type { NetlinkError } from './errors.js';

export { fdWire, type Expect, type Wire } from '@linuxns/core/ffi';

const { EINTR, EAGAIN } = constants.errno;
/** Size of the receive buffer of each read: the kernel makes dump datagrams of at most 32 KiB. */
const READ_SIZE = 65536;
/** SO_RCVBUF asked for (SO_RCVBUFFORCE when privileged): a dump of many links never overflows it. */
const RCVBUF = 1 << 20;
/** A blocking read on libuv's pool gives up after this long, so a close() is never held up longer. */
const SLICE_MS = 200;
/** How many times a dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is retried. */
export const DUMP_RETRIES = 8;

/**
 * The buffer of every read made now (`recvNow`) on this thread, by every
 * socket: such a read and the taking of its datagram happen in one
 * synchronous stretch, so no two ever overlap.
 */
let nowBuffer: Buffer | undefined;

/** How the replies of one exchange are read. */
export type ReceiveMode = 'auto' | 'async';

/** The socket as created: its fd and its netlink port id. */
export type OpenedSocket = RouteSocket;

/** Options of every socket: the receive buffer and the slice of a blocking read. */
const SOCKET_OPTIONS = { receiveBuffer: RCVBUF, receiveTimeoutMs: SLICE_MS } as const;
const openHere = (): Result<OpenedSocket, NsError> => openRouteSocket(SOCKET_OPTIONS);

/**
 * A netlink socket of the network namespace `target` (path, pid, handle or
 * `'new'`), or of the calling thread's own when `undefined`. Only the
 * creation runs inside the namespace ({@link enterSync}, a few µs).
 */
export function createSocket(target: TargetValue | undefined): Result<OpenedSocket, NsError | NetlinkError> {
  if (target === undefined) return openHere();
  const r = enterSync({ net: target }, openHere);
  return r.isOk() ? r.value : err(r.error);
}

/** One request: its bytes (seq 0), its name for errors, and what it expects. */
export interface Request {
  readonly bytes: Buffer;
  readonly label: string;
  readonly expect: Expect;
}

/** What one exchange gives: the messages of its reply (none for an ACK), or its error. */
export type Outcome = Result<Message[], NsError | NetlinkError>;

/** An exchange under way: its request was sent, its reply is not complete yet. */
class UnderWay {
  constructor(
    readonly req: Request,
    readonly reply: Reply,
    /** `performance.now()` after which it ends with `netlink-timeout`. */
    readonly deadline: number,
    readonly timeoutMs: number,
    /** 0 for the first send; a dump interrupted by a concurrent change is sent again. */
    readonly attempt: number,
  ) {}
}

const noop = (): void => undefined;

/**
 * Sequences exchanges on one wire: one at a time, in order, each with its
 * own sequence number and deadline. Replies whose sequence number is not
 * the current one (the late reply to a request that timed out) are dropped.
 */
export class Exchanger {
  readonly #wire: Wire;
  /** The buffer of reads on libuv's pool, made on the first one (a pool read writes into it while this thread goes on). */
  #laterBuf: Buffer | undefined;
  #seq: number;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  #pendingLater = false;
  #closeWhenIdle = false;
  receive: ReceiveMode = 'auto';

  constructor(wire: Wire, firstSeq = Math.floor(Math.random() * 0x7fffffff)) {
    this.#wire = wire;
    this.#seq = firstSeq;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `req` after the exchanges before it; the messages it got back (none
   * for an ACK). Never rejects: a throw during the exchange (a wire that
   * throws) is a `task-failed` error of this exchange only, and the next
   * exchanges run as usual.
   */
  run(req: Request, timeoutMs: number): Promise<Outcome> {
    const r = this.exchange(req, timeoutMs);
    return r instanceof Promise ? r : Promise.resolve(r);
  }

  /**
   * {@link Exchanger.run}, with the outcome itself rather than a promise when
   * the exchange ended within the call: nothing else was queued or under way,
   * and the whole reply was there once `send` returned (as rtnetlink's
   * replies to changes and to one-link requests are).
   */
  exchange(req: Request, timeoutMs: number): Outcome | Promise<Outcome> {
    this.#inFlight++;
    if (this.#inFlight === 1) {
      // Nothing queued or under way: start now.
      const now = this.#start(req, timeoutMs);
      if (!(now instanceof UnderWay)) {
        this.#inFlight--;
        return now;
      }
      return this.#queue(this.#guardedWait(now));
    }
    return this.#queue(
      this.#tail.then(() => {
        const now = this.#start(req, timeoutMs);
        return now instanceof UnderWay ? this.#guardedWait(now) : now;
      }),
    );
  }

  /** Exchanges that are queued or running. */
  get inFlight(): number {
    return this.#inFlight;
  }

  #inFlight = 0;

  /** The first attempt of `req`: its outcome, or the exchange under way; a throw is this exchange's `task-failed`. */
  #start(req: Request, timeoutMs: number): Outcome | UnderWay {
    try {
      return this.#begin(req, performance.now() + timeoutMs, timeoutMs, 0);
    } catch (e) {
      return err(taskFailed(e, `${req.label}: the exchange`));
    }
  }

  /** Makes `p` the exchange the next ones wait for. */
  #queue(p: Promise<Outcome>): Promise<Outcome> {
    this.#tail = p.then(noop, noop);
    return p.finally(() => this.#inFlight--);
  }

  async #guardedWait(u: UnderWay): Promise<Outcome> {
    try {
      return await this.#wait(u);
    } catch (e) {
      return err(taskFailed(e, `${u.req.label}: the exchange`));
    }
  }

  /**
   * Closes now, or, when a blocking read is still out on libuv's pool, as
   * soon as it returns (so its fd number cannot be reused under it).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pendingLater) this.#closeWhenIdle = true;
    else this.#wire.close();
  }

  /**
   * Sends `req` (attempt `attempt`) and, reading `'auto'`, takes the
   * datagrams already there: the outcome, or the exchange still under way.
   */
  #begin(req: Request, deadline: number, timeoutMs: number, attempt: number): Outcome | UnderWay {
    if (this.#closed) return err(closedError(req.label));
    const seq = (this.#seq = (this.#seq + 1) >>> 0 || 1);
    req.bytes.writeUInt32LE(seq, 8);
    const sent = this.#wire.send(req.bytes);
    if (sent !== 0) return err(syscallError('send', sent, { namespace: 'net', path: req.label }));
    const u = new UnderWay(req, new Reply(seq, req.expect), deadline, timeoutMs, attempt);
    return this.receive === 'auto' ? this.#drain(u) : u;
  }

  /** Reads without waiting while datagrams are there: the outcome, or `u` (or its next attempt) still under way. */
  #drain(u: UnderWay): Outcome | UnderWay {
    const buf = (nowBuffer ??= Buffer.alloc(READ_SIZE));
    for (;;) {
      // Checked before every read: close() may have run between two datagrams of one reply, and the fd number may be another file's by now.
      if (this.#closed) return err(closedError(u.req.label));
      const n = this.#wire.recvNow(buf);
      if (n < 0) return n === -EAGAIN ? u : err(syscallError('recv', -n, { namespace: 'net', path: u.req.label }));
      const next = this.#take(u, buf, n);
      if (next !== undefined) return next;
    }
  }

  /**
   * Takes one datagram of `n` bytes in `buf`: `undefined` while more are to
   * come; else the outcome, or, for a dump interrupted by a concurrent
   * change, its next attempt (sent, and drained like the first).
   */
  #take(u: UnderWay, buf: Buffer, n: number): Outcome | UnderWay | undefined {
    const label = u.req.label;
    if (n > buf.length) {
      return err({ kind: 'netlink-malformed', reason: 'datagram-too-big', offset: 0, request: label, message: `${label}: a reply of ${n} bytes does not fit the ${buf.length}-byte buffer` });
    }
    // Messages kept are views of the datagram, which the next read overwrites: a request that keeps
    // messages (a dump, one link) takes a copy; an ACK keeps none, so it reads the buffer as it is.
    const keeps = u.req.expect !== 'ack';
    const kept = u.reply.messages.length;
    const end = u.reply.take(keeps ? Buffer.from(buf.subarray(0, n)) : buf.subarray(0, n));
    if (!keeps) copyKept(u.reply.messages, kept);
    if (end === undefined) return undefined;
    if (end.ok) {
      if (!u.reply.interrupted) return ok(u.reply.messages);
      if (u.attempt + 1 >= DUMP_RETRIES) return err(netlinkError(`${label} (dump interrupted by concurrent changes ${DUMP_RETRIES} times)`, EINTR, undefined));
      return this.#begin(u.req, u.deadline, u.timeoutMs, u.attempt + 1);
    }
    if ('malformed' in end) return err(malformedReply(label, end.malformed));
    return err(netlinkError(label, end.errno, end.extack));
  }

  /** The rest of an exchange whose reply was not all there: reads on libuv's pool (and now, when 'auto'), until it ends. */
  async #wait(first: UnderWay): Promise<Outcome> {
    let u = first;
    // 'auto': the datagrams there were have just been taken; 'async': every reply is first waited for.
    let tryNow = false;
    for (;;) {
      if (this.#closed) return err(closedError(u.req.label));
      if (tryNow) {
        const next = this.#drain(u);
        if (!(next instanceof UnderWay)) return next;
        u = next;
      }
      tryNow = true;
      if (performance.now() >= u.deadline) {
        return err({ kind: 'netlink-timeout', request: u.req.label, timeoutMs: u.timeoutMs, message: `${u.req.label}: no reply from the kernel within ${u.timeoutMs} ms` });
      }
      const buf = (this.#laterBuf ??= Buffer.alloc(READ_SIZE));
      const n = await this.#readLater(buf);
      if (this.#closed) continue; // said at the top of the loop
      // -1: a timeout slice ended, or an error whose errno stayed on the pool thread: the next
      // non-blocking read on this thread says which.
      if (n < 0) continue;
      const next = this.#take(u, buf, n);
      if (next === undefined) {
        tryNow = this.receive === 'auto';
        continue;
      }
      if (!(next instanceof UnderWay)) return next;
      // The next attempt of an interrupted dump: sent, and (when 'auto') drained already.
      u = next;
      tryNow = false;
    }
  }

  #readLater(buf: Buffer): Promise<number> {
    this.#pendingLater = true;
    return new Promise((resolve) => {
      const done = (n: number): void => {
        this.#pendingLater = false;
        if (this.#closeWhenIdle) {
          this.#closeWhenIdle = false;
          this.#wire.close();
        }
        resolve(n);
      };
      try {
        this.#wire.recvLater(buf, done);
      } catch (e) {
        done(-1); // no read went out: close() is not held up by it
        throw e;
      }
    });
  }
}

/** Replaces the payloads of `messages` from index `from` with copies (they were views of a buffer read into again). */
function copyKept(messages: Message[], from: number): void {
  for (let i = from; i < messages.length; i++) {
    const m = messages[i]!;
    messages[i] = { ...m, payload: Buffer.from(m.payload) };
  }
}
