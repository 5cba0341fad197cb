/**
 * Sockets inside a network namespace, for ordinary `net`, `http` and `dgram`
 * code on any thread. A socket belongs to the network namespace of the thread
 * that created it, for its whole life; so the calling thread enters the
 * namespace ({@link enterSync}) only for the `socket()` call (and `bind`,
 * `listen`), a few microseconds, and hands the fd to Node, which then serves
 * or connects inside the namespace while the thread itself stays outside.
 *
 * @module
 */
import { Socket } from 'node:net';
import { constants } from 'node:os';
import type { Server } from 'node:net';
import { errAsync, err, ok, ResultAsync, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { syscallError } from '../errors/from-errno.js';
import { AF_INET, IFF_UP, SIOCGIFFLAGS, SIOCSIFFLAGS, SO_REUSEADDR, SO_SNDTIMEO, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_STREAM, SOL_SOCKET } from '../ffi/constants.js';
import * as libc from '../ffi/libc.js';
import { closeFd } from '../ffi/syscall.js';
import { enterSync } from '../thread/enter-sync.js';
import type { TargetValue } from '../thread/target.js';
import { decodePort, encodeSockaddr, type SocketAddress } from './sockaddr.js';

const { EAGAIN, EINPROGRESS, EIO } = constants.errno;

export type { SocketAddress };

/** A socket fd made inside a namespace, with the address it is bound to. */
export interface NamespaceSocket {
  /** The fd; the caller owns it (hand it to Node, or close it). */
  readonly fd: number;
  /** The host or path bound. */
  readonly address: string;
  /** The port bound (the kernel's choice when 0 was asked); 0 for Unix sockets. */
  readonly port: number;
}

/** Options of {@link listenSocketIn}. */
export type ListenOptions = SocketAddress & {
  /** listen(2) backlog. Default 511, like Node. */
  readonly backlog?: number;
};

function inNet<T>(netns: TargetValue, fn: () => Result<T, NsError>): Result<T, NsError> {
  return enterSync({ net: netns }, fn).andThen((r) => r);
}

function makeSocket(family: number, type: number, blocking: boolean): Result<number, NsError> {
  const fd = libc.socket(family, type | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
  return fd >= 0 ? ok(fd) : err(syscallError('socket', libc.errno(), { namespace: 'net' }));
}

function bindTo(fd: number, addr: SocketAddress, enc: { buf: Uint8Array; len: number }, stream: boolean): Result<NamespaceSocket, NsError> {
  // SO_REUSEADDR only for TCP listeners (as Node does): on a UDP socket it would let a second
  // socket bind the same port and take its datagrams.
  if (stream && !('path' in addr)) {
    const one = new Uint8Array(new Int32Array([1]).buffer);
    libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, one, 4);
  }
  if (libc.bind(fd, enc.buf, enc.len) !== 0) {
    const e = syscallError('bind', libc.errno(), 'path' in addr ? { namespace: 'net', path: addr.path } : { namespace: 'net', address: hostPort(addr.host, addr.port) });
    return err(e);
  }
  if ('path' in addr) return ok({ fd, address: addr.path, port: 0 });
  const out = new Uint8Array(28);
  const len = new Uint32Array([28]);
  libc.getsockname(fd, out, len);
  return ok({ fd, address: addr.host, port: decodePort(out) });
}

/**
 * A listening TCP or Unix stream socket created inside the network namespace
 * `netns` (a path, pid, handle or `'new'`). Pass the fd to
 * `server.listen({ fd })`, or use {@link serveIn}.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { listenSocketIn } from '@linuxns/core';
 * const s = listenSocketIn('/run/netns/blue', { host: '127.0.0.1', port: 8080 });
 * if (s.isOk()) createServer((_, res) => res.end('hi')).listen({ fd: s.value.fd });
 * ```
 */
export function listenSocketIn(netns: TargetValue, options: ListenOptions): Result<NamespaceSocket, NsError> {
  const enc = encodeSockaddr(options);
  const backlog = options.backlog ?? 511;
  return inNet(netns, () =>
    makeSocket(enc.family, SOCK_STREAM, false).andThen((fd) => {
      const r = bindTo(fd, options, enc, true).andThen((s) => (libc.listen(fd, backlog) === 0 ? ok(s) : err(syscallError('listen', libc.errno(), { namespace: 'net' }))));
      if (r.isErr()) closeFd(fd);
      return r;
    }),
  );
}

/**
 * A bound UDP socket created inside `netns`. Pass the fd to
 * `dgram.createSocket('udp4').bind({ fd })` (or `'udp6'`).
 *
 * @example
 * ```ts
 * import { createSocket } from 'node:dgram';
 * import { udpSocketIn } from '@linuxns/core';
 * const s = udpSocketIn('/run/netns/blue', { host: '127.0.0.1', port: 0 });
 * if (s.isOk()) createSocket('udp4').bind({ fd: s.value.fd });
 * ```
 */
export function udpSocketIn(netns: TargetValue, address: SocketAddress): Result<NamespaceSocket, NsError> {
  const enc = encodeSockaddr(address);
  return inNet(netns, () =>
    makeSocket(enc.family, SOCK_DGRAM, false).andThen((fd) => {
      const r = bindTo(fd, address, enc, false);
      if (r.isErr()) closeFd(fd);
      return r;
    }),
  );
}

/**
 * Makes `server` (a `net.Server` or `http.Server`) listen inside `netns`:
 * {@link listenSocketIn}, then `server.listen({ fd })`. The calling thread
 * stays in its own namespace; connections are accepted inside `netns`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { serveIn } from '@linuxns/core';
 * const server = createServer((_, res) => res.end('inside'));
 * const r = serveIn('/run/netns/blue', server, { host: '127.0.0.1', port: 0 });
 * if (r.isOk()) console.log('listening inside on port', r.value.port);
 * ```
 */
export function serveIn(netns: TargetValue, server: Server, options: ListenOptions): Result<NamespaceSocket, NsError> {
  if (typeof (server as { listen?: unknown })?.listen !== 'function') throw new TypeError('server must be a net.Server or http.Server');
  return listenSocketIn(netns, options).map((s) => {
    try {
      server.listen({ fd: s.fd });
    } catch (e) {
      // Node refused at once (ERR_SERVER_ALREADY_LISTEN...): the fd is still ours to close.
      closeFd(s.fd);
      throw e;
    }
    return s;
  });
}

/** Options of {@link connectIn}. */
export interface ConnectOptions {
  /** Give up after this many ms (the error's code is then `ETIMEDOUT`). Default 10000. */
  readonly timeoutMs?: number;
}

/**
 * A TCP or Unix stream connection made from inside `netns`, as a connected
 * `net.Socket`. Only the `socket()` call runs inside the namespace (the
 * socket belongs to it for life); the connect itself is asynchronous and
 * never blocks the event loop. A TCP connect runs on the event loop (libuv's
 * non-blocking connect), so a slow peer occupies no thread of libuv's shared
 * threadpool.
 *
 * @example
 * ```ts
 * import { connectIn } from '@linuxns/core';
 * const r = await connectIn('/run/netns/blue', { host: '10.0.0.2', port: 80 });
 * if (r.isOk()) r.value.end('GET / HTTP/1.0\r\n\r\n');
 * ```
 */
export function connectIn(netns: TargetValue, address: SocketAddress, options: ConnectOptions = {}): ResultAsync<Socket, NsError> {
  const enc = encodeSockaddr(address);
  const timeoutMs = options.timeoutMs ?? 10000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be a positive integer, got ${timeoutMs}`);
  if ('path' in address) return connectUnix(netns, address.path, enc, timeoutMs);
  const made = inNet(netns, () => makeSocket(enc.family, SOCK_STREAM, false));
  if (made.isErr()) return errAsync(made.error);
  const fd = made.value;
  const host = address.host.replace(/^\[|\]$/g, '');
  const ctx = { namespace: 'net' as const, address: hostPort(address.host, address.port) };
  return new ResultAsync(
    new Promise<Result<Socket, NsError>>((resolve) => {
      let sock: Socket;
      try {
        sock = new Socket({ fd, readable: true, writable: true });
      } catch (x) {
        closeFd(fd);
        resolve(err(syscallError('connect', (x as { code?: string }).code ?? 'EIO', ctx)));
        return;
      }
      // Node's own connect on our fd: libuv connects the existing socket, which stays in netns.
      const fail = (code: string): void => {
        clearTimeout(timer);
        sock.off('error', onError);
        sock.destroy(); // closes the fd
        resolve(err(syscallError('connect', code, ctx)));
      };
      const onError = (e: { code?: unknown }): void => fail(typeof e?.code === 'string' ? e.code : 'EIO');
      const timer = setTimeout(() => fail('ETIMEDOUT'), timeoutMs);
      sock.once('error', onError);
      sock.connect({ host, port: address.port }, () => {
        clearTimeout(timer);
        sock.off('error', onError);
        resolve(ok(sock));
      });
    }),
  );
}

/** `host:port`, with an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  const h = host.replace(/^\[|\]$/g, '');
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

/** A Unix stream connect: immediate unless the listener's backlog is full, so a blocking connect off-thread is fine. */
function connectUnix(netns: TargetValue, where: string, enc: { buf: Uint8Array; len: number; family: number }, timeoutMs: number): ResultAsync<Socket, NsError> {
  const made = inNet(netns, () => makeSocket(enc.family, SOCK_STREAM, true));
  if (made.isErr()) return errAsync(made.error);
  const fd = made.value;
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(timeoutMs / 1000)), 0);
  tv.writeBigInt64LE(BigInt((timeoutMs % 1000) * 1000), 8);
  libc.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, 16);
  return new ResultAsync(
    new Promise<Result<Socket, NsError>>((resolve) => {
      // koffi's async call runs connect(2) on another thread: fine, the socket's namespace is already fixed.
      (libc.connect as unknown as { async(...a: unknown[]): void }).async(fd, enc.buf, enc.len, (e: unknown, rc: number) => {
        if (e || rc !== 0) {
          const errno = e ? EIO : libc.errno();
          closeFd(fd);
          resolve(err(syscallError('connect', errno === EINPROGRESS || errno === EAGAIN ? 'ETIMEDOUT' : errno, { namespace: 'net', path: where })));
          return;
        }
        resolve(ok(new Socket({ fd, readable: true, writable: true })));
      });
    }),
  );
}

/**
 * Brings the loopback interface `lo` of `netns` up (a fresh network namespace
 * starts with it down, so even 127.0.0.1 is unreachable there). Uses the
 * SIOCSIFFLAGS ioctl on a socket made inside; no `ip` process. Full link
 * configuration belongs to the netlink package.
 *
 * @example
 * ```ts
 * import { createNamespace, loopbackUp } from '@linuxns/core';
 * const up = await createNamespace('net').andThen((net) => loopbackUp(net).map(() => net));
 * up.match(
 *   (net) => console.log(`lo is up in ${String(net)}`),
 *   (e) => console.error(e.message),
 * );
 * ```
 */
export function loopbackUp(netns: TargetValue): Result<void, NsError> {
  return inNet(netns, () =>
    makeSocket(AF_INET, SOCK_DGRAM, false).andThen((fd) => {
      const ifr = Buffer.alloc(40);
      ifr.write('lo', 0, 'latin1');
      let r: Result<void, NsError> = ok(undefined);
      if (libc.ioctlPtr(fd, SIOCGIFFLAGS, ifr) !== 0) {
        r = err(syscallError('ioctl', libc.errno(), { namespace: 'net', request: 'SIOCGIFFLAGS lo' }));
      } else {
        ifr.writeUInt16LE(ifr.readUInt16LE(16) | IFF_UP, 16);
        if (libc.ioctlPtr(fd, SIOCSIFFLAGS, ifr) !== 0) r = err(syscallError('ioctl', libc.errno(), { namespace: 'net', request: 'SIOCSIFFLAGS lo' }));
      }
      closeFd(fd);
      return r;
    }),
  );
}
