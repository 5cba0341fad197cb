/**
 * {@link undoNetwork}: what {@link applyNetwork} made outside a namespace,
 * taken back from its record.
 *
 * @module
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { openNetlink } from '../open.js';
import { thrownError } from '../socket/channel.js';
import { typeError } from '../socket/check.js';
import { checkNetns, type NetnsRef } from '../socket/refs.js';
import type { NetlinkError } from '../errors.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only named by a {@link}: imported so typedoc resolves it
import type { applyNetwork } from './apply.js';
import { failed } from './steps.js';
import type { NetworkRecord, UndoNetworkOptions } from './spec.js';

type Failure = NsError | NetlinkError;

/** A netlink-error with one of these codes: what was to be undone is gone already. */
const gone = (e: Failure, ...codes: string[]): boolean => e.kind === 'netlink-error' && codes.includes(e.code);

async function undo(rec: NetworkRecord, inside: NetnsRef | undefined, timeout: { timeoutMs?: number }): Promise<Result<void, Failure>> {
  let first: Failure | undefined;
  const note = (e: Failure): void => void (first ??= e);
  if (inside !== undefined && rec.moved.length) {
    const s = await openNetlink(inside, timeout);
    // No namespace any more: the kernel has sent physical links home and destroyed the rest.
    if (s.isOk()) {
      for (const m of rec.moved) {
        const r = await s.value.moveLink(m.name, process.pid, { newName: m.hostLink, keepAddresses: false, up: false });
        if (r.isErr() && !gone(r.error, 'ENODEV')) note(failed(`move ${m.name} back as ${m.hostLink}`, r.error));
      }
      s.value.close();
    }
  }
  const host = await openNetlink(undefined, timeout);
  if (host.isErr()) return err(failed("open a netlink socket in the caller's network namespace", host.error));
  try {
    for (const route of rec.hostRoutes) {
      const r = await host.value.deleteRoute(route);
      if (r.isErr() && !gone(r.error, 'ESRCH', 'ENODEV', 'ENETUNREACH')) note(failed(`delete host route ${route.dst}`, r.error));
    }
    for (const l of rec.links) {
      let sock = host.value;
      if (l.namespace !== undefined) {
        const s = await openNetlink(l.namespace, timeout);
        if (s.isErr()) continue; // that namespace is gone, and its links with it
        sock = s.value;
      }
      try {
        const info = await sock.link(l.index);
        if (info.isOk() && info.value.name === l.name) {
          const r = await sock.deleteLink(l.index);
          if (r.isErr() && !gone(r.error, 'ENODEV')) note(failed(`delete link ${l.name}`, r.error));
        } else if (info.isErr() && !gone(info.error, 'ENODEV')) note(failed(`look up link ${l.name}`, info.error));
      } finally {
        if (sock !== host.value) sock.close();
      }
    }
  } finally {
    host.value.close();
  }
  return first ? err(first) : ok(undefined);
}

/**
 * Takes back what a record of {@link applyNetwork} says was made outside
 * the target namespace: the caller's links moved back out of `inside` (the
 * target namespace, while it still exists) under their old names, host
 * routes deleted, and links made outside deleted (a veth end takes its pair
 * with it) if their ifindex still has the recorded name — never a link of
 * the same name made by someone else since. What is gone already is fine.
 * Every step is tried; the first error, if any, is returned.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { undoNetwork, type NetworkRecord } from '@linuxns/netlink';
 *
 * // After a crash: the record the set-up saved, and the namespace gone with its process.
 * const record = JSON.parse(readFileSync('/run/c1-network.json', 'utf8')) as NetworkRecord;
 * const r = await undoNetwork(record);
 * r.match(
 *   () => console.log('nothing left outside'),
 *   (e) => console.error(e.kind, e.message),
 * );
 * ```
 */
export function undoNetwork(record: NetworkRecord, inside?: NetnsRef, options: UndoNetworkOptions = {}): ResultAsync<void, NsError | NetlinkError> {
  if (typeof record !== 'object' || record === null || !Array.isArray(record.links) || !Array.isArray(record.moved) || !Array.isArray(record.hostRoutes)) {
    throw typeError('record must be a NetworkRecord { links, moved, hostRoutes }', record);
  }
  if (inside !== undefined) checkNetns(inside, 'inside');
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
  const timeout = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  return new ResultAsync(
    undo(record, inside, timeout).catch((e: unknown) => err(thrownError(e, 'undoNetwork'))),
  );
}
