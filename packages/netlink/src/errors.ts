/**
 * The error kinds of `@linuxns/netlink`, composed with core's `NsError` in
 * its signatures. Plain objects with a stable `kind`, like every linuxns error
 * (`docs/errors.md`).
 *
 * @module
 */
import type { NsErrorBase } from '@linuxns/core';

/**
 * The kernel refused a netlink request (an `NLMSG_ERROR` with a negative
 * errno): `request` names it, `extack` is the kernel's own explanation when
 * it gave one (`NETLINK_EXT_ACK`). `EEXIST`: a link or address of that
 * name exists; `ENODEV`: no such link; `EINVAL`: a value the kernel refuses
 * (a prefix length too long...).
 */
export interface NetlinkKernelError extends NsErrorBase {
  readonly kind: 'netlink-error';
  /** The request, e.g. `'RTM_NEWLINK veth0 (veth, peer veth1)'`. */
  readonly request: string;
  /** The errno name, e.g. `'EEXIST'`. */
  readonly code: string;
  /** The errno number, e.g. `17`. */
  readonly errno: number;
  /** The kernel's extended ack message, e.g. `'Invalid prefix length'`. */
  readonly extack?: string;
  /** The network namespace the socket is in (`'net:[4026532291]'`), when known. */
  readonly namespace?: string;
}

/** No complete reply to a netlink request within `timeoutMs`; later replies to it are discarded. */
export interface NetlinkTimeoutError extends NsErrorBase {
  readonly kind: 'netlink-timeout';
  readonly request: string;
  readonly timeoutMs: number;
}

/**
 * A netlink reply that cannot be decoded: a truncated header, an
 * `nlmsg_len` or attribute length running past the end, a zero-length
 * attribute... `reason` names the rule, `offset` the byte where it broke.
 */
export interface NetlinkMalformedError extends NsErrorBase {
  readonly kind: 'netlink-malformed';
  /** E.g. `'truncated-header'`, `'message-past-end'`, `'attribute-past-end'`, `'zero-length-attribute'`. */
  readonly reason: string;
  readonly offset: number;
  /** The request whose reply it was, when known. */
  readonly request?: string;
}

/** The netlink socket was closed before the request got its reply. */
export interface NetlinkClosedError extends NsErrorBase {
  readonly kind: 'netlink-closed';
  readonly request: string;
}

/**
 * A runtime config (LinuxKit's `runtime.json`) that cannot be applied: an
 * interface without a name, a veth without a peer, a value of the wrong
 * type. `field` is where, e.g. `'interfaces[0].peer'`.
 */
export interface InvalidRuntimeError extends NsErrorBase {
  readonly kind: 'invalid-runtime';
  readonly field: string;
}

/** The errors of `@linuxns/netlink` beyond core's `NsError`. Branch on `kind`. */
export type NetlinkError = NetlinkKernelError | NetlinkTimeoutError | NetlinkMalformedError | NetlinkClosedError | InvalidRuntimeError;
