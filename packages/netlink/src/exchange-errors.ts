/**
 * The errors of one exchange, as this package reports them: the kernel's
 * refusal (with what its errno usually means here), a reply that does not
 * decode, a closed socket, and a throw inside the exchange.
 *
 * @module
 * @internal
 */
import { errnoName, type NsError } from '@linuxns/core';
import type { FrameError } from '@linuxns/core/ffi';
import { asMalformed } from './codec/frame.js';
import type { NetlinkError } from './errors.js';

/** Bytes of a reply that do not decode, as the error of the request. */
export function malformedReply(label: string, e: FrameError): NsError | NetlinkError {
  return { ...asMalformed(e), request: label, message: `${label}: ${e.message}` };
}

/** What the common answers of rtnetlink mean, for messages (the kernel's own words are in extack when it gave them). */
const MEANING: Readonly<Record<string, string>> = {
  EEXIST: 'one like it exists already',
  ENODEV: 'no such link (by that name or index) in this namespace',
  ENOENT: 'no such object',
  EINVAL: 'a value the kernel refuses',
  EADDRNOTAVAIL: 'no such address on that link',
  ESRCH: 'no such route',
  EBUSY: 'busy (a link that is up cannot be renamed, on some kernels)',
  EOPNOTSUPP: 'this kernel lacks that link kind or feature',
  ENOTSUP: 'this kernel lacks that link kind or feature',
  EPERM: "CAP_NET_ADMIN is needed in the user namespace that owns this network namespace",
  ENETUNREACH: 'the gateway is not reachable from any link here',
  ERANGE: 'a value out of range',
  EAFNOSUPPORT: 'an address family this kernel lacks',
  ENOBUFS: "the kernel's netlink buffers are full",
  EINTR: 'the dump changed under it too often',
};

export function netlinkError(label: string, errno: number, extack: string | undefined): NsError | NetlinkError {
  const code = errnoName(errno);
  const meaning = MEANING[code];
  return {
    kind: 'netlink-error',
    request: label,
    code,
    errno,
    ...(extack ? { extack } : {}),
    // The kernel's own explanation when it gave one; else what the code usually means here.
    message: `${label} failed with ${code}${extack ? `: ${extack}` : meaning ? ` (${meaning})` : ''}`,
  };
}

/** The request met a socket closed before or while it ran. */
export function closedError(label: string): NsError | NetlinkError {
  return { kind: 'netlink-closed', request: label, message: `${label}: the netlink socket was closed` };
}

/**
 * A value thrown where a Result was expected (a bug: misuse throws at the
 * call), as a `task-failed` error, as `enterSync` reports a throw of its
 * function: `what` says where (`RTM_NEWLINK va: the exchange`).
 */
export function taskFailed(e: unknown, what: string): NsError | NetlinkError {
  const isError = e instanceof Error;
  const c: unknown = isError ? (e as { code?: unknown }).code : undefined;
  return {
    kind: 'task-failed',
    name: isError ? e.name : 'non-error',
    message: `${what} threw: ${isError ? e.message : String(e)}`,
    ...(isError && e.stack !== undefined ? { stack: e.stack } : {}),
    ...(typeof c === 'string' ? { code: c } : {}),
    cause: e,
  };
}
