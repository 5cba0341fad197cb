/**
 * Creating links: a veth pair with each end in its own namespace, or a
 * link of a kind that needs no options of its own (dummy, bridge...), in
 * one `RTM_NEWLINK`.
 *
 * @module
 */
import { errAsync, ok, type Result, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { badValue, parseMac } from '../codec/ip.js';
import * as R from '../codec/requests.js';
import { fromPromise, type Channel } from './channel.js';
import { checkName, checkUint, typeError } from './check.js';
import { checkNetns, holdAll, useNetns, type NetnsRef, type NsUse } from './refs.js';
import type { NetlinkError } from '../errors.js';

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

/** The peer of a veth, as {@link newLink} takes it. */
interface Peer {
  readonly name: string;
  readonly ns: NetnsRef | undefined;
  readonly mac: string | undefined;
}

/** One `RTM_NEWLINK`; the namespaces it names are released once the kernel has answered. */
function newLink(ch: Channel, f: Omit<R.NewLinkFields, 'ns' | 'peer' | 'mac'>, mac: string | undefined, ns: NetnsRef | undefined, peer?: Peer): ResultAsync<void, NsError | NetlinkError> {
  const macBytes = mac === undefined ? undefined : parseMac(mac);
  if (mac !== undefined && !macBytes) return errAsync(badValue('mac', mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
  const peerMac = peer?.mac === undefined ? undefined : parseMac(peer.mac);
  if (peer?.mac !== undefined && !peerMac) return errAsync(badValue('peerMac', peer.mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
  const uses: NsUse[] = [];
  const release = (): void => uses.forEach((u) => u.release());
  const use = (x: NetnsRef | undefined): Result<R.NsAttr | undefined, NsError | NetlinkError> => {
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
    return errAsync(mine.isErr() ? mine.error : (theirs as { error: NsError | NetlinkError }).error);
  }
  const req = R.newLink({
    ...f,
    ...(mine.value ? { ns: mine.value } : {}),
    ...(macBytes ? { mac: macBytes } : {}),
    ...(peer ? { peer: { name: peer.name, ...(theirs.value ? { ns: theirs.value } : {}), ...(f.mtu !== undefined ? { mtu: f.mtu } : {}), ...(peerMac ? { mac: peerMac } : {}) } } : {}),
  });
  return fromPromise(
    (async (): Promise<Result<void, NsError | NetlinkError>> => {
      try {
        return (await ch.send(req)).map(() => undefined);
      } finally {
        release();
      }
    })(),
  );
}

export function createVeth(ch: Channel, options: VethOptions): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object { name, peer }', options);
  const name = checkName(options.name);
  const peer = checkName(options.peer, 'peer');
  const ns = options.namespace === undefined ? undefined : checkNetns(options.namespace, 'namespace');
  const peerNs = options.peerNamespace === undefined ? undefined : checkNetns(options.peerNamespace, 'peerNamespace');
  const mtu = options.mtu === undefined ? undefined : checkUint(options.mtu, 'mtu');
  const { mac, peerMac } = options;
  // Handles are held from now (a close() before the request goes out takes nothing from it).
  const held = holdAll([ns, peerNs]);
  if (held.isErr()) return errAsync(held.error);
  const [n, pn] = held.value.refs;
  return ch.op(() => newLink(ch, { name, kind: 'veth', ...(mtu !== undefined ? { mtu } : {}) }, mac, n, { name: peer, ns: pn, mac: peerMac }), held.value.release);
}

export function createLink(ch: Channel, options: CreateLinkOptions): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object { name, kind }', options);
  const name = checkName(options.name);
  const kind = checkName(options.kind, 'kind');
  if (kind === 'veth') throw new TypeError('a veth pair needs a peer: use createVeth({ name, peer })');
  const ns = options.namespace === undefined ? undefined : checkNetns(options.namespace, 'namespace');
  const mtu = options.mtu === undefined ? undefined : checkUint(options.mtu, 'mtu');
  const mac = options.mac;
  const held = holdAll([ns]);
  if (held.isErr()) return errAsync(held.error);
  const [n] = held.value.refs;
  return ch.op(() => newLink(ch, { name, kind, ...(mtu !== undefined ? { mtu } : {}) }, mac, n), held.value.release);
}

export function createDummy(ch: Channel, name: string): ResultAsync<void, NsError | NetlinkError> {
  return createLink(ch, { name: checkName(name), kind: 'dummy' });
}

export function createBridge(ch: Channel, name: string): ResultAsync<void, NsError | NetlinkError> {
  return createLink(ch, { name: checkName(name), kind: 'bridge' });
}
