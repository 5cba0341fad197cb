/**
 * The pieces every step of a network set-up uses: the sockets it opens
 * (closed together at the end) and the naming of a failed step.
 *
 * @module
 * @internal
 */
import { ok, type Result, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { openNetlink } from '../open.js';
import type { NetlinkSocket } from '../socket.js';
import { describeNetns, type NetnsRef } from '../socket/refs.js';
import type { NetlinkError } from '../errors.js';

/** What a step can fail with: netlink's errors, or the error of the caller's `onRecord`. */
export type Failure<E> = NsError | NetlinkError | E;

/** The error of a step, its message saying which. */
export function failed<T extends { readonly message: string }>(what: string, e: T): T {
  return { ...e, message: `${what}: ${e.message}` };
}

/** The sockets of one set-up: the caller's namespace's, the target's (opened when first needed), and peers' namespaces'. */
export class Sockets<E> {
  readonly #open: NetlinkSocket[] = [];
  readonly #timeoutMs: number | undefined;
  #inside: NetlinkSocket | undefined;
  readonly target: NetnsRef;

  constructor(target: NetnsRef, timeoutMs: number | undefined) {
    this.target = target;
    this.#timeoutMs = timeoutMs;
  }

  async open(ns: NetnsRef | undefined, what: string): Promise<Result<NetlinkSocket, Failure<E>>> {
    const r = await openNetlink(ns, this.#timeoutMs === undefined ? {} : { timeoutMs: this.#timeoutMs });
    if (r.isOk()) this.#open.push(r.value);
    return r.mapErr((e) => failed(`open a netlink socket in ${what}`, e));
  }

  async inside(): Promise<Result<NetlinkSocket, Failure<E>>> {
    if (this.#inside) return ok(this.#inside);
    const r = await this.open(this.target, `the target network namespace (${describeNetns(this.target)})`);
    if (r.isOk()) this.#inside = r.value;
    return r;
  }

  close(): void {
    for (const s of this.#open) s.close();
  }
}

/** One step's Result, its error named `what`. */
export async function step<E extends { readonly message: string }>(what: string | undefined, r: Promise<Result<void, Failure<E>>> | ResultAsync<void, Failure<E>>): Promise<Result<void, Failure<E>>> {
  const v = await r;
  return what === undefined ? v : v.mapErr((e) => failed(what, e));
}
