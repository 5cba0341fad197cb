/**
 * Building rtnetlink requests: the bytes of each message this package sends,
 * and the label that names it in errors. Pure functions: no socket here.
 *
 * @module
 * @internal
 */
import * as C from './constants.js';
import { attr, attrNested, attrString, attrU32, message } from './frame.js';
import { type IpPrefix, type IpBytes } from './ip.js';
import { afOf, ifaddrmsg, ifinfomsg, rtmsg } from './messages.js';
import type { Request } from '../transport.js';

const ACK_NEW = C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL;
const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;
const DUMP = C.NLM_F_REQUEST | C.NLM_F_DUMP;

/** How a request names a network namespace: by an open fd, or by a process. */
export type NsAttr = { readonly fd: number } | { readonly pid: number };

function nsAttr(ns: NsAttr): Buffer {
  return 'fd' in ns ? attrU32(C.IFLA_NET_NS_FD, ns.fd) : attrU32(C.IFLA_NET_NS_PID, ns.pid);
}

/** A link named by ifindex (`index`) or, with index 0, by name. */
export interface LinkSel {
  readonly index: number;
  readonly name?: string;
}

const selAttrs = (s: LinkSel): Buffer[] => (s.index === 0 && s.name !== undefined ? [attrString(C.IFLA_IFNAME, s.name)] : []);
const selLabel = (s: LinkSel): string => s.name ?? `ifindex ${s.index}`;

/** `RTM_GETLINK` dump of every link, statistics left out. */
export function dumpLinks(): Request {
  return { bytes: message(C.RTM_GETLINK, DUMP, ifinfomsg(), [attrU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS)]), label: 'RTM_GETLINK (dump)', expect: 'dump' };
}

/** `RTM_GETLINK` of one link. */
export function getLink(s: LinkSel): Request {
  return {
    bytes: message(C.RTM_GETLINK, C.NLM_F_REQUEST, ifinfomsg(s.index), [...selAttrs(s), attrU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS)]),
    label: `RTM_GETLINK ${selLabel(s)}`,
    expect: 'one',
  };
}

/** Options of a new link common to every kind. */
export interface NewLinkFields {
  readonly name: string;
  readonly kind: string;
  readonly ns?: NsAttr;
  readonly mtu?: number;
  readonly mac?: Buffer;
  /** For a veth: the peer's name, namespace, mtu, mac. */
  readonly peer?: { readonly name: string; readonly ns?: NsAttr; readonly mtu?: number; readonly mac?: Buffer };
}

function commonAttrs(f: { name: string; ns?: NsAttr; mtu?: number; mac?: Buffer }): Buffer[] {
  const a = [attrString(C.IFLA_IFNAME, f.name)];
  if (f.ns) a.push(nsAttr(f.ns));
  if (f.mtu !== undefined) a.push(attrU32(C.IFLA_MTU, f.mtu));
  if (f.mac) a.push(attr(C.IFLA_ADDRESS, f.mac));
  return a;
}

/** `RTM_NEWLINK` creating a link of `kind` (with a peer for a veth). */
export function newLink(f: NewLinkFields): Request {
  const info: Buffer[] = [attrString(C.IFLA_INFO_KIND, f.kind)];
  if (f.peer) {
    const peer = Buffer.concat([ifinfomsg(), ...commonAttrs(f.peer)]);
    info.push(attrNested(C.IFLA_INFO_DATA, [attr(C.VETH_INFO_PEER, peer)]));
  }
  return {
    bytes: message(C.RTM_NEWLINK, ACK_NEW, ifinfomsg(), [...commonAttrs(f), attrNested(C.IFLA_LINKINFO, info)]),
    label: `RTM_NEWLINK ${f.name} (${f.kind}${f.peer ? `, peer ${f.peer.name}` : ''})`,
    expect: 'ack',
  };
}

/** `RTM_DELLINK`. */
export function delLink(s: LinkSel): Request {
  return { bytes: message(C.RTM_DELLINK, ACK, ifinfomsg(s.index), selAttrs(s)), label: `RTM_DELLINK ${selLabel(s)}`, expect: 'ack' };
}

/** Changes to an existing link, in one `RTM_NEWLINK` (without NLM_F_CREATE). */
export interface SetLinkFields {
  readonly newName?: string;
  readonly up?: boolean;
  readonly mtu?: number;
  readonly mac?: Buffer;
  /** ifindex of the new master; 0 detaches. */
  readonly master?: number;
  readonly ns?: NsAttr;
}

/** `RTM_NEWLINK` changing `s` (by index, or by name when index is 0 and it is not renamed). */
export function setLink(s: LinkSel, f: SetLinkFields, what: string): Request {
  const a: Buffer[] = f.newName !== undefined ? [attrString(C.IFLA_IFNAME, f.newName)] : selAttrs(s);
  if (f.mtu !== undefined) a.push(attrU32(C.IFLA_MTU, f.mtu));
  if (f.mac) a.push(attr(C.IFLA_ADDRESS, f.mac));
  if (f.master !== undefined) a.push(attrU32(C.IFLA_MASTER, f.master));
  if (f.ns) a.push(nsAttr(f.ns));
  const flags = f.up === true ? C.IFF_UP : 0;
  const change = f.up === undefined ? 0 : C.IFF_UP;
  return { bytes: message(C.RTM_NEWLINK, ACK, ifinfomsg(s.index, flags, change), a), label: `RTM_NEWLINK ${selLabel(s)} (${what})`, expect: 'ack' };
}

/** `RTM_GETADDR` dump, filtered by family (0: all) and ifindex (0: all) in the kernel. */
export function dumpAddresses(family: number, index: number): Request {
  return { bytes: message(C.RTM_GETADDR, DUMP, ifaddrmsg(family, 0, 0, 0, index)), label: `RTM_GETADDR (dump${index ? ` ifindex ${index}` : ''})`, expect: 'dump' };
}

/** Fields of an address to add or delete. */
export interface AddressFields {
  readonly index: number;
  readonly dev: string;
  readonly prefix: IpPrefix;
  readonly scope: number;
  readonly flags: number;
  readonly peer?: IpBytes;
  readonly broadcast?: IpBytes;
}

/** `RTM_NEWADDR` (create, exclusive) or `RTM_DELADDR`. */
export function address(type: typeof C.RTM_NEWADDR | typeof C.RTM_DELADDR, f: AddressFields, text: string): Request {
  const a = [attr(C.IFA_LOCAL, f.prefix.bytes), attr(C.IFA_ADDRESS, (f.peer ?? f.prefix).bytes)];
  if (f.broadcast) a.push(attr(C.IFA_BROADCAST, f.broadcast.bytes));
  if (f.flags !== 0) a.push(attrU32(C.IFA_FLAGS, f.flags));
  const hdr = ifaddrmsg(afOf(f.prefix.family), f.prefix.prefixLength, f.flags & 0xff, f.scope, f.index);
  return {
    bytes: message(type, type === C.RTM_NEWADDR ? ACK_NEW : ACK, hdr, a),
    label: `${type === C.RTM_NEWADDR ? 'RTM_NEWADDR' : 'RTM_DELADDR'} ${text} dev ${f.dev}`,
    expect: 'ack',
  };
}

/** `RTM_GETROUTE` dump of one table (filtered in the kernel: strict checking). */
export function dumpRoutes(family: number, table: number): Request {
  const hdr = rtmsg({ family, dstLength: 0, table: 0, protocol: 0, scope: 0, type: 0 });
  return { bytes: message(C.RTM_GETROUTE, DUMP, hdr, [attrU32(C.RTA_TABLE, table)]), label: `RTM_GETROUTE (dump table ${table})`, expect: 'dump' };
}

/** Fields of a route to add or delete. */
export interface RouteFields {
  readonly dst: IpPrefix;
  readonly gateway?: IpBytes;
  readonly oif?: number;
  readonly metric?: number;
  readonly table: number;
  readonly scope?: number;
  readonly src?: IpBytes;
  readonly protocol?: number;
}

/** `RTM_NEWROUTE` (create, exclusive) or `RTM_DELROUTE`, as `ip route add/del` builds them. */
export function route(type: typeof C.RTM_NEWROUTE | typeof C.RTM_DELROUTE, f: RouteFields, text: string): Request {
  const adding = type === C.RTM_NEWROUTE;
  // ip: a route without a gateway is scope link; deletes match any scope.
  const scope = f.scope ?? (adding ? (f.gateway ? C.RT_SCOPE_UNIVERSE : C.RT_SCOPE_LINK) : C.RT_SCOPE_NOWHERE);
  const hdr = rtmsg({
    family: afOf(f.dst.family),
    dstLength: f.dst.prefixLength,
    table: f.table < 256 ? f.table : C.RT_TABLE_UNSPEC,
    protocol: adding ? (f.protocol ?? C.RTPROT_BOOT) : 0,
    scope,
    type: adding ? C.RTN_UNICAST : 0,
  });
  const a: Buffer[] = [];
  if (f.dst.prefixLength > 0 || f.dst.bytes.some((x) => x !== 0)) a.push(attr(C.RTA_DST, f.dst.bytes));
  if (f.table >= 256) a.push(attrU32(C.RTA_TABLE, f.table));
  if (f.gateway) a.push(attr(C.RTA_GATEWAY, f.gateway.bytes));
  if (f.oif !== undefined) a.push(attrU32(C.RTA_OIF, f.oif));
  if (f.metric !== undefined) a.push(attrU32(C.RTA_PRIORITY, f.metric));
  if (f.src) a.push(attr(C.RTA_PREFSRC, f.src.bytes));
  return { bytes: message(type, adding ? ACK_NEW : ACK, hdr, a), label: `${adding ? 'RTM_NEWROUTE' : 'RTM_DELROUTE'} ${text}`, expect: 'ack' };
}
