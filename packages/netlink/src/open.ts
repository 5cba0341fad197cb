/**
 * {@link openNetlink}: an rtnetlink socket created inside a network
 * namespace, then used from the calling thread, which never joins it.
 *
 * @module
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only named by a {@link}: imported so typedoc resolves it
import type { NamespaceHandle } from '@linuxns/core';
import { NetlinkSocket } from './socket.js';
import { openExchanger } from './socket/channel.js';
import { typeError } from './socket/check.js';
import { checkNetns, describeNetns, type NetnsRef } from './socket/refs.js';
import type { ReceiveMode } from './transport.js';
import type { NetlinkError } from './errors.js';

/** Options of {@link openNetlink}. */
export interface OpenNetlinkOptions {
  /** Give up on a request after this many ms (`netlink-timeout`). Default 5000. */
  readonly timeoutMs?: number;
  /**
   * `'auto'` (the default) reads each reply with a non-blocking `recv` on
   * the calling thread first and goes to libuv's pool only when nothing is
   * there yet; `'async'` always reads on libuv's pool.
   */
  readonly receive?: ReceiveMode;
}

/**
 * Opens an rtnetlink socket of the network namespace `target`: a
 * {@link NamespaceHandle}, a path to a namespace file, a pid, or `'new'` for
 * a fresh namespace that lives as long as the socket; the calling thread's
 * own namespace when left out. The socket is created inside the namespace
 * (the calling thread joins it with `enterSync` for the `socket()` call
 * only, a few µs) and then belongs to it for life; it is `SOCK_CLOEXEC`,
 * and closed by {@link NetlinkSocket.close}.
 *
 * Requests are sent with `send(2)` on the calling thread, which can wait
 * there on the kernel's `rtnl_lock` while another task holds it (a network
 * namespace being torn down...). Replies are read with a non-blocking
 * `recv` on the calling thread, else with a blocking `recv` on libuv's pool;
 * a socket error that such a pool read takes is seen as no reply, and the
 * request ends with `netlink-timeout` (koffi's asynchronous calls give no
 * errno, and the error is cleared by the read that met it).
 *
 * @example
 * ```ts
 * import { safeTry } from 'neverthrow';
 * import { createNamespace } from '@linuxns/core';
 * import { openNetlink } from '@linuxns/netlink';
 *
 * const r = await safeTry(async function* () {
 *   const ns = yield* createNamespace('net');
 *   const nl = yield* openNetlink(ns).orTee(() => ns.close());
 *   try {
 *     return await nl.setLinkUp('lo');
 *   } finally {
 *     nl.close();
 *     ns.close();
 *   }
 * });
 * if (r.isErr()) console.error(r.error.kind, r.error.message);
 * ```
 */
// 'new' is spelled out for the reader, although string already includes it.
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export function openNetlink(target?: NetnsRef | 'new', options: OpenNetlinkOptions = {}): ResultAsync<NetlinkSocket, NsError | NetlinkError> {
  if (target !== undefined && target !== 'new') checkNetns(target, 'target');
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  const receive = options.receive ?? 'auto';
  if (receive !== 'auto' && receive !== 'async') throw new RangeError(`receive must be 'auto' or 'async', got ${JSON.stringify(receive)}`);
  const made = openExchanger(target, receive);
  if (made.isErr()) return errAsync(made.error);
  const label = target === undefined ? 'the current network namespace' : target === 'new' ? 'a new network namespace' : describeNetns(target);
  return okAsync(new NetlinkSocket(made.value.ex, made.value.portId, label, timeoutMs));
}
