/**
 * koffi declarations of the libc socket calls of this package: the only
 * module of `@linuxns/netlink` that imports koffi. Declarations only;
 * `transport.ts` turns return values and errno into Results.
 *
 * Synchronous calls run on the calling thread. The one asynchronous call,
 * {@link recvAsync}, runs `recv(2)` on a thread of libuv's pool: that is
 * safe because a socket belongs to the network namespace it was created in,
 * whatever thread later reads it. Nothing here ever calls setns.
 *
 * @module
 * @internal
 */
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

/** `int socket(int domain, int type, int protocol)` */
export const socket = libc.func('int socket(int domain, int type, int protocol)') as (domain: number, type: number, protocol: number) => number;
/** `int bind(int fd, const void *addr, uint32_t len)` */
export const bind = libc.func('int bind(int fd, const void *addr, uint32_t len)') as (fd: number, addr: Uint8Array, len: number) => number;
/** `int getsockname(int fd, void *addr, uint32_t *len)` */
export const getsockname = libc.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)') as (fd: number, addr: Uint8Array, len: Uint32Array) => number;
/** `int setsockopt(int fd, int level, int name, const void *value, uint32_t len)` */
export const setsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)') as (
  fd: number,
  level: number,
  name: number,
  value: Uint8Array,
  len: number,
) => number;
/** `ssize_t send(int fd, const void *buf, size_t len, int flags)` (the socket is bound; the kernel is port 0, the default peer) */
export const send = libc.func('long send(int fd, const void *buf, size_t len, int flags)') as (fd: number, buf: Uint8Array, len: number, flags: number) => number;

const recvFn = libc.func('long recv(int fd, _Out_ void *buf, size_t len, int flags)');
/** `ssize_t recv(int fd, void *buf, size_t len, int flags)`, on the calling thread (used with `MSG_DONTWAIT`). */
export const recv = recvFn as (fd: number, buf: Uint8Array, len: number, flags: number) => number;

/**
 * `recv(2)` on a thread of libuv's pool; `cb` gets its return value. errno
 * of that thread is not visible here: on -1 the caller finds out what
 * happened with a non-blocking {@link recv} on its own thread.
 */
export function recvAsync(fd: number, buf: Uint8Array, len: number, flags: number, cb: (rc: number) => void): void {
  (recvFn as unknown as { async(...a: unknown[]): void }).async(fd, buf, len, flags, (e: unknown, rc: number) => cb(e ? -1 : Number(rc)));
}

/** `int close(int fd)` */
export const close = libc.func('int close(int fd)') as (fd: number) => number;

/** The calling thread's errno, read right after a synchronous call. */
export function errno(): number {
  return koffi.errno();
}
