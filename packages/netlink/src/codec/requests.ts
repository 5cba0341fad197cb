/**
 * Building rtnetlink requests: the bytes of each message this package sends,
 * and the label that names it in errors. Pure functions: no socket here.
 *
 * @module
 * @internal
 */
import * as C from './constants.js';
import { MessageBuilder } from './frame.js';
import { type IpPrefix, type IpBytes } from './ip.js';
import { afOf } from './messages.js';
import type { Request } from '../transport.js';

// Every request is written field by field into one buffer (core's MessageBuilder): the fixed
// structs as in linux/rtnetlink.h and linux/if_addr.h, then the attributes.

const ACK_NEW = C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL;
const ACK = C.NLM_F_REQUEST | C.NLM_F_ACK;
const DUMP = C.NLM_F_REQUEST | C.NLM_F_DUMP;

/** How a request names a network namespace: by an open fd, or by a process. */
export type NsAttr = { readonly fd: number } | { readonly pid: number };

function nsAttr(m: MessageBuilder, ns: NsAttr): void {
  if ('fd' in ns) m.attrU32(C.IFLA_NET_NS_FD, ns.fd);
  else m.attrU32(C.IFLA_NET_NS_PID, ns.pid);
}

/** `struct ifinfomsg`: family, padding, type 0, index, flags, change. */
function ifinfomsg(m: MessageBuilder, index = 0, flags = 0, change = 0): MessageBuilder {
  return m.u8(C.AF_UNSPEC).u8(0).u16(0).s32(index).u32(flags).u32(change);
}

/** `struct ifaddrmsg`. */
function ifaddrmsg(m: MessageBuilder, family: number, prefixLength: number, flags: number, scope: number, index: number): MessageBuilder {
  return m.u8(family).u8(prefixLength).u8(flags & 0xff).u8(scope).u32(index);
}

/** `struct rtmsg`: family, dst_len, src_len 0, tos 0, table, protocol, scope, type, flags 0. */
function rtmsg(m: MessageBuilder, family: number, dstLength: number, table: number, protocol: number, scope: number, type: number): MessageBuilder {
  return m.u8(family).u8(dstLength).u8(0).u8(0).u8(table).u8(protocol).u8(scope).u8(type).u32(0);
}

/** A link named by ifindex (`index`) or, with index 0, by name. */
export interface LinkSel {
  readonly index: number;
  readonly name?: string;
}

function selAttrs(m: MessageBuilder, s: LinkSel): void {
  if (s.index === 0 && s.name !== undefined) m.attrString(C.IFLA_IFNAME, s.name);
}
const selLabel = (s: LinkSel): string => s.name ?? `ifindex ${s.index}`;

/** `RTM_GETLINK` dump of every link, statistics left out. */
export function dumpLinks(): Request {
  const m = ifinfomsg(new MessageBuilder(C.RTM_GETLINK, DUMP)).attrU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
  return { bytes: m.done(), label: 'RTM_GETLINK (dump)', expect: 'dump' };
}

/** `RTM_GETLINK` of one link. */
export function getLink(s: LinkSel): Request {
  const m = ifinfomsg(new MessageBuilder(C.RTM_GETLINK, C.NLM_F_REQUEST), s.index);
  selAttrs(m, s);
  m.attrU32(C.IFLA_EXT_MASK, C.RTEXT_FILTER_SKIP_STATS);
  return { bytes: m.done(), label: `RTM_GETLINK ${selLabel(s)}`, expect: 'one' };
}

/** Options of a new link common to every kind. */
export interface NewLinkFields {
  readonly name: string;
  readonly kind: string;
  readonly ns?: NsAttr | undefined;
  readonly mtu?: number | undefined;
  readonly mac?: Buffer | undefined;
  /** For a veth: the peer's name, namespace, mtu, mac. */
  readonly peer?: { readonly name: string; readonly ns?: NsAttr | undefined; readonly mtu?: number | undefined; readonly mac?: Buffer | undefined } | undefined;
}

function commonAttrs(m: MessageBuilder, f: { name: string; ns?: NsAttr | undefined; mtu?: number | undefined; mac?: Buffer | undefined }): void {
  m.attrString(C.IFLA_IFNAME, f.name);
  if (f.ns) nsAttr(m, f.ns);
  if (f.mtu !== undefined) m.attrU32(C.IFLA_MTU, f.mtu);
  if (f.mac) m.attr(C.IFLA_ADDRESS, f.mac);
}

/** `RTM_NEWLINK` creating a link of `kind` (with a peer for a veth). */
export function newLink(f: NewLinkFields): Request {
  const m = ifinfomsg(new MessageBuilder(C.RTM_NEWLINK, ACK_NEW));
  commonAttrs(m, f);
  m.open(C.IFLA_LINKINFO).attrString(C.IFLA_INFO_KIND, f.kind);
  if (f.peer) {
    m.open(C.IFLA_INFO_DATA).openPlain(C.VETH_INFO_PEER);
    commonAttrs(ifinfomsg(m), f.peer);
    m.close().close();
  }
  m.close();
  return { bytes: m.done(), label: `RTM_NEWLINK ${f.name} (${f.kind}${f.peer ? `, peer ${f.peer.name}` : ''})`, expect: 'ack' };
}

/** `RTM_DELLINK`. */
export function delLink(s: LinkSel): Request {
  const m = ifinfomsg(new MessageBuilder(C.RTM_DELLINK, ACK), s.index);
  selAttrs(m, s);
  return { bytes: m.done(), label: `RTM_DELLINK ${selLabel(s)}`, expect: 'ack' };
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
  const flags = f.up === true ? C.IFF_UP : 0;
  const change = f.up === undefined ? 0 : C.IFF_UP;
  const m = ifinfomsg(new MessageBuilder(C.RTM_NEWLINK, ACK), s.index, flags, change);
  if (f.newName !== undefined) m.attrString(C.IFLA_IFNAME, f.newName);
  else selAttrs(m, s);
  if (f.mtu !== undefined) m.attrU32(C.IFLA_MTU, f.mtu);
  if (f.mac) m.attr(C.IFLA_ADDRESS, f.mac);
  if (f.master !== undefined) m.attrU32(C.IFLA_MASTER, f.master);
  if (f.ns) nsAttr(m, f.ns);
  return { bytes: m.done(), label: `RTM_NEWLINK ${selLabel(s)} (${what})`, expect: 'ack' };
}

/** `RTM_GETADDR` dump, filtered by family (0: all) and ifindex (0: all) in the kernel. */
export function dumpAddresses(family: number, index: number): Request {
  const m = ifaddrmsg(new MessageBuilder(C.RTM_GETADDR, DUMP), family, 0, 0, 0, index);
  return { bytes: m.done(), label: `RTM_GETADDR (dump${index ? ` ifindex ${index}` : ''})`, expect: 'dump' };
}

/** Fields of an address to add or delete. */
export interface AddressFields {
  readonly index: number;
  readonly dev: string;
  readonly prefix: IpPrefix;
  readonly scope: number;
  readonly flags: number;
  readonly peer?: IpBytes | undefined;
  readonly broadcast?: IpBytes | undefined;
}

/** `RTM_NEWADDR` (create, exclusive) or `RTM_DELADDR`. */
export function address(type: typeof C.RTM_NEWADDR | typeof C.RTM_DELADDR, f: AddressFields, text: string): Request {
  const m = ifaddrmsg(new MessageBuilder(type, type === C.RTM_NEWADDR ? ACK_NEW : ACK), afOf(f.prefix.family), f.prefix.prefixLength, f.flags & 0xff, f.scope, f.index);
  m.attr(C.IFA_LOCAL, f.prefix.bytes).attr(C.IFA_ADDRESS, (f.peer ?? f.prefix).bytes);
  if (f.broadcast) m.attr(C.IFA_BROADCAST, f.broadcast.bytes);
  if (f.flags !== 0) m.attrU32(C.IFA_FLAGS, f.flags);
  return { bytes: m.done(), label: `${type === C.RTM_NEWADDR ? 'RTM_NEWADDR' : 'RTM_DELADDR'} ${text} dev ${f.dev}`, expect: 'ack' };
}

/** `RTM_GETROUTE` dump of one table (filtered in the kernel: strict checking). */
export function dumpRoutes(family: number, table: number): Request {
  const m = rtmsg(new MessageBuilder(C.RTM_GETROUTE, DUMP), family, 0, 0, 0, 0, 0).attrU32(C.RTA_TABLE, table);
  return { bytes: m.done(), label: `RTM_GETROUTE (dump table ${table})`, expect: 'dump' };
}

/** Fields of a route to add or delete. */
export interface RouteFields {
  readonly dst: IpPrefix;
  readonly gateway?: IpBytes | undefined;
  readonly oif?: number | undefined;
  readonly metric?: number | undefined;
  readonly table: number;
  readonly scope?: number | undefined;
  readonly src?: IpBytes | undefined;
  readonly protocol?: number | undefined;
}

/** Whether every byte is 0. */
function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** `RTM_NEWROUTE` (create, exclusive) or `RTM_DELROUTE`, as `ip route add/del` builds them. */
export function route(type: typeof C.RTM_NEWROUTE | typeof C.RTM_DELROUTE, f: RouteFields, text: string): Request {
  const adding = type === C.RTM_NEWROUTE;
  // ip: a route without a gateway is scope link; deletes match any scope.
  const scope = f.scope ?? (adding ? (f.gateway ? C.RT_SCOPE_UNIVERSE : C.RT_SCOPE_LINK) : C.RT_SCOPE_NOWHERE);
  const m = rtmsg(
    new MessageBuilder(type, adding ? ACK_NEW : ACK),
    afOf(f.dst.family),
    f.dst.prefixLength,
    f.table < 256 ? f.table : C.RT_TABLE_UNSPEC,
    adding ? (f.protocol ?? C.RTPROT_BOOT) : 0,
    scope,
    adding ? C.RTN_UNICAST : 0,
  );
  if (f.dst.prefixLength > 0 || !allZero(f.dst.bytes)) m.attr(C.RTA_DST, f.dst.bytes);
  if (f.table >= 256) m.attrU32(C.RTA_TABLE, f.table);
  if (f.gateway) m.attr(C.RTA_GATEWAY, f.gateway.bytes);
  if (f.oif !== undefined) m.attrU32(C.RTA_OIF, f.oif);
  if (f.metric !== undefined) m.attrU32(C.RTA_PRIORITY, f.metric);
  if (f.src) m.attr(C.RTA_PREFSRC, f.src.bytes);
  return { bytes: m.done(), label: `${adding ? 'RTM_NEWROUTE' : 'RTM_DELROUTE'} ${text}`, expect: 'ack' };
}
