/**
 * Reading links: the whole list, one link, and a link name resolved to its
 * ifindex for the requests that need one.
 *
 * @module
 * @internal
 */
import { err, okAsync, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { decodeLink, type LinkInfo } from '../codec/messages.js';
import * as R from '../codec/requests.js';
import { collect, fromPromise, type Channel } from './channel.js';
import { checkLink, sel, type LinkRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

/** Every link (one dump), outside the operation queue. */
export function dumpLinks(ch: Channel): ResultAsync<LinkInfo[], NsError | NetlinkError> {
  return fromPromise(ch.send(R.dumpLinks())).andThen((ms) => collect(ms, decodeLink));
}

/** One link (`RTM_GETLINK`), outside the operation queue. */
export function getLink(ch: Channel, link: LinkRef): ResultAsync<LinkInfo, NsError | NetlinkError> {
  return fromPromise(ch.send(R.getLink(sel(link)))).andThen((ms) => {
    const m = ms[0];
    if (m === undefined) return err<LinkInfo, NsError | NetlinkError>({ kind: 'netlink-malformed', reason: 'no-reply', offset: 0, request: `RTM_GETLINK ${link}`, message: `RTM_GETLINK ${link}: the kernel sent no link` });
    return decodeLink(m);
  });
}

/** Resolves a name to its ifindex (`ENODEV` when there is none). */
export function linkIndex(ch: Channel, link: LinkRef): ResultAsync<number, NsError | NetlinkError> {
  if (typeof link === 'number') return okAsync(link);
  return getLink(ch, link).map((l) => l.index);
}

export function links(ch: Channel): ResultAsync<LinkInfo[], NsError | NetlinkError> {
  ch.live();
  return ch.op(() => dumpLinks(ch));
}

export function link(ch: Channel, link: LinkRef): ResultAsync<LinkInfo, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  return ch.op(() => getLink(ch, l));
}
