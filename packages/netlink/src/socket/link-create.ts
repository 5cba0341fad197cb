/**
 * Creating links: a veth pair with each end in its own namespace, or a
 * link of a kind that needs no options of its own (dummy, bridge...), in
 * one `RTM_NEWLINK`.
 *
 * @module
 */
import { err, ok, type Result, type ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import { badValue, parseMac } from '../codec/ip.js';
import * as R from '../codec/requests.js';
import type { Channel, Eventual } from './channel.js';
import { checkName, checkUint, typeError } from './check.js';
import { checkNetns, holdAttr, type AttrHold, type NetnsRef, type NsUse } from './refs.js';
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
  readonly ns: AttrHold | undefined;
  readonly mac: string | undefined;
}

/** One `RTM_NEWLINK`; the namespaces it names are released once the kernel has answered. */
function newLink(ch: Channel, f: Omit<R.NewLinkFields, 'ns' | 'peer' | 'mac'>, mac: string | undefined, ns: AttrHold | undefined, peer?: Peer): Eventual<void> {
  const macBytes = mac === undefined ? undefined : parseMac(mac);
  if (mac !== undefined && !macBytes) return err(badValue('mac', mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
  const peerMac = peer?.mac === undefined ? undefined : parseMac(peer.mac);
  if (peer?.mac !== undefined && !peerMac) return err(badValue('peerMac', peer.mac, 'a MAC address (aa:bb:cc:dd:ee:ff)'));
  const uses: NsUse[] = [];
  const release = (): void => uses.forEach((u) => u.release());
  const use = (x: AttrHold | undefined): Result<R.NsAttr | undefined, NsError | NetlinkError> => {
    if (x === undefined) return ok(undefined);
    return x.use().map((u) => {
      uses.push(u);
      return u.attr;
    });
  };
  const mine = use(ns);
  const theirs = mine.andThen(() => use(peer?.ns));
  if (theirs.isErr() || mine.isErr()) {
    release();
    return err(mine.isErr() ? mine.error : (theirs as { error: NsError | NetlinkError }).error);
  }
  const req = R.newLink({
    name: f.name,
    kind: f.kind,
    ns: mine.value,
    mtu: f.mtu,
    mac: macBytes,
    peer: peer ? { name: peer.name, ns: theirs.value, mtu: f.mtu, mac: peerMac } : undefined,
  });
  let r: Eventual<void>;
  try {
    r = ch.acked(req);
  } catch (e) {
    release();
    throw e;
  }
  if (r instanceof Promise) return r.finally(release);
  release();
  return r;
}

/** Holds of `list` (`undefined` entries stay so), taken at the call; one release for all. */
function holdAll(list: readonly (NetnsRef | undefined)[]): { holds: (AttrHold | undefined)[]; release: () => void } {
  const holds: (AttrHold | undefined)[] = [];
  const release = (): void => holds.forEach((h) => h?.release());
  try {
    for (const ns of list) holds.push(ns === undefined ? undefined : holdAttr(ns));
  } catch (e) {
    release(); // a misuse throw after some handles were lent: give them back first
    throw e;
  }
  return { holds, release };
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
  const [n, pn] = held.holds;
  return ch.op(() => newLink(ch, { name, kind: 'veth', mtu }, mac, n, { name: peer, ns: pn, mac: peerMac }), held.release);
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
  const [n] = held.holds;
  return ch.op(() => newLink(ch, { name, kind, mtu }, mac, n), held.release);
}

export function createDummy(ch: Channel, name: string): ResultAsync<void, NsError | NetlinkError> {
  return createLink(ch, { name: checkName(name), kind: 'dummy' });
}

export function createBridge(ch: Channel, name: string): ResultAsync<void, NsError | NetlinkError> {
  return createLink(ch, { name: checkName(name), kind: 'bridge' });
}
