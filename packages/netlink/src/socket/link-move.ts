/**
 * Moving a link into another network namespace, as runc's
 * `devChangeNetNamespace` does: down, addresses read, moved and renamed in
 * one request, its permanent global addresses re-added and set up through
 * a temporary socket of the target; put back as it was when the kernel
 * refuses the move.
 *
 * @module
 */
import { errAsync, okAsync, type Result, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import * as C from '../codec/constants.js';
import { parsePrefix } from '../codec/ip.js';
import type { AddressInfo } from '../codec/messages.js';
import * as R from '../codec/requests.js';
import { addAddress, dumpAddresses } from './addresses.js';
import { Channel, fromPromise, openExchanger } from './channel.js';
import { checkName, typeError } from './check.js';
import { setLinkUp } from './link-set.js';
import { getLink } from './links.js';
import { checkLink, checkNetns, describeNetns, holdNetns, useNetns, type LinkRef, type NetnsRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

/** Options of {@link NetlinkSocket.moveLink}. */
export interface MoveLinkOptions {
  /** The link's name in the target namespace (renamed in the same request). Default: unchanged. */
  readonly newName?: string;
  /**
   * Re-add, in the target namespace, the permanent addresses of global scope
   * the link had (the kernel drops every address of a moved link), as runc
   * does. Default true.
   */
  readonly keepAddresses?: boolean;
  /** Set the link up in the target namespace once moved (runc does). Default true. */
  readonly up?: boolean;
}

export function moveLink(ch: Channel, link: LinkRef, target: NetnsRef, options: MoveLinkOptions = {}): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  const ns = checkNetns(target, 'target');
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
  const newName = options.newName === undefined ? undefined : checkName(options.newName, 'newName');
  const keep = options.keepAddresses !== false;
  const up = options.up !== false;
  // The target is held from now: a handle closed before the move runs takes nothing from it.
  const held = holdNetns(ns);
  if (held.isErr()) return errAsync(held.error);
  const label = describeNetns(ns);
  return ch.op(() => move(ch, l, held.value.ref, label, newName, keep, up), held.value.release);
}

function move(ch: Channel, l: LinkRef, ns: NetnsRef, label: string, newName: string | undefined, keep: boolean, up: boolean): ResultAsync<void, NsError | NetlinkError> {
  const used = useNetns(ns);
  if (used.isErr()) return errAsync(used.error);
  const target = used.value;
  const run = getLink(ch, l).andThen((info) => {
    const name = newName ?? info.name;
    const self = { index: info.index, name: info.name };
    // Addresses are read before the link goes down: down drops its IPv6 addresses (keep_addr_on_down=0).
    const read = keep ? dumpAddresses(ch, 0, info.index) : okAsync<AddressInfo[], NsError | NetlinkError>([]);
    return read.andThen((addrs) => {
      const kept = addrs.filter((a) => a.permanent && a.scope === 'global');
      const moved = ch.ack(R.setLink(self, { up: false }, 'down before a move')).andThen(() =>
        ch.ack(R.setLink(self, { newName: name, ns: target.attr }, `move to ${label} as ${name}`)),
      );
      return moved
        .orElse((e) => putBack(ch, self, info.up, kept).andThen(() => errAsync<void, NsError | NetlinkError>(e)))
        .andThen(() => (kept.length === 0 && !up ? okAsync<void, NsError | NetlinkError>(undefined) : withChannelIn(ns, label, ch.timeoutMs, (there) => restore(there, name, kept, up))));
    });
  });
  return fromPromise(
    (async (): Promise<Result<void, NsError | NetlinkError>> => {
      try {
        return await run;
      } finally {
        target.release();
      }
    })(),
  );
}

/** After a refused move: the link up again if it was, with the addresses going down took (best effort). */
function putBack(ch: Channel, self: R.LinkSel, wasUp: boolean, addrs: AddressInfo[]): ResultAsync<void, NsError | NetlinkError> {
  const ignore = (): ResultAsync<void, NsError | NetlinkError> => okAsync(undefined);
  let chain: ResultAsync<void, NsError | NetlinkError> = wasUp ? ch.ack(R.setLink(self, { up: true }, 'up again after a refused move')).orElse(ignore) : okAsync(undefined);
  for (const a of addrs) {
    const prefix = parsePrefix(`${a.address}/${a.prefixLength}`, 'address');
    if (prefix.isErr()) continue;
    const f = { index: self.index, dev: self.name ?? String(self.index), prefix: prefix.value, scope: C.RT_SCOPE_UNIVERSE, flags: a.flags.includes('nodad') ? C.IFA_F_NODAD : 0 };
    chain = chain.andThen(() => ch.ack(R.address(C.RTM_NEWADDR, f, `${a.address}/${a.prefixLength}`)).orElse(ignore));
  }
  return chain;
}

/** Re-adds `addrs` to `name` (and sets it up) through a channel of the target namespace. */
function restore(there: Channel, name: string, addrs: AddressInfo[], up: boolean): ResultAsync<void, NsError | NetlinkError> {
  let chain: ResultAsync<void, NsError | NetlinkError> = okAsync(undefined);
  for (const a of addrs) {
    chain = chain.andThen(() => addAddress(there, name, `${a.address}/${a.prefixLength}`, a.flags.includes('nodad') ? { noDad: true } : {}));
  }
  return up ? chain.andThen(() => setLinkUp(there, name)) : chain;
}

/**
 * Runs `fn` with a temporary socket of `ns` (held by the operation since its
 * call, so never a closed handle), closed on every path.
 */
function withChannelIn<T>(ns: NetnsRef, label: string, timeoutMs: number, fn: (there: Channel) => ResultAsync<T, NsError | NetlinkError>): ResultAsync<T, NsError | NetlinkError> {
  const made = openExchanger(ns, 'auto');
  if (made.isErr()) return errAsync(made.error);
  const there = new Channel(made.value.ex, label, timeoutMs);
  return fromPromise(
    (async (): Promise<Result<T, NsError | NetlinkError>> => {
      try {
        return await fn(there);
      } finally {
        there.close();
      }
    })(),
  );
}
