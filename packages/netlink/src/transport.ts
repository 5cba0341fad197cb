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
 * @module
 * @internal
 */
import { constants } from 'node:os';
import { err, ok, type Result } from 'neverthrow';
import { enterSync, errnoName, syscallError, type NsError, type TargetValue } from '@linuxns/core';
import { openRouteSocket, Reply, type Expect, type FrameError, type Message, type RouteSocket, type Wire } from '@linuxns/core/ffi';
import { asMalformed } from './codec/frame.js';
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

/** How the replies of one exchange are read. */
export type ReceiveMode = 'auto' | 'async';

/** The socket as created: its fd and its netlink port id. */
export type OpenedSocket = RouteSocket;

/**
 * A netlink socket of the network namespace `target` (path, pid, handle or
 * `'new'`), or of the calling thread's own when `undefined`. Only the
 * creation runs inside the namespace ({@link enterSync}, a few µs).
 */
export function createSocket(target: TargetValue | undefined): Result<OpenedSocket, NsError | NetlinkError> {
  const here = (): Result<OpenedSocket, NsError> => openRouteSocket({ receiveBuffer: RCVBUF, receiveTimeoutMs: SLICE_MS });
  if (target === undefined) return here();
  return enterSync({ net: target }, here).andThen((r) => r);
}

/** One request: its bytes (seq 0), its name for errors, and what it expects. */
export interface Request {
  readonly bytes: Buffer;
  readonly label: string;
  readonly expect: Expect;
}

/** Bytes of a reply that do not decode, as the error of the request. */
function malformedReply(label: string, e: FrameError): NsError | NetlinkError {
  return { ...asMalformed(e), request: label, message: `${label}: ${e.message}` };
}

/** What the common answers of rtnetlink mean, for messages (the kernel's own words are in extack when it gave them). */
const MEANING: Readonly<Record<string, string>> = {
  EEXIST: 'one like it exists already',
  ENODEV: 'no such link (by that name or index) in this namespace',
  ENOENT: 'no such object',
  EINVAL: 'a value the kernel refuses',
  EADDRNOTAVAIL: 'no such address on that link',
  ESRCH: 'no such route',
  EBUSY: 'busy (a link that is up cannot be renamed, on some kernels)',
  EOPNOTSUPP: 'this kernel lacks that link kind or feature',
  ENOTSUP: 'this kernel lacks that link kind or feature',
  EPERM: "CAP_NET_ADMIN is needed in the user namespace that owns this network namespace",
  ENETUNREACH: 'the gateway is not reachable from any link here',
  ERANGE: 'a value out of range',
  EAFNOSUPPORT: 'an address family this kernel lacks',
  ENOBUFS: "the kernel's netlink buffers are full",
  EINTR: 'the dump changed under it too often',
};

function netlinkError(label: string, errno: number, extack: string | undefined): NsError | NetlinkError {
  const code = errnoName(errno);
  const meaning = MEANING[code];
  return {
    kind: 'netlink-error',
    request: label,
    code,
    errno,
    ...(extack ? { extack } : {}),
    // The kernel's own explanation when it gave one; else what the code usually means here.
    message: `${label} failed with ${code}${extack ? `: ${extack}` : meaning ? ` (${meaning})` : ''}`,
  };
}

/**
 * Sequences exchanges on one wire: one at a time, in order, each with its
 * own sequence number and deadline. Replies whose sequence number is not
 * the current one (the late reply to a request that timed out) are dropped.
 */
export class Exchanger {
  readonly #wire: Wire;
  readonly #buf = Buffer.alloc(READ_SIZE);
  #seq: number;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  #pendingLater = false;
  #closeWhenIdle = false;
  receive: ReceiveMode = 'auto';
  /** Exchanges that are queued or running. */
  inFlight = 0;

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
  run(req: Request, timeoutMs: number): Promise<Result<Message[], NsError | NetlinkError>> {
    this.inFlight++;
    const p = this.#tail.then(async (): Promise<Result<Message[], NsError | NetlinkError>> => {
      try {
        return await this.#withRetries(req, timeoutMs);
      } catch (e) {
        const isError = e instanceof Error;
        return err({
          kind: 'task-failed',
          name: isError ? e.name : 'non-error',
          message: `${req.label}: the exchange threw: ${isError ? e.message : String(e)}`,
          ...(isError && e.stack !== undefined ? { stack: e.stack } : {}),
          cause: e,
        });
      }
    });
    this.#tail = p.then(
      () => undefined,
      () => undefined,
    );
    return p.finally(() => this.inFlight--);
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

  async #withRetries(req: Request, timeoutMs: number): Promise<Result<Message[], NsError | NetlinkError>> {
    const deadline = performance.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const r = await this.#once(req, deadline, timeoutMs);
      if (r.isErr() || !r.value.interrupted) return r.map((x) => x.messages);
      if (attempt + 1 >= DUMP_RETRIES) {
        return err(netlinkError(`${req.label} (dump interrupted by concurrent changes ${DUMP_RETRIES} times)`, EINTR, undefined));
      }
    }
  }

  async #once(req: Request, deadline: number, timeoutMs: number): Promise<Result<{ messages: Message[]; interrupted: boolean }, NsError | NetlinkError>> {
    if (this.#closed) return err({ kind: 'netlink-closed', request: req.label, message: `${req.label}: the netlink socket was closed` });
    const seq = (this.#seq = (this.#seq + 1) >>> 0 || 1);
    req.bytes.writeUInt32LE(seq, 8);
    const sent = this.#wire.send(req.bytes);
    if (sent !== 0) return err(syscallError('send', sent, { namespace: 'net', path: req.label }));
    const reply = new Reply(seq, req.expect);
    for (;;) {
      const n = await this.#read(req.label, deadline, timeoutMs);
      if (n.isErr()) return err(n.error);
      if (n.value > this.#buf.length) {
        return err({ kind: 'netlink-malformed', reason: 'datagram-too-big', offset: 0, request: req.label, message: `${req.label}: a reply of ${n.value} bytes does not fit the ${this.#buf.length}-byte buffer` });
      }
      // Decoded values are copied out before the next read reuses the buffer: keep a copy of this datagram.
      const end = reply.take(Buffer.from(this.#buf.subarray(0, n.value)));
      if (end === undefined) continue;
      if (end.ok) return ok({ messages: reply.messages, interrupted: reply.interrupted });
      if ('malformed' in end) return err(malformedReply(req.label, end.malformed));
      return err(netlinkError(req.label, end.errno, end.extack));
    }
  }

  /** One datagram into the buffer: its length, or an error (timeout, closed, a socket error). */
  async #read(label: string, deadline: number, timeoutMs: number): Promise<Result<number, NsError | NetlinkError>> {
    let tryNow = this.receive === 'auto';
    for (;;) {
      // Checked before every read: close() may have run between two datagrams of one reply, and the fd number may be another file's by now.
      if (this.#closed) return err({ kind: 'netlink-closed', request: label, message: `${label}: the netlink socket was closed` });
      if (tryNow) {
        const n = this.#wire.recvNow(this.#buf);
        if (n >= 0) return ok(n);
        if (n !== -EAGAIN) return err(syscallError('recv', -n, { namespace: 'net', path: label }));
      }
      tryNow = true;
      if (performance.now() >= deadline) {
        return err({ kind: 'netlink-timeout', request: label, timeoutMs, message: `${label}: no reply from the kernel within ${timeoutMs} ms` });
      }
      const n = await this.#readLater();
      if (this.#closed) continue; // said at the top of the loop
      if (n >= 0) return ok(n);
      // -1: a timeout slice ended, or an error whose errno stayed on the pool thread: the next
      // non-blocking read on this thread says which.
    }
  }

  #readLater(): Promise<number> {
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
        this.#wire.recvLater(this.#buf, done);
      } catch (e) {
        done(-1); // no read went out: close() is not held up by it
        throw e;
      }
    });
  }
}
