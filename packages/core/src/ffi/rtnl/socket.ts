/**
 * An rtnetlink (`NETLINK_ROUTE`) socket of the calling thread's network
 * namespace, and the {@link Wire} that sends requests on it and reads
 * replies: now (`MSG_DONTWAIT`, on the calling thread) or later (a blocking
 * read on libuv's pool, bounded by `SO_RCVTIMEO`). The socket belongs to the
 * namespace it was made in for life, whatever thread reads it later.
 *
 * @module
 * @internal
 */
import { constants } from 'node:os';
import { err, ok, type Result } from 'neverthrow';
import { syscallError } from '../../errors/from-errno.js';
import type { NsError } from '../../errors/ns-error.js';
import * as K from '../constants.js';
import * as libc from '../libc.js';

const { EINTR } = constants.errno;

/** The socket calls of one netlink socket, so that tests can put a fake kernel behind them. */
export interface Wire {
  /** Sends one datagram; 0 or an errno. */
  send(buf: Buffer): number;
  /** Non-blocking read into `buf`: the datagram's full length (`MSG_TRUNC`), or `-errno`. */
  recvNow(buf: Buffer): number;
  /** Blocking read (bounded by SO_RCVTIMEO) off the calling thread: the length, or -1. */
  recvLater(buf: Buffer, cb: (n: number) => void): void;
  /** Closes the socket. */
  close(): void;
}

/** The wire of the socket `fd`. */
export function fdWire(fd: number): Wire {
  return {
    send: (buf) => {
      for (;;) {
        if (libc.send(fd, buf, buf.length, 0) >= 0) return 0;
        const e = libc.errno();
        if (e !== EINTR) return e;
      }
    },
    recvNow: (buf) => {
      for (;;) {
        const n = libc.recv(fd, buf, buf.length, K.MSG_DONTWAIT | K.MSG_TRUNC);
        if (n >= 0) return n;
        const e = libc.errno();
        if (e !== EINTR) return -e;
      }
    },
    recvLater: (buf, cb) => libc.recvAsync(fd, buf, buf.length, K.MSG_TRUNC, cb),
    close: () => void libc.close(fd),
  };
}

/** A socket as created: its fd and its netlink port id. */
export interface RouteSocket {
  readonly fd: number;
  readonly portId: number;
}

/** Options of {@link openRouteSocket}. */
export interface RouteSocketOptions {
  /** `SO_RCVBUF` asked for (`SO_RCVBUFFORCE` first, which needs CAP_NET_ADMIN); default the system's. */
  readonly receiveBuffer?: number;
  /** `SO_RCVTIMEO`: how long a blocking read waits; default forever. */
  readonly receiveTimeoutMs?: number;
}

/**
 * Scratch memory of the socket calls below: a socket is made synchronously,
 * start to end, so one set serves every socket of this thread (no buffer
 * allocated per socket).
 */
const INT = Buffer.alloc(4);
const TIMEVAL = Buffer.alloc(16);
/** `struct sockaddr_nl` of a bind with a port id the kernel picks: AF_NETLINK, every other field 0. */
const BIND_ADDR = Buffer.alloc(12);
BIND_ADDR.writeUInt16LE(K.AF_NETLINK, 0);
const NAME = Buffer.alloc(12);
const NAME_LEN = new Uint32Array(1);

function setInt(fd: number, level: number, name: number, value: number): number {
  INT.writeInt32LE(value, 0);
  return libc.setsockopt(fd, level, name, INT, 4);
}

/**
 * Creates, configures and binds a `NETLINK_ROUTE` socket (`SOCK_CLOEXEC`)
 * in the calling thread's network namespace: errors carry the kernel's
 * explanation (`NETLINK_EXT_ACK`) without a copy of the request
 * (`NETLINK_CAP_ACK`), and requests are checked strictly
 * (`NETLINK_GET_STRICT_CHK`). Closes the fd on every error.
 */
export function openRouteSocket(options: RouteSocketOptions = {}): Result<RouteSocket, NsError> {
  const fd = libc.socket(K.AF_NETLINK, K.SOCK_RAW | K.SOCK_CLOEXEC, K.NETLINK_ROUTE);
  if (fd < 0) return err(syscallError('socket', libc.errno(), { namespace: 'net' }));
  const fail = (call: string, errno: number): Result<RouteSocket, NsError> => {
    libc.close(fd);
    return err(syscallError(call, errno, { namespace: 'net' }));
  };
  const rcvbuf = options.receiveBuffer;
  if (rcvbuf !== undefined && setInt(fd, K.SOL_SOCKET, K.SO_RCVBUFFORCE, rcvbuf) !== 0) setInt(fd, K.SOL_SOCKET, K.SO_RCVBUF, rcvbuf);
  setInt(fd, K.SOL_NETLINK, K.NETLINK_EXT_ACK, 1);
  setInt(fd, K.SOL_NETLINK, K.NETLINK_CAP_ACK, 1);
  setInt(fd, K.SOL_NETLINK, K.NETLINK_GET_STRICT_CHK, 1);
  if (options.receiveTimeoutMs !== undefined) {
    TIMEVAL.writeBigInt64LE(BigInt(Math.floor(options.receiveTimeoutMs / 1000)), 0);
    TIMEVAL.writeBigInt64LE(BigInt((options.receiveTimeoutMs % 1000) * 1000), 8);
    if (libc.setsockopt(fd, K.SOL_SOCKET, K.SO_RCVTIMEO, TIMEVAL, 16) !== 0) return fail('setsockopt', libc.errno());
  }
  if (libc.bind(fd, BIND_ADDR, 12) !== 0) return fail('bind', libc.errno());
  NAME_LEN[0] = 12;
  if (libc.getsockname(fd, NAME, NAME_LEN) !== 0) return fail('getsockname', libc.errno());
  return ok({ fd, portId: NAME.readUInt32LE(4) });
}
