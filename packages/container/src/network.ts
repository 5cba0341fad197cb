/**
 * The container's network through `@linuxns/netlink`: loopback, interfaces
 * (veth pairs, links of other kinds, the caller's links moved in), their
 * addresses, routes inside and routes of the caller's namespace. Everything
 * made outside the container's network namespace is recorded in
 * `network.json` as soon as it exists, so that destroy (or the undo of a
 * failed start, or a destroy after a crash) removes exactly that: host-side
 * links by ifindex and name (never a link of the same name made by someone
 * else), host routes, and moved links moved back.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { err, ok, type Result } from 'neverthrow';
import { openNetlink, type NetlinkSocket, type NetnsRef, type RouteSpec } from '@linuxns/netlink';
import type { InterfaceConfig, NetworkConfig, RouteConfig } from './config.js';
import { readJson, writeJsonAtomic } from './store.js';
import type { ContainerFailure } from './errors.js';

/** The record of what the network setup made outside the container's namespace. */
export const NETWORK_FILE = 'network.json';

interface NetworkRecord {
  /** Links made in the caller's namespace (or a peer's): deleted by destroy if the ifindex still has that name. */
  links: Array<{ name: string; index: number; namespace?: string }>;
  /** Caller's links moved in: `name` inside, `hostLink` its name outside. */
  moved: Array<{ name: string; hostLink: string }>;
  /** Routes added to the caller's namespace. */
  hostRoutes: RouteConfig[];
}

/** The kind of link an interface is: `'veth'`, another kind, or undefined (moved in). */
export function interfaceKind(x: InterfaceConfig): string | undefined {
  return x.add ?? (x.peer !== undefined ? 'veth' : undefined);
}

function routeSpec(r: RouteConfig): RouteSpec {
  return {
    dst: r.dst,
    ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
    ...(r.dev !== undefined ? { dev: r.dev } : {}),
    ...(r.family !== undefined ? { family: r.family } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
  };
}

/** IPv6 addresses skip duplicate address detection: usable as soon as the init runs. */
const addressOptions = (a: string): { noDad?: boolean } => (isIP(a.slice(0, a.lastIndexOf('/'))) === 6 ? { noDad: true } : {});

/** The error of a step, its message saying which. */
function failed(what: string, e: ContainerFailure): ContainerFailure {
  return { ...e, message: `${what}: ${e.message}` };
}

/**
 * Sets up `net` in the container's network namespace `target` (a handle on
 * a namespace made for it, or the init's pid). Stops at the first error,
 * what was made outside recorded in `dir/network.json` for
 * {@link teardownNetwork}.
 */
export async function setupNetwork(dir: string, net: NetworkConfig, target: NetnsRef): Promise<Result<void, ContainerFailure>> {
  const rec: NetworkRecord = { links: [], moved: [], hostRoutes: [] };
  const save = (): Result<void, ContainerFailure> => writeJsonAtomic(dir, [[NETWORK_FILE, rec]]).mapErr((e) => failed(`write ${NETWORK_FILE}`, e));
  const sockets: NetlinkSocket[] = [];
  const open = async (ns: NetnsRef | undefined, what: string): Promise<Result<NetlinkSocket, ContainerFailure>> => {
    const r = await openNetlink(ns);
    if (r.isOk()) sockets.push(r.value);
    return r.mapErr((e) => failed(`open a netlink socket in ${what}`, e));
  };
  try {
    const host = await open(undefined, "the caller's network namespace");
    if (host.isErr()) return err(host.error);
    const inside = await open(target, "the container's network namespace");
    if (inside.isErr()) return err(inside.error);
    const h = host.value;
    const i = inside.value;
    if (net.loopback !== false) {
      const r = await i.setLinkUp('lo');
      if (r.isErr()) return err(failed('set lo up', r.error));
    }
    for (const x of net.interfaces ?? []) {
      const r = await setupInterface(x, h, i, target, open, rec, save);
      if (r.isErr()) return err(failed(`interface ${x.name}`, r.error));
    }
    for (const route of net.routes ?? []) {
      const r = await i.addRoute(routeSpec(route));
      if (r.isErr()) return err(failed(`route ${route.dst}${route.gateway ? ` via ${route.gateway}` : ''}${route.dev ? ` dev ${route.dev}` : ''}`, r.error));
    }
    for (const route of net.hostRoutes ?? []) {
      const r = await h.addRoute(routeSpec(route));
      if (r.isErr()) return err(failed(`host route ${route.dst}`, r.error));
      rec.hostRoutes.push(route);
      const s = save();
      if (s.isErr()) return s;
    }
    return ok(undefined);
  } finally {
    for (const s of sockets) s.close();
  }
}

async function setupInterface(
  x: InterfaceConfig,
  host: NetlinkSocket,
  inside: NetlinkSocket,
  target: NetnsRef,
  open: (ns: NetnsRef | undefined, what: string) => Promise<Result<NetlinkSocket, ContainerFailure>>,
  rec: NetworkRecord,
  save: () => Result<void, ContainerFailure>,
): Promise<Result<void, ContainerFailure>> {
  const kind = interfaceKind(x);
  const inRoot = x.createInRoot === true;
  const opts = { ...(x.mtu !== undefined ? { mtu: x.mtu } : {}), ...(x.mac !== undefined ? { mac: x.mac } : {}) };
  /** Records a link just made outside (by name, in `sock`'s namespace). */
  const remember = async (sock: NetlinkSocket, name: string, namespace?: string): Promise<Result<void, ContainerFailure>> => {
    const l = await sock.link(name);
    if (l.isErr()) return err(l.error);
    rec.links.push({ name, index: l.value.index, ...(namespace !== undefined ? { namespace } : {}) });
    return save();
  };
  if (kind === 'veth') {
    const peer = x.peer!;
    let peerSock = host;
    if (x.peerNamespace !== undefined) {
      const s = await open(x.peerNamespace, x.peerNamespace);
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
    if (kept.isErr()) return kept;
    if (inRoot) {
      const k = await remember(host, x.name);
      if (k.isErr()) return k;
      const m = await host.moveLink(x.name, target, { keepAddresses: false, up: false });
      if (m.isErr()) return err(m.error);
    }
    for (const a of x.peerAddresses ?? []) {
      const r = await peerSock.addAddress(peer, a, addressOptions(a));
      if (r.isErr()) return err(failed(`peer ${peer} address ${a}`, r.error));
    }
    const up = await peerSock.setLinkUp(peer);
    if (up.isErr()) return err(failed(`set peer ${peer} up`, up.error));
  } else if (kind !== undefined) {
    const made = await host.createLink({ name: x.name, kind, ...(inRoot ? {} : { namespace: target }), ...opts });
    if (made.isErr()) return err(made.error);
    if (inRoot) {
      const k = await remember(host, x.name);
      if (k.isErr()) return k;
      const m = await host.moveLink(x.name, target, { keepAddresses: false, up: false });
      if (m.isErr()) return err(m.error);
    }
  } else {
    // The caller's link, moved in plainly (as LinuxKit does: the kernel drops its addresses).
    const from = x.hostLink ?? x.name;
    const m = await host.moveLink(from, target, { newName: x.name, keepAddresses: false, up: false });
    if (m.isErr()) return err(m.error);
    rec.moved.push({ name: x.name, hostLink: from });
    const s = save();
    if (s.isErr()) return s;
    if (x.mtu !== undefined) {
      const r = await inside.setMtu(x.name, x.mtu);
      if (r.isErr()) return err(r.error);
    }
    if (x.mac !== undefined) {
      const r = await inside.setMac(x.name, x.mac);
      if (r.isErr()) return err(r.error);
    }
  }
  for (const a of x.addresses ?? []) {
    const r = await inside.addAddress(x.name, a, addressOptions(a));
    if (r.isErr()) return err(failed(`address ${a}`, r.error));
  }
  const up = await inside.setLinkUp(x.name);
  return up.mapErr((e) => failed('set up', e));
}

const gone = (e: ContainerFailure, ...codes: string[]): boolean => e.kind === 'netlink-error' && codes.includes(e.code);

/**
 * Undoes what `dir/network.json` records: moved links moved back to the
 * caller's namespace (when `inside`, the container's network namespace, is
 * still there), host routes deleted, host-side links deleted (a veth end
 * takes its pair with it) if their ifindex still has the recorded name.
 * What is already gone is fine. Removes the record once everything is done;
 * the first error otherwise (the record stays for another try).
 */
export async function teardownNetwork(dir: string, inside: NetnsRef | undefined): Promise<Result<void, ContainerFailure>> {
  const read = readJson(dir, NETWORK_FILE);
  if (read.isErr()) return err(failed(`read ${NETWORK_FILE}`, read.error));
  if (!read.value.found) return ok(undefined);
  const rec = read.value.value as NetworkRecord;
  let first: ContainerFailure | undefined;
  const note = (e: ContainerFailure): void => void (first ??= e);
  if (inside !== undefined && rec.moved.length) {
    const s = await openNetlink(inside);
    // No namespace any more: the kernel has sent physical links home and destroyed the rest.
    if (s.isOk()) {
      for (const m of rec.moved) {
        const r = await s.value.moveLink(m.name, process.pid, { newName: m.hostLink, keepAddresses: false, up: false });
        if (r.isErr() && !gone(r.error, 'ENODEV')) note(failed(`move ${m.name} back as ${m.hostLink}`, r.error));
      }
      s.value.close();
    }
  }
  const host = await openNetlink();
  if (host.isErr()) return err(failed("open a netlink socket in the caller's network namespace", host.error));
  for (const route of rec.hostRoutes) {
    const r = await host.value.deleteRoute(routeSpec(route));
    if (r.isErr() && !gone(r.error, 'ESRCH', 'ENODEV', 'ENETUNREACH')) note(failed(`delete host route ${route.dst}`, r.error));
  }
  for (const l of rec.links) {
    let sock = host.value;
    if (l.namespace !== undefined) {
      const s = await openNetlink(l.namespace);
      if (s.isErr()) continue; // that namespace is gone, and its links with it
      sock = s.value;
    }
    const info = await sock.link(l.index);
    if (info.isOk() && info.value.name === l.name) {
      const r = await sock.deleteLink(l.index);
      if (r.isErr() && !gone(r.error, 'ENODEV')) note(failed(`delete link ${l.name}`, r.error));
    } else if (info.isErr() && !gone(info.error, 'ENODEV')) note(failed(`look up link ${l.name}`, info.error));
    if (sock !== host.value) sock.close();
  }
  host.value.close();
  if (first) return err(first);
  rmSync(`${dir}/${NETWORK_FILE}`, { force: true });
  return ok(undefined);
}
