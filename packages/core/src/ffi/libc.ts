/**
 * koffi declarations of the libc functions linuxns calls. Declarations only:
 * `syscall.ts` turns return values and errno into Results. The only module
 * of linuxns that loads libc: @linuxns/netlink and @linuxns/userns-cache
 * call it through `@linuxns/core/ffi` (`index.ts`).
 *
 * Every call here is synchronous and runs on the calling thread, which is
 * what setns/unshare need. Never use koffi's `.async()` for them: async calls
 * run on other threads. The one asynchronous call, {@link recvAsync}, reads
 * a socket, which belongs to the namespace it was made in whatever thread
 * reads it.
 *
 * @module
 */
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');

/** `int setns(int fd, int nstype)` */
export const setns = libc.func('int setns(int fd, int nstype)') as (fd: number, nstype: number) => number;
/** `int unshare(int flags)` */
export const unshare = libc.func('int unshare(int flags)') as (flags: number) => number;
/** `int close(int fd)` */
export const close = libc.func('int close(int fd)') as (fd: number) => number;
/** `int fchdir(int fd)` */
export const fchdir = libc.func('int fchdir(int fd)') as (fd: number) => number;
/** `int chroot(const char *path)` */
export const chroot = libc.func('int chroot(const char *path)') as (path: string) => number;
/** `int pipe2(int fds[2], int flags)` */
export const pipe2 = libc.func('int pipe2(_Out_ int *fds, int flags)') as (fds: Int32Array, flags: number) => number;
/** `pid_t gettid(void)` */
export const gettid = libc.func('int gettid(void)') as () => number;
/** `int mount(const char *, const char *, const char *, unsigned long, const void *)` */
export const mount = libc.func(
  'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)',
) as (source: string | null, target: string, fstype: string | null, flags: number, data: null) => number;
/** `int umount2(const char *target, int flags)` */
export const umount2 = libc.func('int umount2(const char *target, int flags)') as (target: string, flags: number) => number;

const ioctlVariadic = libc.func('int ioctl(int fd, unsigned long request, ...)');
/** `ioctl(fd, request)` with no third argument. */
export function ioctl0(fd: number, request: number): number {
  return ioctlVariadic(fd, request) as number;
}
/** `ioctl(fd, request, uint32_t *out)`; the value is written to `out[0]`. */
export function ioctlU32Out(fd: number, request: number, out: Uint32Array): number {
  return ioctlVariadic(fd, request, 'uint32_t *', out) as number;
}

const fcntlVariadic = libc.func('int fcntl(int fd, int cmd, ...)');
/** `fcntl(fd, cmd, int arg)` */
export function fcntlInt(fd: number, cmd: number, arg: number): number {
  return fcntlVariadic(fd, cmd, 'int', arg) as number;
}

/** `int socket(int domain, int type, int protocol)` */
export const socket = libc.func('int socket(int domain, int type, int protocol)') as (
  domain: number,
  type: number,
  protocol: number,
) => number;
/** `int bind(int fd, const void *addr, uint32_t len)` */
export const bind = libc.func('int bind(int fd, const void *addr, uint32_t len)') as (
  fd: number,
  addr: Uint8Array,
  len: number,
) => number;
/** `int listen(int fd, int backlog)` */
export const listen = libc.func('int listen(int fd, int backlog)') as (fd: number, backlog: number) => number;
/** `int connect(int fd, const void *addr, uint32_t len)`, blocking variant for koffi's async calls */
export const connect = libc.func('int connect(int fd, const void *addr, uint32_t len)');
/** `int setsockopt(int fd, int level, int name, const void *value, uint32_t len)` */
export const setsockopt = libc.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)') as (
  fd: number,
  level: number,
  name: number,
  value: Uint8Array,
  len: number,
) => number;
/** `int getsockname(int fd, void *addr, uint32_t *len)` */
export const getsockname = libc.func('int getsockname(int fd, _Out_ void *addr, _Inout_ uint32_t *len)') as (
  fd: number,
  addr: Uint8Array,
  len: Uint32Array,
) => number;

/** The calling thread's errno, read right after a call. */
export function errno(): number {
  return koffi.errno();
}

/** `ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)` */
export const readlinkat = libc.func('long readlinkat(int dirfd, const char *path, _Out_ void *buf, size_t len)') as (
  dirfd: number,
  path: string,
  buf: Uint8Array,
  len: number,
) => number;

/** `ioctl(fd, request, void *arg)` */
export function ioctlPtr(fd: number, request: number, arg: Uint8Array): number {
  return ioctlVariadic(fd, request, 'void *', arg) as number;
}

const syscallVariadic = libc.func('long syscall(long number, ...)');
/** System call numbers of the new mount API: the same on every architecture (asm-generic). */
const SYS_OPEN_TREE = 428;
const SYS_MOVE_MOUNT = 429;
/** `open_tree(dfd, path, flags)` (no glibc wrapper before 2.36's headers-only support). */
export function openTree(dfd: number, path: string, flags: number): number {
  return Number(syscallVariadic(SYS_OPEN_TREE, 'int', dfd, 'const char *', path, 'unsigned int', flags));
}
const SYS_MOUNT_SETATTR = 442;
/** `mount_setattr(fd, path, flags, &attr, sizeof attr)`; `attr` is a `struct mount_attr` (32 bytes). */
export function mountSetattr(fd: number, path: string, flags: number, attr: Uint8Array): number {
  return Number(syscallVariadic(SYS_MOUNT_SETATTR, 'int', fd, 'const char *', path, 'unsigned int', flags, 'void *', attr, 'size_t', attr.length));
}
/** `move_mount(from_dfd, from_path, to_dfd, to_path, flags)`. */
export function moveMount(fromDfd: number, fromPath: string, toDfd: number, toPath: string, flags: number): number {
  return Number(syscallVariadic(SYS_MOVE_MOUNT, 'int', fromDfd, 'const char *', fromPath, 'int', toDfd, 'const char *', toPath, 'unsigned int', flags));
}

/** `ssize_t send(int fd, const void *buf, size_t len, int flags)` */
export const send = libc.func('long send(int fd, const void *buf, size_t len, int flags)') as (fd: number, buf: Uint8Array, len: number, flags: number) => number;
const recvFn = libc.func('long recv(int fd, _Out_ void *buf, size_t len, int flags)');
/** `ssize_t recv(int fd, void *buf, size_t len, int flags)`, on the calling thread. */
export const recv = recvFn as (fd: number, buf: Uint8Array, len: number, flags: number) => number;
/**
 * `recv(2)` on a thread of libuv's pool; `cb` gets its return value. errno
 * of that thread is not visible here: on -1 the caller finds out what
 * happened with a non-blocking {@link recv} on its own thread.
 */
export function recvAsync(fd: number, buf: Uint8Array, len: number, flags: number, cb: (rc: number) => void): void {
  (recvFn as unknown as { async(...a: unknown[]): void }).async(fd, buf, len, flags, (e: unknown, rc: number) => cb(e ? -1 : Number(rc)));
}
