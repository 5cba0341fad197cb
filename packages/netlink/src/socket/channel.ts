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
import { createSocket, Exchanger, fdWire, type ReceiveMode, type Request } from '../transport.js';
import type { NetnsRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

export function fromPromise<T>(p: Promise<Result<T, NsError | NetlinkError>>): ResultAsync<T, NsError | NetlinkError> {
  return new ResultAsync(p);
}


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
    // The kernel's refusals name the namespace the socket is in: a request alone is ambiguous in a lab of many.
    return this.#ex.run(req, this.timeoutMs).then((r) =>
      r.mapErr((e) => (e.kind === 'netlink-error' ? { ...e, namespace: this.namespace, message: e.message.replace(` failed with `, ` in ${this.namespace} failed with `) } : e)),
    );
  }

  /** A request that only expects an ACK. */
  ack(req: Request): ResultAsync<void, NsError | NetlinkError> {
    return fromPromise(this.send(req).then((r) => r.map(() => undefined)));
  }

  /**
   * Runs one public operation after the ones before it have finished, so
   * that operations made without awaiting each other (an address add, then a
   * route through it) reach the kernel in the order they were made, even
   * when one needs several requests.
   *
   * The returned `ResultAsync` never rejects, and one operation's failure
   * never reaches the next: a throw or rejection inside `fn` (a bug: misuse
   * was checked at the call) becomes a `task-failed` error of this operation
   * only. `release` (what the call took hold of, such as a namespace handle's
   * dup) runs once `fn` is done, on every path.
   */
  op<T>(fn: () => ResultAsync<T, NsError | NetlinkError>, release?: () => void): ResultAsync<T, NsError | NetlinkError> {
    const run = async (): Promise<Result<T, NsError | NetlinkError>> => {
      try {
        return await fn();
      } catch (e) {
        return err(thrownError(e, this.namespace));
      } finally {
        release?.();
      }
    };
    const p = this.#opTail.then(run);
    this.#opTail = p.then(noop, noop);
    return new ResultAsync(p);
  }
}

const noop = (): void => undefined;

/** A value thrown inside an operation, as a `task-failed` error (as `enterSync` reports a throw of its function). */
export function thrownError(e: unknown, where: string): NsError | NetlinkError {
  const isError = e instanceof Error;
  const c: unknown = isError ? (e as { code?: unknown }).code : undefined;
  const code = typeof c === 'string' ? c : undefined;
  return {
    kind: 'task-failed',
    name: isError ? e.name : 'non-error',
    message: `a netlink operation on ${where} threw: ${isError ? e.message : String(e)}`,
    ...(isError && e.stack !== undefined ? { stack: e.stack } : {}),
    ...(code !== undefined ? { code } : {}),
    cause: e,
  };
}
