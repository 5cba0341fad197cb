/**
 * {@link NetlinkSocket}: links, addresses and routes of one network
 * namespace, over an rtnetlink socket created inside it.
 *
 * @module
 */
import { err, ok, okAsync, errAsync, ResultAsync, type Result } from 'neverthrow';
import { NamespaceHandle, openNamespace, type NsError } from '@linuxns/core';
import * as C from './codec/constants.js';
import type { Message } from './codec/frame.js';
import { badValue, parseDestination, parseIp, parseMac, parsePrefix, type IpFamily } from './codec/ip.js';
import { decodeAddress, decodeLink, decodeRoute, type AddressInfo, type LinkInfo, type RouteInfo } from './codec/messages.js';
import * as R from './codec/requests.js';
import { createSocket, Exchanger, fdWire, type ReceiveMode, type Request } from './transport.js';

/** A link, by name (`'eth0'`) or by ifindex. */
export type LinkRef = string | number;

/**
 * A network namespace given to a request: a {@link NamespaceHandle}, a path
 * to a namespace file (`/run/netns/blue`, `/proc/PID/ns/net`) or a pid.
 */
export type NetnsRef = NamespaceHandle | string | number;

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

/** Options of {@link NetlinkSocket.createVeth}. */
export interface VethOptions {
  /** Name of this end. */
  readonly name: string;
  /** Name of the other end. */
  readonly peer: string;
  /** Namespace of this end; default: the socket's. */
  readonly namespace?: NetnsRef;
  /** Namespace of the peer; default: the socket's. */
  readonly peerNamespace?: NetnsRef;
  /** MTU of both ends. */
  readonly mtu?: number;
  /** MAC address of this end (`aa:bb:cc:dd:ee:ff`). */
  readonly mac?: string;
  /** MAC address of the peer. */
  readonly peerMac?: string;
}

/** Options of {@link NetlinkSocket.createLink}. */
export interface CreateLinkOptions {
  readonly name: string;
  /** The rtnetlink kind: `'dummy'`, `'bridge'`, `'ifb'`... (a veth needs {@link NetlinkSocket.createVeth}). */
  readonly kind: string;
  /** Namespace to create it in; default: the socket's. */
  readonly namespace?: NetnsRef;
  readonly mtu?: number;
  readonly mac?: string;
}

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

/** A route to add or delete: at least a gateway or a device. */
export interface RouteSpec {
  /** `'default'` or a prefix (`'10.1.0.0/24'`, `'fd01::/64'`); a bare address is a host route. */
  readonly dst: string;
  /** Next hop. */
  readonly gateway?: string;
  /** Output interface. */
  readonly dev?: LinkRef;
  /** Family of `'default'` when neither gateway nor dst says it; default 4. */
  readonly family?: IpFamily;
  readonly metric?: number;
  /** Table number; default 254 (main). */
  readonly table?: number;
  /** Scope; default global with a gateway, link without. */
  readonly scope?: string | number;
  /** Preferred source address. */
  readonly src?: string;
}

/** Filters of {@link NetlinkSocket.routes}. */
export interface RouteFilter {
  /** Only IPv4 (4) or IPv6 (6) routes; default both. */
  readonly family?: IpFamily;
  /** Table number; default 254 (main), like `ip route show`. */
  readonly table?: number;
}

const SCOPES: Readonly<Record<string, number>> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };

function typeError(what: string, value: unknown): TypeError {
  return new TypeError(`${what}, got ${value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
}

function checkName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) throw typeError(`${what} must be a non-empty string`, name);
  return name;
}

function checkLink(link: unknown, what = 'link'): LinkRef {
  if (typeof link === 'string' && link.length > 0) return link;
  if (typeof link === 'number' && Number.isInteger(link) && link > 0) return link;
  throw typeError(`${what} must be an interface name or a positive ifindex`, link);
}

function checkUint(v: unknown, what: string, max = 0xffffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(`${what} must be an integer`, v);
  if (v < 0 || v > max) throw new RangeError(`${what} must be from 0 to ${max}, got ${v}`);
  return v;
}

function checkNetns(ns: unknown, what: string): NetnsRef {
  if (ns instanceof NamespaceHandle) {
    if (ns.closed) throw new TypeError(`${what}: ${String(ns)} is closed`);
    if (ns.type !== 'net') throw new TypeError(`${what} must be a net namespace, got a ${ns.type} namespace handle`);
    return ns;
  }
  if (typeof ns === 'string' && ns.length > 0) return ns;
  if (typeof ns === 'number' && Number.isInteger(ns) && ns > 0) return ns;
  throw typeError(`${what} must be a NamespaceHandle, a path or a pid`, ns);
}

function scopeOf(scope: string | number | undefined): number | undefined {
  if (scope === undefined) return undefined;
  if (typeof scope === 'number') return checkUint(scope, 'scope', 255);
  const v = SCOPES[scope];
  if (v === undefined) throw new RangeError(`scope must be one of ${Object.keys(SCOPES).join(', ')} or a number, got ${JSON.stringify(scope)}`);
  return v;
}

/** A namespace as a request attribute, with what to close once the request is done. */
interface NsUse {
  readonly attr: R.NsAttr;
  readonly release: () => void;
}

function useNetns(ns: NetnsRef): Result<NsUse, NsError> {
  if (typeof ns === 'number') return ok({ attr: { pid: ns }, release: () => undefined });
  if (ns instanceof NamespaceHandle) {
    const fd = ns.borrow();
    return ok({ attr: { fd }, release: () => ns.giveBack() });
  }
  return openNamespace(ns, 'net').map((h) => ({ attr: { fd: h.fd }, release: () => h.close() }));
}

function fromPromise<T>(p: Promise<Result<T, NsError>>): ResultAsync<T, NsError> {
  return new ResultAsync(p);
}

const sync = <T>(r: Result<T, NsError>): ResultAsync<T, NsError> => (r.isOk() ? okAsync(r.value) : errAsync(r.error));

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
 * `RangeError` at once. Requests on one socket run one at a time, in the
 * order they were made.
 *
 * @example
 * ```ts
 * import { openNetlink } from '@linuxns/netlink';
 * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
 * await nl.createVeth({ name: 'veth0', peer: 'veth1' });
 * await nl.addAddress('veth0', '10.0.0.1/24');
 * await nl.setLinkUp('veth0');
 * console.log((await nl.links())._unsafeUnwrap().map((l) => l.name));
 * nl.close();
 * ```
 */
export class NetlinkSocket {
  readonly #ex: Exchanger;
  readonly #timeoutMs: number;
  /** The socket's netlink port id (as `ss -f netlink` shows it). */
  readonly portId: number;
  /** What the socket was opened on, for messages: a path, `pid N`, a namespace identity or `'current'`. */
  readonly namespace: string;

  /** @internal Use {@link openNetlink}. */
  constructor(ex: Exchanger, portId: number, namespace: string, timeoutMs: number) {
    this.#ex = ex;
    this.portId = portId;
    this.namespace = namespace;
    this.#timeoutMs = timeoutMs;
  }

  /** True once {@link NetlinkSocket.close} was called. */
  get closed(): boolean {
    return this.#ex.closed;
  }

  /**
   * Closes the socket. Requests still waiting get `netlink-closed`. Calling
   * it again does nothing.
   */
  close(): void {
    this.#ex.close();
  }

  #live(): void {
    if (this.#ex.closed) throw new TypeError(`the netlink socket of ${this.namespace} is closed`);
  }

  #send(req: Request): Promise<Result<Message[], NsError>> {
    return this.#ex.run(req, this.#timeoutMs);
  }

  /**
   * Runs one public operation after the ones before it have finished, so
   * that operations made without awaiting each other (an address add, then a
   * route through it) reach the kernel in the order they were made, even
   * when one needs several requests.
   */
  #op<T>(fn: () => ResultAsync<T, NsError>): ResultAsync<T, NsError> {
    const p = this.#opTail.then(() => fn());
    this.#opTail = p;
    return new ResultAsync(p);
  }

  #opTail: Promise<unknown> = Promise.resolve();

  #ack(req: Request): ResultAsync<void, NsError> {
    return fromPromise(this.#send(req).then((r) => r.map(() => undefined)));
  }

  /** Resolves a name to its ifindex (`ENODEV` when there is none). */
  #index(link: LinkRef): ResultAsync<number, NsError> {
    if (typeof link === 'number') return okAsync(link);
    return this.#getLink(link).map((l) => l.index);
  }

  #getLink(link: LinkRef): ResultAsync<LinkInfo, NsError> {
    const sel = typeof link === 'number' ? { index: link } : { index: 0, name: link };
    return fromPromise(this.#send(R.getLink(sel))).andThen((ms) => {
      const m = ms[0];
      if (m === undefined) return errAsync<LinkInfo, NsError>({ kind: 'netlink-malformed', reason: 'no-reply', offset: 0, request: `RTM_GETLINK ${link}`, message: `RTM_GETLINK ${link}: the kernel sent no link` });
      return sync(decodeLink(m));
    });
  }

  /**
   * Every link of the namespace (`ip link show`).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * for (const l of (await nl.links())._unsafeUnwrap()) console.log(l.index, l.name, l.kind, l.operstate);
   * nl.close();
   * ```
   */
  links(): ResultAsync<LinkInfo[], NsError> {
    this.#live();
    return this.#op(() => this.#links());
  }

  #links(): ResultAsync<LinkInfo[], NsError> {
    return fromPromise(this.#send(R.dumpLinks())).andThen((ms) => sync(collect(ms, decodeLink)));
  }

  /**
   * One link, by name or ifindex; `netlink-error` `ENODEV` when there is none.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * const lo = await nl.link('lo');
   * if (lo.isOk()) console.log(lo.value.index, lo.value.flags);
   * nl.close();
   * ```
   */
  link(link: LinkRef): ResultAsync<LinkInfo, NsError> {
    this.#live();
    const l = checkLink(link);
    return this.#op(() => this.#getLink(l));
  }

  #newLink(f: Omit<R.NewLinkFields, 'ns' | 'peer' | 'mac'>, mac: string | undefined, ns: NetnsRef | undefined, peer?: { name: string; ns: NetnsRef | undefined; mac: string | undefined }): ResultAsync<void, NsError> {
    const macBytes = mac === undefined ? undefined : parseMac(mac);
    if (mac !== undefined && !macBytes) return errAsync(badValue('mac', mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
    const peerMac = peer?.mac === undefined ? undefined : parseMac(peer.mac);
    if (peer?.mac !== undefined && !peerMac) return errAsync(badValue('peerMac', peer.mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
    const uses: NsUse[] = [];
    const release = (): void => uses.forEach((u) => u.release());
    const use = (x: NetnsRef | undefined): Result<R.NsAttr | undefined, NsError> => {
      if (x === undefined) return ok(undefined);
      return useNetns(x).map((u) => {
        uses.push(u);
        return u.attr;
      });
    };
    const mine = use(ns);
    const theirs = mine.andThen(() => use(peer?.ns));
    if (theirs.isErr() || mine.isErr()) {
      release();
      return errAsync(mine.isErr() ? mine.error : (theirs as { error: NsError }).error);
    }
    const req = R.newLink({
      ...f,
      ...(mine.value ? { ns: mine.value } : {}),
      ...(macBytes ? { mac: macBytes } : {}),
      ...(peer ? { peer: { name: peer.name, ...(theirs.value ? { ns: theirs.value } : {}), ...(f.mtu !== undefined ? { mtu: f.mtu } : {}), ...(peerMac ? { mac: peerMac } : {}) } } : {}),
    });
    return fromPromise(
      this.#send(req).then((r) => {
        release();
        return r.map(() => undefined);
      }),
    );
  }

  /**
   * Creates a veth pair: `name` in `namespace` and `peer` in
   * `peerNamespace` (each by default the socket's), in one request.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * const r = await nl.createVeth({ name: 'veth-a', peer: 'veth-b', namespace: '/run/netns/a', peerNamespace: '/run/netns/b' });
   * if (r.isErr() && r.error.kind === 'netlink-error' && r.error.code === 'EEXIST') console.log('already there');
   * nl.close();
   * ```
   */
  createVeth(options: VethOptions): ResultAsync<void, NsError> {
    this.#live();
    if (typeof options !== 'object' || options === null) throw typeError('options must be an object { name, peer }', options);
    const name = checkName(options.name);
    const peer = checkName(options.peer, 'peer');
    const ns = options.namespace === undefined ? undefined : checkNetns(options.namespace, 'namespace');
    const peerNs = options.peerNamespace === undefined ? undefined : checkNetns(options.peerNamespace, 'peerNamespace');
    const mtu = options.mtu === undefined ? undefined : checkUint(options.mtu, 'mtu');
    const { mac, peerMac } = options;
    return this.#op(() => this.#newLink({ name, kind: 'veth', ...(mtu !== undefined ? { mtu } : {}) }, mac, ns, { name: peer, ns: peerNs, mac: peerMac }));
  }

  /**
   * Creates a link of any kind that needs no options of its own (`dummy`,
   * `bridge`, `ifb`...), in the socket's namespace or in `namespace`.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * await nl.createLink({ name: 'ifb0', kind: 'ifb' });
   * nl.close();
   * ```
   */
  createLink(options: CreateLinkOptions): ResultAsync<void, NsError> {
    this.#live();
    if (typeof options !== 'object' || options === null) throw typeError('options must be an object { name, kind }', options);
    const name = checkName(options.name);
    const kind = checkName(options.kind, 'kind');
    if (kind === 'veth') throw new TypeError('a veth pair needs a peer: use createVeth({ name, peer })');
    const ns = options.namespace === undefined ? undefined : checkNetns(options.namespace, 'namespace');
    const mtu = options.mtu === undefined ? undefined : checkUint(options.mtu, 'mtu');
    const mac = options.mac;
    return this.#op(() => this.#newLink({ name, kind, ...(mtu !== undefined ? { mtu } : {}) }, mac, ns));
  }

  /**
   * Creates a dummy link (`ip link add NAME type dummy`).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.createDummy('dummy0');
   * nl.close();
   * ```
   */
  createDummy(name: string): ResultAsync<void, NsError> {
    return this.createLink({ name: checkName(name), kind: 'dummy' });
  }

  /**
   * Creates a bridge (`ip link add NAME type bridge`); attach links to it
   * with {@link NetlinkSocket.setMaster}.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.createBridge('br0');
   * await nl.createDummy('dummy0');
   * await nl.setMaster('dummy0', 'br0');
   * nl.close();
   * ```
   */
  createBridge(name: string): ResultAsync<void, NsError> {
    return this.createLink({ name: checkName(name), kind: 'bridge' });
  }

  /**
   * Deletes a link (both ends, for a veth).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * const r = await nl.deleteLink('veth-a');
   * if (r.isErr() && r.error.kind === 'netlink-error') console.log(r.error.code); // 'ENODEV' when missing
   * nl.close();
   * ```
   */
  deleteLink(link: LinkRef): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    return this.#op(() => this.#ack(R.delLink(sel(l))));
  }

  /**
   * Renames a link (the kernel refuses while it is up: `EBUSY`).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.renameLink('veth0', 'eth0');
   * nl.close();
   * ```
   */
  renameLink(link: LinkRef, newName: string): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    const to = checkName(newName, 'newName');
    return this.#op(() => this.#index(l).andThen((index) => this.#ack(R.setLink({ index, name: String(l) }, { newName: to }, `rename to ${to}`))));
  }

  /**
   * Sets a link administratively up (`ip link set NAME up`).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.setLinkUp('lo');
   * nl.close();
   * ```
   */
  setLinkUp(link: LinkRef): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    return this.#op(() => this.#ack(R.setLink(sel(l), { up: true }, 'up')));
  }

  /**
   * Sets a link administratively down.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.setLinkDown('veth0');
   * nl.close();
   * ```
   */
  setLinkDown(link: LinkRef): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    return this.#op(() => this.#ack(R.setLink(sel(l), { up: false }, 'down')));
  }

  /**
   * Sets a link's MTU.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.setMtu('veth0', 1400);
   * nl.close();
   * ```
   */
  setMtu(link: LinkRef, mtu: number): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    const m = checkUint(mtu, 'mtu');
    return this.#op(() => this.#ack(R.setLink(sel(l), { mtu: m }, `mtu ${m}`)));
  }

  /**
   * Sets a link's hardware address (`aa:bb:cc:dd:ee:ff`).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.setMac('veth0', '02:00:00:00:00:01');
   * nl.close();
   * ```
   */
  setMac(link: LinkRef, mac: string): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    if (typeof mac !== 'string') throw typeError('mac must be a string', mac);
    const bytes = parseMac(mac);
    if (!bytes) return errAsync(badValue('mac', mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
    return this.#op(() => this.#ack(R.setLink(sel(l), { mac: bytes }, `address ${mac}`)));
  }

  /**
   * Attaches a link to a bridge (`ip link set NAME master BRIDGE`); `null`
   * detaches it (`nomaster`).
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.setMaster('veth0', 'br0');
   * await nl.setMaster('veth0', null);
   * nl.close();
   * ```
   */
  setMaster(link: LinkRef, master: LinkRef | null): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    const m = master === null ? null : checkLink(master, 'master');
    return this.#op(() => {
      const index = m === null ? okAsync<number, NsError>(0) : this.#index(m);
      return index.andThen((i) => this.#ack(R.setLink(sel(l), { master: i }, m === null ? 'nomaster' : `master ${m}`)));
    });
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
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * await nl.moveLink('veth-c', '/run/netns/blue', { newName: 'eth0' });
   * nl.close();
   * ```
   */
  moveLink(link: LinkRef, target: NetnsRef, options: MoveLinkOptions = {}): ResultAsync<void, NsError> {
    this.#live();
    const l = checkLink(link);
    const ns = checkNetns(target, 'target');
    if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
    const newName = options.newName === undefined ? undefined : checkName(options.newName, 'newName');
    const keep = options.keepAddresses !== false;
    const up = options.up !== false;
    return this.#op(() => this.#move(l, ns, newName, keep, up));
  }

  #move(l: LinkRef, ns: NetnsRef, newName: string | undefined, keep: boolean, up: boolean): ResultAsync<void, NsError> {
    const used = useNetns(ns);
    if (used.isErr()) return errAsync(used.error);
    const target = used.value;
    const run = this.#getLink(l).andThen((info) => {
      const name = newName ?? info.name;
      const self = { index: info.index, name: info.name };
      // Addresses are read before the link goes down: down drops its IPv6 addresses (keep_addr_on_down=0).
      const read = keep ? this.#addresses(0, info.index) : okAsync<AddressInfo[], NsError>([]);
      return read.andThen((addrs) => {
        const kept = addrs.filter((a) => a.permanent && a.scope === 'global');
        const moved = this.#ack(R.setLink(self, { up: false }, 'down before a move')).andThen(() =>
          this.#ack(R.setLink(self, { newName: name, ns: target.attr }, `move to ${describeNetns(ns)} as ${name}`)),
        );
        return moved
          .orElse((e) => this.#putBack(self, info.up, kept).andThen(() => errAsync<void, NsError>(e)))
          .andThen(() => (kept.length === 0 && !up ? okAsync<void, NsError>(undefined) : withSocketIn(ns, this.#timeoutMs, (there) => restore(there, name, kept, up))));
      });
    });
    return fromPromise(
      (async (): Promise<Result<void, NsError>> => {
        const r = await run;
        target.release();
        return r;
      })(),
    );
  }

  /** After a refused move: the link up again if it was, with the addresses going down took (best effort). */
  #putBack(self: R.LinkSel, wasUp: boolean, addrs: AddressInfo[]): ResultAsync<void, NsError> {
    const ignore = (): ResultAsync<void, NsError> => okAsync(undefined);
    let chain: ResultAsync<void, NsError> = wasUp ? this.#ack(R.setLink(self, { up: true }, 'up again after a refused move')).orElse(ignore) : okAsync(undefined);
    for (const a of addrs) {
      const prefix = parsePrefix(`${a.address}/${a.prefixLength}`, 'address');
      if (prefix.isErr()) continue;
      const f = { index: self.index, dev: self.name ?? String(self.index), prefix: prefix.value, scope: C.RT_SCOPE_UNIVERSE, flags: a.flags.includes('nodad') ? C.IFA_F_NODAD : 0 };
      chain = chain.andThen(() => this.#ack(R.address(C.RTM_NEWADDR, f, `${a.address}/${a.prefixLength}`)).orElse(ignore));
    }
    return chain;
  }

  /**
   * Addresses of the namespace (`ip addr show`), of one link or family if
   * asked; filtered by the kernel.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * for (const a of (await nl.addresses({ family: 6 }))._unsafeUnwrap()) console.log(a.index, `${a.address}/${a.prefixLength}`, a.scope);
   * nl.close();
   * ```
   */
  addresses(filter: AddressFilter = {}): ResultAsync<AddressInfo[], NsError> {
    this.#live();
    if (typeof filter !== 'object' || filter === null) throw typeError('filter must be an object', filter);
    const family = filter.family === undefined ? 0 : familyNumber(filter.family);
    const link = filter.link === undefined ? undefined : checkLink(filter.link);
    return this.#op(() => (link === undefined ? okAsync<number, NsError>(0) : this.#index(link)).andThen((i) => this.#addresses(family, i)));
  }

  #addresses(family: number, index: number): ResultAsync<AddressInfo[], NsError> {
    return fromPromise(this.#send(R.dumpAddresses(family, index))).andThen((ms) =>
      sync(collect(ms, decodeAddress).map((as) => as.filter((a) => index === 0 || a.index === index))),
    );
  }

  #address(type: typeof C.RTM_NEWADDR | typeof C.RTM_DELADDR, link: LinkRef, address: string, options: AddressOptions): ResultAsync<void, NsError> {
    this.#live();
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
    return this.#op(() =>
      this.#index(l).andThen((index) =>
        this.#ack(R.address(type, { index, dev: String(l), prefix: prefix.value, scope, flags, ...(peer ? { peer } : {}), ...(brd ? { broadcast: brd } : {}) }, address)),
      ),
    );
  }

  /**
   * Adds an address with its prefix length (`ip addr add 10.0.0.1/24 dev
   * veth0`), IPv4 or IPv6. A prefix length longer than the family allows
   * goes to the kernel, which refuses it (`EINVAL`), as it does for `ip`.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.addAddress('veth0', '10.0.0.1/24');
   * await nl.addAddress('veth0', 'fd00::1/64', { noDad: true });
   * nl.close();
   * ```
   */
  addAddress(link: LinkRef, address: string, options: AddressOptions = {}): ResultAsync<void, NsError> {
    return this.#address(C.RTM_NEWADDR, link, address, options);
  }

  /**
   * Deletes an address (`ip addr del`); `EADDRNOTAVAIL` when it is not there.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.deleteAddress('veth0', '10.0.0.1/24');
   * nl.close();
   * ```
   */
  deleteAddress(link: LinkRef, address: string): ResultAsync<void, NsError> {
    return this.#address(C.RTM_DELADDR, link, address, {});
  }

  /**
   * Routes of one table (default main, as `ip route show` and `ip -6 route
   * show`), IPv4 and IPv6 unless `family` says one. Cache entries are left
   * out. `dev` is filled in from the namespace's links.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink())._unsafeUnwrap();
   * for (const r of (await nl.routes({ family: 4 }))._unsafeUnwrap()) console.log(r.dst, r.gateway ?? '', r.dev);
   * nl.close();
   * ```
   */
  routes(filter: RouteFilter = {}): ResultAsync<RouteInfo[], NsError> {
    this.#live();
    if (typeof filter !== 'object' || filter === null) throw typeError('filter must be an object', filter);
    const table = filter.table === undefined ? C.RT_TABLE_MAIN : checkUint(filter.table, 'table');
    const families = filter.family === undefined ? [C.AF_INET, C.AF_INET6] : [familyNumber(filter.family)];
    return this.#op(() => this.#routes(families, table));
  }

  #routes(families: number[], table: number): ResultAsync<RouteInfo[], NsError> {
    const dumps = families.map((f) => fromPromise(this.#send(R.dumpRoutes(f, table))).andThen((ms) => sync(collect(ms, decodeRoute))));
    return ResultAsync.combine(dumps).andThen((lists) => {
      const routes = lists.flat().filter((r) => r.table === table);
      if (!routes.some((r) => r.oif !== undefined)) return okAsync(routes);
      return this.#links().map((links) => {
        const names = new Map(links.map((l) => [l.index, l.name]));
        return routes.map((r) => (r.oif === undefined ? r : { ...r, dev: names.get(r.oif) }));
      });
    });
  }

  #route(type: typeof C.RTM_NEWROUTE | typeof C.RTM_DELROUTE, spec: RouteSpec): ResultAsync<void, NsError> {
    this.#live();
    if (typeof spec !== 'object' || spec === null) throw typeError('route must be an object { dst, gateway?, dev? }', spec);
    if (typeof spec.dst !== 'string') throw typeError('dst must be a string ("default", "10.0.0.0/24"...)', spec.dst);
    if (spec.gateway !== undefined && typeof spec.gateway !== 'string') throw typeError('gateway must be a string', spec.gateway);
    const dev = spec.dev === undefined ? undefined : checkLink(spec.dev, 'dev');
    if (type === C.RTM_NEWROUTE && spec.gateway === undefined && dev === undefined) throw new TypeError('a route needs a gateway or a dev');
    const gateway = spec.gateway === undefined ? undefined : parseIp(spec.gateway);
    if (spec.gateway !== undefined && !gateway) return errAsync(badValue('gateway', spec.gateway, 'an IPv4 or IPv6 address'));
    const family = spec.family === undefined ? gateway?.family : familyNumber(spec.family) === C.AF_INET ? 4 : 6;
    const dst = parseDestination(spec.dst, family);
    if (dst.isErr()) return errAsync(dst.error);
    if (gateway && gateway.family !== dst.value.family) return errAsync(badValue('gateway', String(spec.gateway), `an address of the same family as ${spec.dst}`));
    const src = spec.src === undefined ? undefined : parseIp(spec.src);
    if (spec.src !== undefined && src?.family !== dst.value.family) return errAsync(badValue('src', String(spec.src), `an address of the same family as ${spec.dst}`));
    const metric = spec.metric === undefined ? undefined : checkUint(spec.metric, 'metric');
    const table = spec.table === undefined ? C.RT_TABLE_MAIN : checkUint(spec.table, 'table');
    const scope = scopeOf(spec.scope);
    const text = `${spec.dst}${spec.gateway ? ` via ${spec.gateway}` : ''}${dev !== undefined ? ` dev ${dev}` : ''}`;
    return this.#op(() => (dev === undefined ? okAsync<number | undefined, NsError>(undefined) : this.#index(dev)).andThen((o) =>
      this.#ack(
        R.route(
          type,
          {
            dst: dst.value,
            table,
            ...(gateway ? { gateway } : {}),
            ...(o !== undefined ? { oif: o } : {}),
            ...(metric !== undefined ? { metric } : {}),
            ...(scope !== undefined ? { scope } : {}),
            ...(src ? { src } : {}),
          },
          text,
        ),
      ),
    ));
  }

  /**
   * Adds a route (`ip route add`): a default route or a prefix, via a
   * gateway or straight out of a device, IPv4 or IPv6. `EEXIST` when the
   * same route is there.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.addRoute({ dst: 'default', gateway: '10.0.0.2' });
   * await nl.addRoute({ dst: 'fd01::/64', dev: 'veth0' });
   * nl.close();
   * ```
   */
  addRoute(route: RouteSpec): ResultAsync<void, NsError> {
    return this.#route(C.RTM_NEWROUTE, route);
  }

  /**
   * Deletes a route (`ip route del`); `ESRCH` when there is none like it.
   *
   * @example
   * ```ts
   * import { openNetlink } from '@linuxns/netlink';
   * const nl = (await openNetlink('/run/netns/blue'))._unsafeUnwrap();
   * await nl.deleteRoute({ dst: 'default', gateway: '10.0.0.2' });
   * nl.close();
   * ```
   */
  deleteRoute(route: RouteSpec): ResultAsync<void, NsError> {
    return this.#route(C.RTM_DELROUTE, route);
  }
}

function sel(l: LinkRef): R.LinkSel {
  return typeof l === 'number' ? { index: l } : { index: 0, name: l };
}

function familyNumber(f: unknown): number {
  if (f === 4) return C.AF_INET;
  if (f === 6) return C.AF_INET6;
  throw new RangeError(`family must be 4 or 6, got ${String(f)}`);
}

function describeNetns(ns: NetnsRef): string {
  return typeof ns === 'number' ? `pid ${ns}` : typeof ns === 'string' ? ns : String(ns);
}

function collect<T>(ms: Message[], decode: (m: Message) => Result<T | undefined, NsError>): Result<T[], NsError> {
  const out: T[] = [];
  for (const m of ms) {
    const r = decode(m);
    if (r.isErr()) return err(r.error);
    if (r.value !== undefined) out.push(r.value);
  }
  return ok(out);
}

/** Re-adds `addrs` to `name` (and sets it up) through a socket of the target namespace. */
function restore(there: NetlinkSocket, name: string, addrs: AddressInfo[], up: boolean): ResultAsync<void, NsError> {
  let chain: ResultAsync<void, NsError> = okAsync(undefined);
  for (const a of addrs) {
    chain = chain.andThen(() => there.addAddress(name, `${a.address}/${a.prefixLength}`, a.flags.includes('nodad') ? { noDad: true } : {}));
  }
  return up ? chain.andThen(() => there.setLinkUp(name)) : chain;
}

/** Runs `fn` with a temporary socket of `ns`, closed on every path. */
function withSocketIn<T>(ns: NetnsRef, timeoutMs: number, fn: (s: NetlinkSocket) => ResultAsync<T, NsError>): ResultAsync<T, NsError> {
  return openNetlink(ns, { timeoutMs }).andThen((s) =>
    fromPromise(
      (async (): Promise<Result<T, NsError>> => {
        const r = await fn(s);
        s.close();
        return r;
      })(),
    ),
  );
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
 * @example
 * ```ts
 * import { createNamespace } from '@linuxns/core';
 * import { openNetlink } from '@linuxns/netlink';
 * const ns = (await createNamespace('net'))._unsafeUnwrap();
 * const nl = (await openNetlink(ns))._unsafeUnwrap();
 * await nl.setLinkUp('lo');
 * nl.close();
 * ns.close();
 * ```
 */
// 'new' is spelled out for the reader, although string already includes it.
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export function openNetlink(target?: NetnsRef | 'new', options: OpenNetlinkOptions = {}): ResultAsync<NetlinkSocket, NsError> {
  if (target !== undefined && target !== 'new') checkNetns(target, 'target');
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  const receive = options.receive ?? 'auto';
  if (receive !== 'auto' && receive !== 'async') throw new RangeError(`receive must be 'auto' or 'async', got ${JSON.stringify(receive)}`);
  const made = createSocket(target);
  if (made.isErr()) return errAsync(made.error);
  const ex = new Exchanger(fdWire(made.value.fd));
  ex.receive = receive;
  const label = target === undefined ? 'the current network namespace' : target === 'new' ? 'a new network namespace' : describeNetns(target);
  return okAsync(new NetlinkSocket(ex, made.value.portId, label, timeoutMs));
}
