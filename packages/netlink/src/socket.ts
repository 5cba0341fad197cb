/**
 * {@link NetlinkSocket}: links, addresses and routes of one network
 * namespace, over an rtnetlink socket created inside it (by
 * {@link openNetlink}). The class documents and delegates; each operation
 * is a module of `socket/`.
 *
 * @module
 */
import type { ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import type { AddressInfo, LinkInfo, RouteInfo } from './codec/messages.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only named by {@link}s: imported so typedoc resolves it
import type { openNetlink } from './open.js';
import type { Exchanger } from './transport.js';
import * as addresses from './socket/addresses.js';
import type { AddressFilter, AddressOptions } from './socket/addresses.js';
import { Channel } from './socket/channel.js';
import * as create from './socket/link-create.js';
import type { CreateLinkOptions, VethOptions } from './socket/link-create.js';
import * as move from './socket/link-move.js';
import type { MoveLinkOptions } from './socket/link-move.js';
import * as set from './socket/link-set.js';
import * as links from './socket/links.js';
import type { LinkRef, NetnsRef } from './socket/refs.js';
import * as routes from './socket/routes.js';
import type { RouteFilter, RouteSpec } from './socket/routes.js';
import type { NetlinkError } from './errors.js';

/**
 * An rtnetlink socket of one network namespace: it lists and changes the
 * links, addresses and routes of that namespace, from any thread, without
 * the thread ever joining it (the socket was created inside and belongs to
 * it for life). Get one with {@link openNetlink}.
 *
 * Every method returns a `ResultAsync` whose error is an `NsError`:
 * `netlink-error` when the kernel refuses (its `code` is the errno:
 * `EEXIST`, `ENODEV`, `EINVAL`...; `extack` its explanation),
 * `netlink-timeout`, `netlink-malformed`, `netlink-closed`, or
 * `invalid-option` for an address or MAC that does not parse. Misuse —
 * arguments of the wrong type, a closed socket — throws a `TypeError` or
 * `RangeError` at once, at the call (a namespace handle given to a method
 * is held from there: closing it before the request goes out takes nothing
 * from it). An operation that throws inside despite these checks (a bug)
 * gives `task-failed` for itself only. Requests on one socket run one at a
 * time, in the order they were made; one made while none is queued is
 * usually done when the call returns (the kernel answers within `send`).
 *
 * Threads: requests are sent on the calling thread, which can wait there on
 * the kernel's `rtnl_lock`; replies are read without blocking it. See
 * {@link openNetlink} for both, and for the socket errors a read on libuv's
 * pool cannot report (such a request ends with `netlink-timeout`).
 *
 * @example
 * ```ts
 * import { safeTry } from 'neverthrow';
 * import { openNetlink } from '@linuxns/netlink';
 *
 * const r = await safeTry(async function* () {
 *   const nl = yield* openNetlink('/run/netns/blue');
 *   try {
 *     yield* nl.createVeth({ name: 'veth0', peer: 'veth1' });
 *     yield* nl.addAddress('veth0', '10.0.0.1/24');
 *     yield* nl.setLinkUp('veth0');
 *     return nl.links();
 *   } finally {
 *     nl.close();
 *   }
 * });
 * r.match(
 *   (links) => console.log(links.map((l) => l.name)),
 *   (e) => console.error(e.kind, e.message), // netlink-error (code EEXIST...), netlink-timeout...
 * );
 * ```
 */
export class NetlinkSocket {
  readonly #ch: Channel;
  /** The socket's netlink port id (as `ss -f netlink` shows it). */
  readonly portId: number;
  /** What the socket was opened on, for messages: a path, `pid N`, a namespace identity or `'current'`. */
  readonly namespace: string;

  /** @internal Use {@link openNetlink}. */
  constructor(ex: Exchanger, portId: number, namespace: string, timeoutMs: number) {
    this.#ch = new Channel(ex, namespace, timeoutMs);
    this.portId = portId;
    this.namespace = namespace;
  }

  /** True once {@link NetlinkSocket.close} was called. */
  get closed(): boolean {
    return this.#ch.closed;
  }

  /**
   * Closes the socket. Requests still waiting get `netlink-closed`. Calling
   * it again does nothing.
   */
  close(): void {
    this.#ch.close();
  }

  /**
   * Every link of the namespace (`ip link show`).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * (await nl.links()).match(
   *   (links) => links.forEach((l) => console.log(l.index, l.name, l.kind, l.operstate)),
   *   (e) => console.error(e.kind, e.message),
   * );
   * ```
   */
  links(): ResultAsync<LinkInfo[], NsError | NetlinkError> {
    return links.links(this.#ch);
  }

  /**
   * One link, by name or ifindex; `netlink-error` `ENODEV` when there is none.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const lo = await nl.link('lo');
   * if (lo.isOk()) console.log(lo.value.index, lo.value.flags);
   * ```
   */
  link(link: LinkRef): ResultAsync<LinkInfo, NsError | NetlinkError> {
    return links.link(this.#ch, link);
  }

  /**
   * Creates a veth pair: `name` in `namespace` and `peer` in
   * `peerNamespace` (each by default the socket's), in one request.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.createVeth({ name: 'veth-a', peer: 'veth-b', namespace: '/run/netns/a', peerNamespace: '/run/netns/b' });
   * if (r.isErr() && r.error.kind === 'netlink-error' && r.error.code === 'EEXIST') console.log('already there');
   * ```
   */
  createVeth(options: VethOptions): ResultAsync<void, NsError | NetlinkError> {
    return create.createVeth(this.#ch, options);
  }

  /**
   * Creates a link of any kind that needs no options of its own (`dummy`,
   * `bridge`, `ifb`...), in the socket's namespace or in `namespace`.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.createLink({ name: 'ifb0', kind: 'ifb' });
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  createLink(options: CreateLinkOptions): ResultAsync<void, NsError | NetlinkError> {
    return create.createLink(this.#ch, options);
  }

  /**
   * Creates a dummy link (`ip link add NAME type dummy`).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.createDummy('dummy0');
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  createDummy(name: string): ResultAsync<void, NsError | NetlinkError> {
    return create.createDummy(this.#ch, name);
  }

  /**
   * Creates a bridge (`ip link add NAME type bridge`); attach links to it
   * with {@link NetlinkSocket.setMaster}.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.createBridge('br0')
   *   .andThen(() => nl.createDummy('dummy0'))
   *   .andThen(() => nl.setMaster('dummy0', 'br0'));
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  createBridge(name: string): ResultAsync<void, NsError | NetlinkError> {
    return create.createBridge(this.#ch, name);
  }

  /**
   * Deletes a link (both ends, for a veth).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.deleteLink('veth-a');
   * if (r.isErr() && r.error.kind === 'netlink-error') console.log(r.error.code); // 'ENODEV' when missing
   * ```
   */
  deleteLink(link: LinkRef): ResultAsync<void, NsError | NetlinkError> {
    return set.deleteLink(this.#ch, link);
  }

  /**
   * Renames a link (the kernel refuses while it is up: `EBUSY`).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.renameLink('veth0', 'eth0');
   * if (r.isErr() && r.error.kind === 'netlink-error' && r.error.code === 'EBUSY') console.log('set it down first');
   * ```
   */
  renameLink(link: LinkRef, newName: string): ResultAsync<void, NsError | NetlinkError> {
    return set.renameLink(this.#ch, link, newName);
  }

  /**
   * Sets a link administratively up (`ip link set NAME up`).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.setLinkUp('lo');
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  setLinkUp(link: LinkRef): ResultAsync<void, NsError | NetlinkError> {
    return set.setLinkUp(this.#ch, link);
  }

  /**
   * Sets a link administratively down.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.setLinkDown('veth0');
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  setLinkDown(link: LinkRef): ResultAsync<void, NsError | NetlinkError> {
    return set.setLinkDown(this.#ch, link);
  }

  /**
   * Sets a link's MTU.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.setMtu('veth0', 1400);
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  setMtu(link: LinkRef, mtu: number): ResultAsync<void, NsError | NetlinkError> {
    return set.setMtu(this.#ch, link, mtu);
  }

  /**
   * Sets a link's hardware address (`aa:bb:cc:dd:ee:ff`).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.setMac('veth0', '02:00:00:00:00:01');
   * if (r.isErr()) console.error(r.error.kind, r.error.message); // invalid-option for a MAC that does not parse
   * ```
   */
  setMac(link: LinkRef, mac: string): ResultAsync<void, NsError | NetlinkError> {
    return set.setMac(this.#ch, link, mac);
  }

  /**
   * Attaches a link to a bridge (`ip link set NAME master BRIDGE`); `null`
   * detaches it (`nomaster`).
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.setMaster('veth0', 'br0').andThen(() => nl.setMaster('veth0', null));
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  setMaster(link: LinkRef, master: LinkRef | null): ResultAsync<void, NsError | NetlinkError> {
    return set.setMaster(this.#ch, link, master);
  }

  /**
   * Moves a link into another network namespace, renamed there to
   * `newName` in the same `RTM_NEWLINK` (no clash with a link of its old
   * name in the target), as runc's `devChangeNetNamespace` does: the link is
   * set down, its addresses read, moved and renamed, its permanent addresses
   * of global scope re-added in the target (the kernel drops every address
   * of a moved link; autoconfigured and link-local ones are not carried),
   * and set up. `target` is a handle, a path or a pid.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.moveLink('veth-c', '/run/netns/blue', { newName: 'eth0' });
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  moveLink(link: LinkRef, target: NetnsRef, options: MoveLinkOptions = {}): ResultAsync<void, NsError | NetlinkError> {
    return move.moveLink(this.#ch, link, target, options);
  }

  /**
   * Addresses of the namespace (`ip addr show`), of one link or family if
   * asked; filtered by the kernel.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.addresses({ family: 6 });
   * if (r.isOk()) for (const a of r.value) console.log(a.index, `${a.address}/${a.prefixLength}`, a.scope);
   * ```
   */
  addresses(filter: AddressFilter = {}): ResultAsync<AddressInfo[], NsError | NetlinkError> {
    return addresses.addresses(this.#ch, filter);
  }

  /**
   * Adds an address with its prefix length (`ip addr add 10.0.0.1/24 dev
   * veth0`), IPv4 or IPv6. A prefix length longer than the family allows
   * goes to the kernel, which refuses it (`EINVAL`), as it does for `ip`.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.addAddress('veth0', '10.0.0.1/24').andThen(() => nl.addAddress('veth0', 'fd00::1/64', { noDad: true }));
   * if (r.isErr() && r.error.kind === 'netlink-error' && r.error.code === 'EEXIST') console.log('already there');
   * ```
   */
  addAddress(link: LinkRef, address: string, options: AddressOptions = {}): ResultAsync<void, NsError | NetlinkError> {
    return addresses.addAddress(this.#ch, link, address, options);
  }

  /**
   * Deletes an address (`ip addr del`); `EADDRNOTAVAIL` when it is not there.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.deleteAddress('veth0', '10.0.0.1/24');
   * if (r.isErr() && r.error.kind === 'netlink-error' && r.error.code === 'EADDRNOTAVAIL') console.log('not there');
   * ```
   */
  deleteAddress(link: LinkRef, address: string): ResultAsync<void, NsError | NetlinkError> {
    return addresses.deleteAddress(this.#ch, link, address);
  }

  /**
   * Routes of one table (default main, as `ip route show` and `ip -6 route
   * show`), IPv4 and IPv6 unless `family` says one. Cache entries are left
   * out. `dev` is filled in from the namespace's links.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * (await nl.routes({ family: 4 })).match(
   *   (routes) => routes.forEach((r) => console.log(r.dst, r.gateway ?? '', r.dev)),
   *   (e) => console.error(e.kind, e.message),
   * );
   * ```
   */
  routes(filter: RouteFilter = {}): ResultAsync<RouteInfo[], NsError | NetlinkError> {
    return routes.routes(this.#ch, filter);
  }

  /**
   * Adds a route (`ip route add`): a default route or a prefix, via a
   * gateway or straight out of a device, IPv4 or IPv6. `EEXIST` when the
   * same route is there.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.addRoute({ dst: 'default', gateway: '10.0.0.2' }).andThen(() => nl.addRoute({ dst: 'fd01::/64', dev: 'veth0' }));
   * if (r.isErr()) console.error(r.error.kind, r.error.message);
   * ```
   */
  addRoute(route: RouteSpec): ResultAsync<void, NsError | NetlinkError> {
    return routes.addRoute(this.#ch, route);
  }

  /**
   * Deletes a route (`ip route del`); `ESRCH` when there is none like it.
   *
   * @example
   * ```ts
   * declare const nl: import('@linuxns/netlink').NetlinkSocket;
   * const r = await nl.deleteRoute({ dst: 'default', gateway: '10.0.0.2' });
   * if (r.isErr() && r.error.kind === 'netlink-error' && r.error.code === 'ESRCH') console.log('no such route');
   * ```
   */
  deleteRoute(route: RouteSpec): ResultAsync<void, NsError | NetlinkError> {
    return routes.deleteRoute(this.#ch, route);
  }
}
