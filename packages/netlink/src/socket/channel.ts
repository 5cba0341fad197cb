/**
 * The exchange core under a `NetlinkSocket`: the requests of one
 * socket, each public operation queued after the ones before it, and the
 * helpers that turn replies into results. The operation modules
 * (`links.ts`, `addresses.ts`, `routes.ts`...) are functions of a
 * `Channel`; the socket class only documents and delegates.
 *
 * @module
 * @internal
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import type { Message } from '../codec/frame.js';
import { createSocket, Exchanger, fdWire, type Outcome, type ReceiveMode, type Request } from '../transport.js';
import type { NetnsRef } from './refs.js';
import type { NetlinkError } from '../errors.js';
import { taskFailed } from '../exchange-errors.js';

export function fromPromise<T>(p: Promise<Result<T, NsError | NetlinkError>>): ResultAsync<T, NsError | NetlinkError> {
  return new ResultAsync(p);
}

/**
 * A result that is there now, or later. The operations of the hot path (a
 * request whose reply is there when `send` returns, which is most of them)
 * chain their steps on these, so that a step that ended within the call
 * goes on at once instead of through a promise.
 */
export type Eventual<T> = Result<T, NsError | NetlinkError> | Promise<Result<T, NsError | NetlinkError>>;

/** `r`, then `f` of its value (an error goes through): at once when `r` is there, else when it comes. */
export function chain<T, U>(r: Eventual<T>, f: (value: T) => Eventual<U>): Eventual<U> {
  if (r instanceof Promise) return r.then((x) => (x.isErr() ? err(x.error) : f(x.value)));
  return r.isErr() ? err(r.error) : f(r.value);
}

/** An {@link Eventual} as a `ResultAsync`. */
export function toAsync<T>(r: Eventual<T>): ResultAsync<T, NsError | NetlinkError> {
  return new ResultAsync(r instanceof Promise ? r : Promise.resolve(r));
}

const OK_VOID: Result<void, NsError | NetlinkError> = ok(undefined);


/** Decodes every message of a reply, skipping the ones `decode` leaves out; the first error wins. */
export function collect<T>(ms: Message[], decode: (m: Message) => Result<T | undefined, NsError | NetlinkError>): Result<T[], NsError | NetlinkError> {
  const out: T[] = [];
  for (const m of ms) {
    const r = decode(m);
    if (r.isErr()) return err(r.error);
    if (r.value !== undefined) out.push(r.value);
  }
  return ok(out);
}

/**
 * An exchanger on a new rtnetlink socket of `target` (the calling thread's
 * namespace when `undefined`), reading replies the `receive` way.
 */
// 'new' is spelled out for the reader, although string already includes it.
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export function openExchanger(target: NetnsRef | 'new' | undefined, receive: ReceiveMode): Result<{ ex: Exchanger; portId: number }, NsError | NetlinkError> {
  const made = createSocket(target);
  if (made.isErr()) return err(made.error);
  const ex = new Exchanger(fdWire(made.value.fd));
  ex.receive = receive;
  return ok({ ex, portId: made.value.portId });
}

/** One socket's requests: sent with its timeout, its operations run in order. */
export class Channel {
  readonly #ex: Exchanger;
  readonly timeoutMs: number;
  /** What the socket was opened on, for messages. */
  readonly namespace: string;
  #opTail: Promise<unknown> = Promise.resolve();

  constructor(ex: Exchanger, namespace: string, timeoutMs: number) {
    this.#ex = ex;
    this.namespace = namespace;
    this.timeoutMs = timeoutMs;
  }

  get closed(): boolean {
    return this.#ex.closed;
  }

  close(): void {
    this.#ex.close();
  }

  /** Throws when the socket is closed: every operation checks first. */
  live(): void {
    if (this.#ex.closed) throw new TypeError(`the netlink socket of ${this.namespace} is closed`);
  }

  /** The request primitive: one exchange, its reply messages. */
  send(req: Request): Promise<Result<Message[], NsError | NetlinkError>> {
    const r = this.exchange(req);
    return r instanceof Promise ? r : Promise.resolve(r);
  }

  /** {@link Channel.send}, with the outcome itself when the exchange ended within the call. */
  exchange(req: Request): Eventual<Message[]> {
    const r = this.#ex.exchange(req, this.timeoutMs);
    return r instanceof Promise ? r.then(this.#inNamespace) : this.#inNamespace(r);
  }

  /** The kernel's refusals name the namespace the socket is in: a request alone is ambiguous in a lab of many. */
  readonly #inNamespace = (r: Outcome): Outcome => {
    if (r.isOk() || r.error.kind !== 'netlink-error') return r;
    const e = r.error;
    return err({ ...e, namespace: this.namespace, message: e.message.replace(` failed with `, ` in ${this.namespace} failed with `) });
  };

  /** A request that only expects an ACK. */
  ack(req: Request): ResultAsync<void, NsError | NetlinkError> {
    return toAsync(this.acked(req));
  }

  /** {@link Channel.ack}, with the outcome itself when the exchange ended within the call. */
  acked(req: Request): Eventual<void> {
    return chain(this.exchange(req), () => OK_VOID);
  }

  /**
   * Runs one public operation after the ones before it have finished, so
   * that operations made without awaiting each other (an address add, then a
   * route through it) reach the kernel in the order they were made, even
   * when one needs several requests. When none is queued or under way, it
   * starts at once, within the call; one whose requests were all answered
   * within the call (the usual case: rtnetlink answers while the kernel
   * handles `send`) is then already done when the call returns.
   *
   * The returned `ResultAsync` never rejects, and one operation's failure
   * never reaches the next: a throw or rejection inside `fn` (a bug: misuse
   * was checked at the call) becomes a `task-failed` error of this operation
   * only. `release` (what the call took hold of, such as a namespace handle's
   * borrowed fd) runs once `fn` is done, on every path.
   */
  op<T>(fn: () => ResultAsync<T, NsError | NetlinkError> | Eventual<T>, release?: () => void): ResultAsync<T, NsError | NetlinkError> {
    let p: Promise<Result<T, NsError | NetlinkError>>;
    if (this.#pending === 0) {
      const now = this.#run(fn, release);
      if (!(now instanceof Promise)) return new ResultAsync(Promise.resolve(now));
      p = now; // under way: the operations made meanwhile wait for it
    } else {
      p = this.#opTail.then(() => this.#run(fn, release));
    }
    // p never rejects (#run turns every throw and rejection into a Result): the next operation waits on it as it is.
    this.#pending++;
    this.#opTail = p;
    void p.then(this.#settled);
    return new ResultAsync(p);
  }

  /** Runs `fn`: its result, `release` run once it is there; a throw or rejection is this operation's `task-failed`. */
  #run<T>(fn: () => ResultAsync<T, NsError | NetlinkError> | Eventual<T>, release: (() => void) | undefined): Eventual<T> {
    let r: ResultAsync<T, NsError | NetlinkError> | Eventual<T>;
    try {
      r = fn();
    } catch (e) {
      release?.();
      return err(thrownError(e, this.namespace));
    }
    if (r instanceof Promise || r instanceof ResultAsync) {
      // A promise, or neverthrow's ResultAsync (a PromiseLike): release once it settles; a rejection is a bug of the operation.
      return Promise.resolve(
        r.then(
          (x) => {
            release?.();
            return x;
          },
          (e: unknown) => {
            release?.();
            return err(thrownError(e, this.namespace));
          },
        ),
      );
    }
    release?.();
    return r;
  }

  /** Operations queued or under way (one that ended within its call never counts). */
  #pending = 0;
  readonly #settled = (): void => {
    this.#pending--;
  };
}

/** A value thrown inside an operation, as a `task-failed` error (as `enterSync` reports a throw of its function). */
export function thrownError(e: unknown, where: string): NsError | NetlinkError {
  return taskFailed(e, `a netlink operation on ${where}`);
}
