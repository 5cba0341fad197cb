/**
 * One interface of a network set-up: a veth pair, a link of another kind
 * (made inside, or outside then moved in), or the caller's link moved in;
 * then its addresses, and up. What is made or moved outside the target is
 * recorded as soon as it exists.
 *
 * @module
 * @internal
 */
import { isIP } from 'node:net';
import { err, ok, type Result } from 'neverthrow';
import type { NetlinkSocket } from '../socket.js';
import { interfaceKind, type AppliedInterface, type NetworkInterface, type NetworkRecord } from './spec.js';
import { step, type Failure, type Sockets } from './steps.js';

/** IPv6 addresses skip duplicate address detection: usable at once. */
const addressOptions = (a: string): { noDad?: boolean } => (isIP(a.slice(0, a.lastIndexOf('/'))) === 6 ? { noDad: true } : {});

export async function setUpInterface<E extends { readonly message: string }>(x: NetworkInterface, socks: Sockets<E>, host: NetlinkSocket, rec: NetworkRecord, save: () => Result<void, E>): Promise<Result<AppliedInterface, Failure<E>>> {
  const kind = interfaceKind(x);
  const inRoot = x.createInRoot === true;
  const up = x.up !== false;
  const target = socks.target;
  const opts = { ...(x.mtu !== undefined ? { mtu: x.mtu } : {}), ...(x.mac !== undefined ? { mac: x.mac } : {}) };
  /** Records a link just made outside (by name, in `sock`'s namespace). */
  const remember = async (sock: NetlinkSocket, name: string, namespace?: string): Promise<Result<void, Failure<E>>> => {
    const l = await sock.link(name);
    if (l.isErr()) return err(l.error);
    rec.links.push({ name, index: l.value.index, ...(namespace !== undefined ? { namespace } : {}) });
    return save();
  };
  /** A link made outside, recorded, then moved in plainly (the kernel drops its addresses, as in LinuxKit). */
  const moveIn = async (): Promise<Result<void, Failure<E>>> => {
    const k = await remember(host, x.name);
    if (k.isErr()) return k;
    return host.moveLink(x.name, target, { keepAddresses: false, up: false });
  };
  let action: AppliedInterface['action'] = inRoot ? 'created-and-moved' : 'created';
  if (kind === 'veth') {
    const peer = x.peer!;
    let peerSock = host;
    if (x.peerNamespace !== undefined) {
      const s = await socks.open(x.peerNamespace, x.peerNamespace);
      if (s.isErr()) return err(s.error);
      peerSock = s.value;
    }
    const made = await host.createVeth({
      name: x.name,
      peer,
      ...(inRoot ? {} : { namespace: target }),
      ...(x.peerNamespace !== undefined ? { peerNamespace: x.peerNamespace } : {}),
      ...opts,
    });
    if (made.isErr()) return err(made.error);
    const kept = await remember(peerSock, peer, x.peerNamespace);
    if (kept.isErr()) return err(kept.error);
    if (inRoot) {
      const m = await moveIn();
      if (m.isErr()) return err(m.error);
    }
    for (const a of x.peerAddresses ?? []) {
      const r = await step(`peer ${peer} address ${a}`, peerSock.addAddress(peer, a, addressOptions(a)));
      if (r.isErr()) return err(r.error);
    }
    if (up) {
      const r = await step(`set peer ${peer} up`, peerSock.setLinkUp(peer));
      if (r.isErr()) return err(r.error);
    }
  } else if (kind !== undefined) {
    const made = await host.createLink({ name: x.name, kind, ...(inRoot ? {} : { namespace: target }), ...opts });
    if (made.isErr()) return err(made.error);
    if (inRoot) {
      const m = await moveIn();
      if (m.isErr()) return err(m.error);
    }
  } else {
    // The caller's link, moved in plainly (as LinuxKit does: the kernel drops its addresses).
    action = 'moved';
    const from = x.hostLink ?? x.name;
    const m = await host.moveLink(from, target, { newName: x.name, keepAddresses: false, up: false });
    if (m.isErr()) return err(m.error);
    rec.moved.push({ name: x.name, hostLink: from });
    const s = save();
    if (s.isErr()) return err(s.error);
    if (x.mtu !== undefined || x.mac !== undefined) {
      const i = await socks.inside();
      if (i.isErr()) return err(i.error);
      if (x.mtu !== undefined) {
        const r = await i.value.setMtu(x.name, x.mtu);
        if (r.isErr()) return err(r.error);
      }
      if (x.mac !== undefined) {
        const r = await i.value.setMac(x.name, x.mac);
        if (r.isErr()) return err(r.error);
      }
    }
  }
  if (x.addresses?.length || up) {
    const i = await socks.inside();
    if (i.isErr()) return err(i.error);
    for (const a of x.addresses ?? []) {
      const r = await step(`address ${a}`, i.value.addAddress(x.name, a, addressOptions(a)));
      if (r.isErr()) return err(r.error);
    }
    if (up) {
      const r = await step('set up', i.value.setLinkUp(x.name));
      if (r.isErr()) return err(r.error);
    }
  }
  return ok({ name: x.name, kind, action });
}
