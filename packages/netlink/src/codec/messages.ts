/**
 * The lengths of the fixed headers of rtnetlink messages (`ifinfomsg`,
 * `ifaddrmsg`, `rtmsg`; requests.ts writes them), `NLMSG_ERROR` replies, and
 * decoding of link, address and route messages into plain objects. Every
 * decoder returns a Result and never throws.
 *
 * @module
 * @internal
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import * as C from './constants.js';
import * as F from '@linuxns/core/ffi';
import type { ErrorReply } from '@linuxns/core/ffi';
import { asMalformed, malformed, nestedAttrs, parseAttrs, read, type Message } from './frame.js';
import { formatIp, formatMac, type IpFamily } from './ip.js';
import type { NetlinkError } from '../errors.js';

export const IFINFOMSG_LEN = 16;
export const IFADDRMSG_LEN = 8;
export const RTMSG_LEN = 12;

/** The family number of 4 or 6. */
export const afOf = (f: IpFamily): number => (f === 4 ? C.AF_INET : C.AF_INET6);

// ------------------------------------------------------------------ NLMSG_ERROR

export type { ErrorReply } from '@linuxns/core/ffi';

/** Decodes the payload of an `NLMSG_ERROR` message (core's decoder, its frame errors as `netlink-malformed`). */
export function decodeError(m: Message): Result<ErrorReply, NsError | NetlinkError> {
  return F.decodeError(m).mapErr(asMalformed);
}

// ------------------------------------------------------------------ links

/**
 * A network interface as the kernel reports it (`RTM_NEWLINK`).
 */
export interface LinkInfo {
  /** ifindex: unique inside its namespace. */
  readonly index: number;
  /** Interface name, e.g. `'eth0'`. */
  readonly name: string;
  /** Kind of virtual device (`'veth'`, `'dummy'`, `'bridge'`...); `undefined` for physical devices and loopback. */
  readonly kind: string | undefined;
  readonly mtu: number;
  /** RFC 2863 operational state, as `ip` prints it: `'UP'`, `'DOWN'`, `'UNKNOWN'`, `'LOWERLAYERDOWN'`... */
  readonly operstate: string;
  /** Interface flags by name, `IFF_` left out (`'UP'`, `'BROADCAST'`, `'LOWER_UP'`...). */
  readonly flags: readonly string[];
  /** True when administratively up (`IFF_UP`). */
  readonly up: boolean;
  /** Hardware address as `aa:bb:cc:dd:ee:ff`, when the device has one. */
  readonly mac: string | undefined;
  /** ifindex of the bridge (or bond) it is attached to. */
  readonly master: number | undefined;
  /** `IFLA_LINK`: the parent or peer ifindex (in the namespace `linkNetnsid` names, when given). */
  readonly link: number | undefined;
  /** The peer's namespace as an nsid of this namespace, when the peer (or parent) is elsewhere. */
  readonly linkNetnsid: number | undefined;
  /** For a veth: the ifindex of its peer (in `linkNetnsid`'s namespace when that is set). */
  readonly peerIndex: number | undefined;
  /** ARPHRD type (1 ether, 772 loopback...). */
  readonly type: number;
}

function flagNames(flags: number, table: ReadonlyArray<readonly [number, string]>): string[] {
  return table.filter(([bit]) => flags & bit).map(([, name]) => name);
}

/** Decodes an `RTM_NEWLINK` message. */
export function decodeLink(m: Message): Result<LinkInfo, NsError | NetlinkError> {
  const p = m.payload;
  if (p.length < IFINFOMSG_LEN) return err(malformed('truncated-ifinfomsg', m.offset, `RTM_NEWLINK payload of ${p.length} bytes, ifinfomsg needs ${IFINFOMSG_LEN}`));
  const base = m.offset + C.NLMSG_HDRLEN;
  const attrs = parseAttrs(p, IFINFOMSG_LEN, base);
  if (attrs.isErr()) return err(attrs.error);
  const a = attrs.value;
  const info = nestedAttrs(a, C.IFLA_LINKINFO, base);
  if (info.isErr()) return err(info.error);
  const flags = p.readUInt32LE(8);
  const kind = read.str(info.value, C.IFLA_INFO_KIND);
  const link = read.u32(a, C.IFLA_LINK);
  const mac = a.get(C.IFLA_ADDRESS);
  const operstate = read.u8(a, C.IFLA_OPERSTATE);
  return ok({
    index: p.readInt32LE(4),
    name: read.str(a, C.IFLA_IFNAME) ?? '',
    kind,
    mtu: read.u32(a, C.IFLA_MTU) ?? 0,
    operstate: operstate === undefined ? 'UNKNOWN' : (C.OPERSTATES[operstate] ?? String(operstate)),
    flags: flagNames(flags, C.IFF_NAMES),
    up: (flags & C.IFF_UP) !== 0,
    mac: mac !== undefined && mac.length > 0 ? formatMac(mac) : undefined,
    master: read.u32(a, C.IFLA_MASTER),
    link,
    linkNetnsid: read.s32(a, C.IFLA_LINK_NETNSID),
    peerIndex: kind === 'veth' ? link : undefined,
    type: p.readUInt16LE(2),
  });
}

// ------------------------------------------------------------------ addresses

/** An address of an interface (`RTM_NEWADDR`). */
export interface AddressInfo {
  readonly family: IpFamily;
  /** ifindex of the interface. */
  readonly index: number;
  /** The address (`IFA_LOCAL`, or `IFA_ADDRESS` when there is no local one, as for IPv6). */
  readonly address: string;
  readonly prefixLength: number;
  /** The peer of a point-to-point address (`IFA_ADDRESS` when it differs from the local one). */
  readonly peer: string | undefined;
  readonly broadcast: string | undefined;
  /** Scope as `ip` names it: `'global'`, `'site'`, `'link'`, `'host'`, `'nowhere'` (or the number). */
  readonly scope: string;
  /** Address flags by name: `'permanent'`, `'nodad'`, `'tentative'`, `'secondary'`... */
  readonly flags: readonly string[];
  /** True for an address configured by hand (not by autoconfiguration): `IFA_F_PERMANENT`. */
  readonly permanent: boolean;
  /** The label (IPv4 only). */
  readonly label: string | undefined;
}

/** Name of a scope number. */
export const scopeName = (s: number): string => C.SCOPE_NAMES[s] ?? String(s);

/** Reads an address attribute of the family's size (4 or 16 bytes) as text; undefined when absent or of another size. */
function ipReader(attrs: ReadonlyMap<number, Buffer>, af: number): (type: number) => string | undefined {
  const size = af === C.AF_INET ? 4 : 16;
  return (type) => {
    const b = attrs.get(type);
    return b !== undefined && b.length === size ? formatIp(b) : undefined;
  };
}

/** Decodes an `RTM_NEWADDR` message; `undefined` for families other than IPv4 and IPv6. */
export function decodeAddress(m: Message): Result<AddressInfo | undefined, NsError | NetlinkError> {
  const p = m.payload;
  if (p.length < IFADDRMSG_LEN) return err(malformed('truncated-ifaddrmsg', m.offset, `RTM_NEWADDR payload of ${p.length} bytes, ifaddrmsg needs ${IFADDRMSG_LEN}`));
  const af = p.readUInt8(0);
  if (af !== C.AF_INET && af !== C.AF_INET6) return ok(undefined);
  const attrs = parseAttrs(p, IFADDRMSG_LEN, m.offset + C.NLMSG_HDRLEN);
  if (attrs.isErr()) return err(attrs.error);
  const a = attrs.value;
  const ipOf = ipReader(a, af);
  const local = ipOf(C.IFA_LOCAL);
  const address = ipOf(C.IFA_ADDRESS);
  const main = local ?? address;
  if (main === undefined) return err(malformed('address-missing', m.offset, 'RTM_NEWADDR without IFA_LOCAL or IFA_ADDRESS of the right size'));
  const flags = read.u32(a, C.IFA_FLAGS) ?? p.readUInt8(2);
  return ok({
    family: af === C.AF_INET ? 4 : 6,
    index: p.readUInt32LE(4),
    address: main,
    prefixLength: p.readUInt8(1),
    peer: local !== undefined && address !== undefined && address !== local ? address : undefined,
    broadcast: ipOf(C.IFA_BROADCAST),
    scope: scopeName(p.readUInt8(3)),
    flags: flagNames(flags, C.IFA_F_NAMES),
    permanent: (flags & C.IFA_F_PERMANENT) !== 0,
    label: read.str(a, C.IFA_LABEL),
  });
}

// ------------------------------------------------------------------ routes

/** A route (`RTM_NEWROUTE`). */
export interface RouteInfo {
  readonly family: IpFamily;
  /** `'default'` or `ADDR/LEN` (e.g. `'10.0.0.0/24'`, `'fd00::/64'`, `'10.0.0.1/32'`). */
  readonly dst: string;
  readonly dstLength: number;
  /** Next hop, when the route has one. */
  readonly gateway: string | undefined;
  /** ifindex of the output interface. */
  readonly oif: number | undefined;
  /** Name of the output interface (filled in by the socket from a link list). */
  readonly dev: string | undefined;
  /** Table number (254 is main). */
  readonly table: number;
  /** Protocol as `ip` names it: `'kernel'`, `'boot'`, `'static'`, `'ra'`... */
  readonly protocol: string;
  /** Scope as `ip` names it. */
  readonly scope: string;
  /** Type as `ip` names it: `'unicast'`, `'local'`, `'broadcast'`, `'multicast'`... */
  readonly type: string;
  /** `RTA_PRIORITY`, the metric. */
  readonly metric: number | undefined;
  /** Preferred source address. */
  readonly prefsrc: string | undefined;
}

/** Decodes an `RTM_NEWROUTE` message; `undefined` for other families and cloned (cache) routes. */
export function decodeRoute(m: Message): Result<RouteInfo | undefined, NsError | NetlinkError> {
  const p = m.payload;
  if (p.length < RTMSG_LEN) return err(malformed('truncated-rtmsg', m.offset, `RTM_NEWROUTE payload of ${p.length} bytes, rtmsg needs ${RTMSG_LEN}`));
  const af = p.readUInt8(0);
  if (af !== C.AF_INET && af !== C.AF_INET6) return ok(undefined);
  if (p.readUInt32LE(8) & C.RTM_F_CLONED) return ok(undefined);
  const attrs = parseAttrs(p, RTMSG_LEN, m.offset + C.NLMSG_HDRLEN);
  if (attrs.isErr()) return err(attrs.error);
  const a = attrs.value;
  const ipOf = ipReader(a, af);
  const dstLength = p.readUInt8(1);
  const dstAddr = ipOf(C.RTA_DST);
  const protocol = p.readUInt8(5);
  const type = p.readUInt8(7);
  return ok({
    family: af === C.AF_INET ? 4 : 6,
    dst: dstLength === 0 && dstAddr === undefined ? 'default' : `${dstAddr ?? (af === C.AF_INET ? '0.0.0.0' : '::')}/${dstLength}`,
    dstLength,
    gateway: ipOf(C.RTA_GATEWAY),
    oif: read.u32(a, C.RTA_OIF),
    dev: undefined,
    table: read.u32(a, C.RTA_TABLE) ?? p.readUInt8(4),
    protocol: C.PROTOCOL_NAMES[protocol] ?? String(protocol),
    scope: scopeName(p.readUInt8(6)),
    type: C.ROUTE_TYPE_NAMES[type] ?? String(type),
    metric: read.u32(a, C.RTA_PRIORITY),
    prefsrc: ipOf(C.RTA_PREFSRC),
  });
}
