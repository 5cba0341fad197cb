/**
 * Numbers of the kernel's ABI that linuxns passes to libc, named once for
 * every module and package (mount flags are in `mount-flags.ts`, the nsfs
 * ioctls in `syscall.ts`). Values from the UAPI headers named in each
 * section, as they are on x64 and arm64, the architectures linuxns runs on
 * (the asm-generic ones; mips, powerpc and sparc differ in some).
 *
 * @module
 * @internal
 */

// sys/socket.h, bits/socket_type.h
export const AF_UNSPEC = 0;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;

// asm-generic/socket.h
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_RCVBUF = 8;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const SO_RCVBUFFORCE = 33;

// linux/sockios.h, linux/if.h
export const SIOCGIFFLAGS = 0x8913;
export const SIOCSIFFLAGS = 0x8914;
export const IFF_UP = 0x1;

// linux/netlink.h: the socket, its options and the framing every netlink protocol shares
export const NETLINK_ROUTE = 0;
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
export const NLMSG_HDRLEN = 16;
export const NLA_HDRLEN = 4;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_DUMP_INTR = 0x10;
/** GET requests: the whole table (ROOT), every match (MATCH): a dump. */
export const NLM_F_DUMP = 0x300;
/** NEW requests: fail if it exists (EXCL), create it if not (CREATE). */
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** In an NLMSG_ERROR: the request was capped (NETLINK_CAP_ACK). */
export const NLM_F_CAPPED = 0x100;
/** In an NLMSG_ERROR: extended ack TLVs follow. */
export const NLM_F_ACK_TLVS = 0x200;
export const NLMSGERR_ATTR_MSG = 1;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

// linux/fcntl.h, asm-generic/fcntl.h
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const FD_CLOEXEC = 1;
export const F_DUPFD_CLOEXEC = 1030;

// linux/sched.h (the CLONE_NEW* flags are the public CLONE_FLAGS of namespace/kind.ts)
export const CLONE_FS = 0x200;
