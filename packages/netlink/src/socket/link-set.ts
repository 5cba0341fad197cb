/**
 * Changing one link: delete, rename, up/down, MTU, MAC, master. Each is a
 * single request on the link, by name or ifindex.
 *
 * @module
 * @internal
 */
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { badValue, parseMac } from '../codec/ip.js';
import * as R from '../codec/requests.js';
import type { Channel } from './channel.js';
import { checkName, checkUint, typeError } from './check.js';
import { linkIndex } from './links.js';
import { checkLink, sel, type LinkRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

export function deleteLink(ch: Channel, link: LinkRef): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  return ch.op(() => ch.acked(R.delLink(sel(l))));
}

export function renameLink(ch: Channel, link: LinkRef, newName: string): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  const to = checkName(newName, 'newName');
  return ch.op(() => linkIndex(ch, l).andThen((index) => ch.ack(R.setLink({ index, name: String(l) }, { newName: to }, `rename to ${to}`))));
}

export function setLinkUp(ch: Channel, link: LinkRef): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  return ch.op(() => ch.acked(R.setLink(sel(l), { up: true }, 'up')));
}

export function setLinkDown(ch: Channel, link: LinkRef): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  return ch.op(() => ch.acked(R.setLink(sel(l), { up: false }, 'down')));
}

export function setMtu(ch: Channel, link: LinkRef, mtu: number): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  const m = checkUint(mtu, 'mtu');
  return ch.op(() => ch.acked(R.setLink(sel(l), { mtu: m }, `mtu ${m}`)));
}

export function setMac(ch: Channel, link: LinkRef, mac: string): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  if (typeof mac !== 'string') throw typeError('mac must be a string', mac);
  const bytes = parseMac(mac);
  if (!bytes) return errAsync(badValue('mac', mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
  return ch.op(() => ch.acked(R.setLink(sel(l), { mac: bytes }, `address ${mac}`)));
}

export function setMaster(ch: Channel, link: LinkRef, master: LinkRef | null): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  const l = checkLink(link);
  const m = master === null ? null : checkLink(master, 'master');
  return ch.op(() => {
    const index = m === null ? okAsync<number, NsError | NetlinkError>(0) : linkIndex(ch, m);
    return index.andThen((i) => ch.ack(R.setLink(sel(l), { master: i }, m === null ? 'nomaster' : `master ${m}`)));
  });
}
