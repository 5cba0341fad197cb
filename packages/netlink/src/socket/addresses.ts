/**
 * Addresses, IPv4 and IPv6: the filtered dump, add and delete.
 *
 * @module
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import * as C from '../codec/constants.js';
import { badValue, parseIp, parsePrefix, type IpFamily } from '../codec/ip.js';
import { decodeAddress, type AddressInfo } from '../codec/messages.js';
import * as R from '../codec/requests.js';
import { chain, collect, fromPromise, type Channel } from './channel.js';
import { familyNumber, scopeOf, typeError } from './check.js';
import { linkIndex, linkIndexOf } from './links.js';
import { checkLink, type LinkRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

/** Options of {@link NetlinkSocket.addAddress}. */
export interface AddressOptions {
  /** `'global'` (default), `'site'`, `'link'`, `'host'`, `'nowhere'` or a number. */
  readonly scope?: string | number;
  /** IPv6: skip duplicate address detection (`IFA_F_NODAD`), so the address is usable at once. */
  readonly noDad?: boolean;
  /** IPv4 point-to-point: the peer address. */
  readonly peer?: string;
  /** IPv4 broadcast address. */
  readonly broadcast?: string;
}

/** Filters of {@link NetlinkSocket.addresses}. */
export interface AddressFilter {
  /** Only this link's addresses. */
  readonly link?: LinkRef;
  /** Only IPv4 (4) or IPv6 (6) addresses. */
  readonly family?: IpFamily;
}

/** The addresses of `family` (0: all) on link `index` (0: all), outside the operation queue. */
export function dumpAddresses(ch: Channel, family: number, index: number): ResultAsync<AddressInfo[], NsError | NetlinkError> {
  return fromPromise(ch.send(R.dumpAddresses(family, index))).andThen((ms) =>
    collect(ms, decodeAddress).map((as) => as.filter((a) => index === 0 || a.index === index)),
  );
}

export function addresses(ch: Channel, filter: AddressFilter = {}): ResultAsync<AddressInfo[], NsError | NetlinkError> {
  ch.live();
  if (typeof filter !== 'object' || filter === null) throw typeError('filter must be an object', filter);
  const family = filter.family === undefined ? 0 : familyNumber(filter.family);
  const link = filter.link === undefined ? undefined : checkLink(filter.link);
  return ch.op(() => (link === undefined ? okAsync<number, NsError | NetlinkError>(0) : linkIndex(ch, link)).andThen((i) => dumpAddresses(ch, family, i)));
}

/** `RTM_NEWADDR` or `RTM_DELADDR` of `address` (with its prefix length) on `link`. */
function changeAddress(ch: Channel, type: typeof C.RTM_NEWADDR | typeof C.RTM_DELADDR, link: LinkRef, address: string, options: AddressOptions): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  if (typeof address !== 'string') throw typeError('address must be a string such as "10.0.0.1/24"', address);
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
  const scope = scopeOf(options.scope) ?? C.RT_SCOPE_UNIVERSE;
  const prefix = parsePrefix(address, 'address');
  if (prefix.isErr()) return errAsync(prefix.error);
  const peer = options.peer === undefined ? undefined : parseIp(options.peer);
  if (options.peer !== undefined && peer?.family !== prefix.value.family) return errAsync(badValue('peer', String(options.peer), `an address of the same family as ${address}`));
  const brd = options.broadcast === undefined ? undefined : parseIp(options.broadcast);
  if (options.broadcast !== undefined && brd?.family !== 4) return errAsync(badValue('broadcast', String(options.broadcast), 'an IPv4 address'));
  const flags = options.noDad ? C.IFA_F_NODAD : 0;
  return ch.op(() =>
    chain(linkIndexOf(ch, l), (index) =>
      ch.acked(R.address(type, { index, dev: String(l), prefix: prefix.value, scope, flags, peer, broadcast: brd }, address)),
    ),
  );
}

export function addAddress(ch: Channel, link: LinkRef, address: string, options: AddressOptions = {}): ResultAsync<void, NsError | NetlinkError> {
  return changeAddress(ch, C.RTM_NEWADDR, link, address, options);
}

export function deleteAddress(ch: Channel, link: LinkRef, address: string): ResultAsync<void, NsError | NetlinkError> {
  return changeAddress(ch, C.RTM_DELADDR, link, address, {});
}
