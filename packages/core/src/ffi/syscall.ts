/**
 * Thin Result-returning wrappers over `libc.ts`: call, read errno on the same
 * thread right away, and turn a failure into an {@link NsError}.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { syscallError, type CallContext } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, FD_CLOEXEC } from './constants.js';
import * as libc from './libc.js';

/** `ioctl` requests on namespace files (linux/nsfs.h, NSIO = 0xb7). */
export const NS_GET_USERNS = 0xb701;
/** Parent of a user or pid namespace. */
export const NS_GET_PARENT = 0xb702;
/** The CLONE_NEW* flag of the namespace. */
export const NS_GET_NSTYPE = 0xb703;
/** Owner uid of a user namespace. */
export const NS_GET_OWNER_UID = 0xb704;

/** The result of a libc call that returns -1 and sets errno on failure. */
export function checked(syscall: string, ret: number, ctx?: CallContext): Result<number, NsError> {
  if (ret >= 0) return ok(ret);
  return err(syscallError(syscall, libc.errno(), ctx));
}

/**
 * How many times linuxns called `setns` or `unshare` on this thread. Kept on
 * `globalThis` under a registered symbol (each thread has its own), so that
 * every copy of this module loaded in one thread counts in one place: a pool
 * worker compares it before and after a task to learn whether the task moved
 * its thread through linuxns (`enterSync`, the socket helpers, `spawn`'s
 * direct path), which makes the worker check every namespace type.
 */
const switches: { n: number } = ((globalThis as Record<symbol, { n: number } | undefined>)[Symbol.for('linuxns.namespaceSwitches')] ??= { n: 0 });

/** The number of `setns`/`unshare` calls linuxns made on the calling thread so far (see {@link setnsRaw}). */
export function namespaceSwitches(): number {
  return switches.n;
}

/** `setns(fd, flag)`; the raw errno number on failure, 0 on success (hot path: no allocation). Counted by {@link namespaceSwitches}. */
export function setnsRaw(fd: number, flag: number): number {
  switches.n++;
  return libc.setns(fd, flag) === 0 ? 0 : libc.errno();
}

/** `unshare(flags)`; the raw errno on failure, 0 on success. Counted by {@link namespaceSwitches}. */
export function unshareRaw(flags: number): number {
  switches.n++;
  return libc.unshare(flags) === 0 ? 0 : libc.errno();
}

/** `fcntl(fd, F_DUPFD_CLOEXEC, 0)`. */
export function dupCloexec(fd: number, ctx?: CallContext): Result<number, NsError> {
  return checked('fcntl', libc.fcntlInt(fd, F_DUPFD_CLOEXEC, 0), ctx);
}

/** Sets `FD_CLOEXEC` on `fd` (`F_GETFD`, then `F_SETFD` if it was not set). */
export function setCloexec(fd: number, ctx?: CallContext): Result<void, NsError> {
  return checked('fcntl', libc.fcntlInt(fd, F_GETFD, 0), ctx).andThen((flags) =>
    flags & FD_CLOEXEC ? ok(undefined) : checked('fcntl', libc.fcntlInt(fd, F_SETFD, flags | FD_CLOEXEC), ctx).map(() => undefined),
  );
}

/** `ioctl(fd, NS_GET_NSTYPE)`: the clone flag, or `-errno`. */
export function nsTypeFlag(fd: number): number {
  const r = libc.ioctl0(fd, NS_GET_NSTYPE);
  return r >= 0 ? r : -libc.errno();
}

/** `ioctl(fd, request)` for the requests that return a new fd. */
export function nsIoctlFd(fd: number, request: number, ctx?: CallContext): Result<number, NsError> {
  return checked('ioctl', libc.ioctl0(fd, request), ctx);
}

/** `ioctl(fd, NS_GET_OWNER_UID, &uid)`. */
export function nsOwnerUid(fd: number, ctx?: CallContext): Result<number, NsError> {
  const out = new Uint32Array(1);
  return checked('ioctl', libc.ioctlU32Out(fd, NS_GET_OWNER_UID, out), ctx).map(() => out[0] ?? 0);
}

/** `close(fd)`, ignoring the result (there is nothing useful to do on EINTR/EIO here). */
export function closeFd(fd: number): void {
  libc.close(fd);
}

/** `gettid()`. */
export function gettid(): number {
  return libc.gettid();
}
