/**
 * Numbers of the rtnetlink messages of links, addresses and routes, from
 * the kernel's UAPI headers (linux/rtnetlink.h, linux/if_link.h,
 * linux/if_addr.h, linux/veth.h, linux/if.h), the same on every
 * architecture; and, re-exported for this package's modules, core's
 * numbers of netlink itself and of sockets (`@linuxns/core/ffi`), named
 * there once for core and every package.
 *
 * @module
 * @internal
 */

// linux/netlink.h and the socket: core's
export {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  IFF_UP,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
} from '@linuxns/core/ffi';
import { NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN } from '@linuxns/core/ffi';

// linux/rtnetlink.h message types
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;

/** Names of message types, for error messages. */
export const MESSAGE_NAMES: Readonly<Record<number, string>> = {
  [NLMSG_NOOP]: 'NLMSG_NOOP',
  [NLMSG_ERROR]: 'NLMSG_ERROR',
  [NLMSG_DONE]: 'NLMSG_DONE',
  [NLMSG_OVERRUN]: 'NLMSG_OVERRUN',
  [RTM_NEWLINK]: 'RTM_NEWLINK',
  [RTM_DELLINK]: 'RTM_DELLINK',
  [RTM_GETLINK]: 'RTM_GETLINK',
  [RTM_SETLINK]: 'RTM_SETLINK',
  [RTM_NEWADDR]: 'RTM_NEWADDR',
  [RTM_DELADDR]: 'RTM_DELADDR',
  [RTM_GETADDR]: 'RTM_GETADDR',
  [RTM_NEWROUTE]: 'RTM_NEWROUTE',
  [RTM_DELROUTE]: 'RTM_DELROUTE',
  [RTM_GETROUTE]: 'RTM_GETROUTE',
};

// linux/if_link.h
export const IFLA_ADDRESS = 1;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_LINK_NETNSID = 37;

export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;

// linux/veth.h
export const VETH_INFO_PEER = 1;

/** `RTEXT_FILTER_SKIP_STATS` for IFLA_EXT_MASK: leave the statistics out of link dumps. */
export const RTEXT_FILTER_SKIP_STATS = 1 << 3;

// linux/if.h, RFC 2863 operstates
export const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'] as const;

/** Interface flags (net_device_flags), by bit. */
export const IFF_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x1, 'UP'],
  [0x2, 'BROADCAST'],
  [0x4, 'DEBUG'],
  [0x8, 'LOOPBACK'],
  [0x10, 'POINTOPOINT'],
  [0x20, 'NOTRAILERS'],
  [0x40, 'RUNNING'],
  [0x80, 'NOARP'],
  [0x100, 'PROMISC'],
  [0x200, 'ALLMULTI'],
  [0x400, 'MASTER'],
  [0x800, 'SLAVE'],
  [0x1000, 'MULTICAST'],
  [0x2000, 'PORTSEL'],
  [0x4000, 'AUTOMEDIA'],
  [0x8000, 'DYNAMIC'],
  [0x10000, 'LOWER_UP'],
  [0x20000, 'DORMANT'],
  [0x40000, 'ECHO'],
];

// linux/if_addr.h
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_FLAGS = 8;

export const IFA_F_NODAD = 0x02;
export const IFA_F_PERMANENT = 0x80;
/** Address flags, by bit (the 32-bit IFA_FLAGS). */
export const IFA_F_NAMES: ReadonlyArray<readonly [number, string]> = [
  [0x01, 'secondary'],
  [0x02, 'nodad'],
  [0x04, 'optimistic'],
  [0x08, 'dadfailed'],
  [0x10, 'homeaddress'],
  [0x20, 'deprecated'],
  [0x40, 'tentative'],
  [0x80, 'permanent'],
  [0x100, 'managetempaddr'],
  [0x200, 'noprefixroute'],
  [0x400, 'mcautojoin'],
  [0x800, 'stable-privacy'],
];

// linux/rtnetlink.h: routes
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_TABLE = 15;

export const RT_TABLE_UNSPEC = 0;
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RTN_UNICAST = 1;
export const RTM_F_CLONED = 0x200;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

/** Scope names as `ip` prints them (rt_scopes). */
export const SCOPE_NAMES: Readonly<Record<number, string>> = {
  [RT_SCOPE_UNIVERSE]: 'global',
  [RT_SCOPE_SITE]: 'site',
  [RT_SCOPE_LINK]: 'link',
  [RT_SCOPE_HOST]: 'host',
  [RT_SCOPE_NOWHERE]: 'nowhere',
};

/** Route protocol names as `ip` prints them (rt_protos). */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: 'unspec',
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
  8: 'gated',
  9: 'ra',
  10: 'mrt',
  11: 'zebra',
  12: 'bird',
  13: 'dnrouted',
  14: 'xorp',
  15: 'ntk',
  16: 'dhcp',
  18: 'keepalived',
  42: 'babel',
  99: 'openr',
  186: 'bgp',
  187: 'isis',
  188: 'ospf',
  189: 'rip',
  192: 'eigrp',
};

/** Route type names as `ip` prints them. */
export const ROUTE_TYPE_NAMES: readonly string[] = [
  'unspec',
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
  'xresolve',
];
