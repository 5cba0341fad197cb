/**
 * Reading links: the whole list, one link, and a link name resolved to its
 * ifindex for the requests that need one.
 *
 * @module
 * @internal
 */
import { err, ok, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { malformed, type Message } from '../codec/frame.js';
import { decodeLink, IFINFOMSG_LEN, type LinkInfo } from '../codec/messages.js';
import * as R from '../codec/requests.js';
import { chain, collect, fromPromise, toAsync, type Channel, type Eventual } from './channel.js';
import { checkLink, sel, type LinkRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

/** Every link (one dump), outside the operation queue. */
export function dumpLinks(ch: Channel): ResultAsync<LinkInfo[], NsError | NetlinkError> {
  return fromPromise(ch.send(R.dumpLinks())).andThen((ms) => collect(ms, decodeLink));
}

/** The link of a reply to one `RTM_GETLINK`, or the error that there is none. */
function theLink(ms: Message[], link: LinkRef): Eventual<Message> {
  const m = ms[0];
  if (m === undefined) return err({ kind: 'netlink-malformed', reason: 'no-reply', offset: 0, request: `RTM_GETLINK ${link}`, message: `RTM_GETLINK ${link}: the kernel sent no link` });
  return ok(m);
}

/** One link (`RTM_GETLINK`), outside the operation queue. */
export function getLink(ch: Channel, link: LinkRef): ResultAsync<LinkInfo, NsError | NetlinkError> {
  return toAsync(chain(ch.exchange(R.getLink(sel(link))), (ms) => chain(theLink(ms, link), decodeLink)));
}

/**
 * Resolves a name to its ifindex (`ENODEV` when there is none), outside the
 * operation queue: the index at once when the reply was there within the
 * call. Only the `ifinfomsg` of the reply is read (its index): a name needs
 * none of the rest of the link, which {@link decodeLink} would decode.
 */
export function linkIndexOf(ch: Channel, link: LinkRef): Eventual<number> {
  if (typeof link === 'number') return ok(link);
  return chain(ch.exchange(R.getLink(sel(link))), (ms) =>
    chain(theLink(ms, link), (m) =>
      m.payload.length < IFINFOMSG_LEN
        ? err(malformed('truncated-ifinfomsg', m.offset, `RTM_NEWLINK payload of ${m.payload.length} bytes, ifinfomsg needs ${IFINFOMSG_LEN}`))
        : ok(m.payload.readInt32LE(4)),
    ),
  );
}

/** {@link linkIndexOf} as a `ResultAsync`. */
export function linkIndex(ch: Channel, link: LinkRef): ResultAsync<number, NsError | NetlinkError> {
  return toAsync(linkIndexOf(ch, link));
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
