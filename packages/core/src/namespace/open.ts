/**
 * Openers: a namespace by path, by process and type, or the calling
 * thread's own. Every fd is opened `O_RDONLY|O_CLOEXEC|O_NONBLOCK|O_NOCTTY`
 * (so a FIFO or a tty passed by mistake cannot block or become a controlling
 * terminal) and closed on every error path.
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { nsTypeFlag, setCloexec } from '../ffi/syscall.js';
import { NamespaceHandle } from './handle.js';
import { cloneFlag, isNamespaceType, typeFromCloneFlag, unknownNamespaceType, type NamespaceType } from './kind.js';
import { processNamespacePath, threadNamespacePath, type NsPathOptions } from './paths.js';

/** Flags every namespace fd is opened with (libuv adds O_CLOEXEC). */
export const NS_OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

function fileTypeName(mode: bigint): string {
  const fmt = Number(mode) & 0o170000;
  switch (fmt) {
    case 0o100000:
      return 'regular-file';
    case 0o120000:
      return 'symlink';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    case 0o020000:
    case 0o060000:
      return 'device';
    default:
      return 'other';
  }
}

function isSocketFile(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * Checks that `fd` (opened from `path`) is a namespace, of `expected` if
 * given; returns its type. Does not close `fd`.
 */
export function classifyNamespaceFd(fd: number, path: string, expected?: NamespaceType): Result<NamespaceType, NsError> {
  const flag = nsTypeFlag(fd);
  const type = flag > 0 ? typeFromCloneFlag(flag) : undefined;
  if (type === undefined) {
    const st = fstatSync(fd, { bigint: true });
    if ((Number(st.mode) & 0o170000) === 0o040000) {
      return err({ kind: 'is-a-directory', path, message: `'${path}' is a directory, not a namespace file (did you mean '${path.replace(/\/$/, '')}/net'?)` });
    }
    const fileType = fileTypeName(st.mode);
    return err({ kind: 'not-a-namespace', path, fileType, message: `'${path}' is a ${fileType.replace('-', ' ')}, not a namespace file` });
  }
  if (expected !== undefined && type !== expected) {
    return err({
      kind: 'wrong-namespace-type',
      path,
      expected,
      actual: type,
      message: `'${path}' is a ${type} namespace, not the ${expected} namespace asked for`,
    });
  }
  return ok(type);
}

/**
 * Opens the namespace file at `path` (a `/proc/PID/ns/X` link, a bind-mount
 * pin such as `/run/netns/NAME`, ...). With `expectedType`, a namespace of
 * another type is refused (`wrong-namespace-type`). A regular file
 * or a socket (`not-a-namespace`), a directory (`is-a-directory`) or a
 * missing path (`not-found`) get errors of their own.
 *
 * @example
 * ```ts
 * import { openNamespace } from '@linuxns/core';
 * const r = openNamespace('/proc/self/ns/user', 'net');
 * if (r.isErr()) console.log(r.error.kind); // 'wrong-namespace-type'
 * ```
 */
export function openNamespace(path: string, expectedType?: NamespaceType): Result<NamespaceHandle, NsError> {
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  if (expectedType !== undefined && !isNamespaceType(expectedType)) {
    if (typeof expectedType !== 'string') throw new TypeError(`expectedType must be a namespace type name, got ${typeof expectedType}`);
    return err(unknownNamespaceType(expectedType, ' (expectedType)'));
  }
  let fd: number;
  try {
    fd = openSync(path, NS_OPEN_FLAGS);
  } catch (e) {
    // open(2) of a Unix socket fails with ENXIO: say what the path is instead.
    if ((e as { code?: unknown })?.code === 'ENXIO' && isSocketFile(path)) {
      return err({ kind: 'not-a-namespace', path, fileType: 'socket', message: `'${path}' is a socket, not a namespace file` });
    }
    return err(fsError(e, { path, ...(expectedType ? { namespace: expectedType } : {}) }));
  }
  const t = classifyNamespaceFd(fd, path, expectedType);
  if (t.isErr()) {
    closeSync(fd);
    return err(t.error);
  }
  return ok(NamespaceHandle.adopt(fd, t.value, path));
}

/**
 * Opens `/proc/PID/ns/TYPE` (or `pid_for_children`/`time_for_children` with
 * `forChildren`). A pid that does not exist gives `no-such-process`.
 *
 * @example
 * ```ts
 * import { openProcessNamespace } from '@linuxns/core';
 * const r = openProcessNamespace(process.pid, 'uts');
 * r.map((h) => { console.log(String(h)); h.close(); });
 * ```
 */
export function openProcessNamespace(pid: number, type: NamespaceType, options: NsPathOptions = {}): Result<NamespaceHandle, NsError> {
  const path = processNamespacePath(pid, type, options);
  return openNamespace(path, type);
}

/**
 * Opens the calling thread's own namespace of `type`
 * (`/proc/thread-self/ns/TYPE`). On the main thread this equals the
 * process's; in a worker inside {@link NamespacePool.run} it is the target.
 *
 * @example
 * ```ts
 * import { openThreadNamespace } from '@linuxns/core';
 * const me = openThreadNamespace('net');
 * if (me.isOk()) {
 *   console.log(String(me.value));
 *   me.value.close();
 * }
 * ```
 */
export function openThreadNamespace(type: NamespaceType, options: NsPathOptions = {}): Result<NamespaceHandle, NsError> {
  const path = threadNamespacePath(type, options);
  return openNamespace(path, type);
}


/**
 * Wraps a namespace fd the caller already has (from a C library, an
 * inherited fd, `/proc/PID/fd/N`...) in a {@link NamespaceHandle}, which then
 * owns it: `close()` closes `fd`. The fd is checked with
 * `ioctl(NS_GET_NSTYPE)` and made close-on-exec. On an error the fd stays
 * the caller's, open and unchanged. Throws `TypeError` when `fd` is not a
 * non-negative integer.
 *
 * @example
 * ```ts
 * import { openSync } from 'node:fs';
 * import { adoptNamespaceFd } from '@linuxns/core';
 * const fd = openSync('/proc/self/ns/uts', 'r');
 * const h = adoptNamespaceFd(fd, 'uts'); // when ok, the handle owns fd
 * if (h.isOk()) h.value.close();
 * ```
 */
export function adoptNamespaceFd(fd: number, expectedType?: NamespaceType): Result<NamespaceHandle, NsError> {
  if (typeof fd !== 'number' || !Number.isInteger(fd)) throw new TypeError(`fd must be an integer, got ${String(fd)}`);
  if (fd < 0 || fd > 0x7fffffff) throw new RangeError(`fd must be from 0 to 2147483647, got ${fd}`);
  if (expectedType !== undefined) cloneFlag(expectedType);
  const path = `fd ${fd}`;
  // Checked first: on an error the caller's fd must be left exactly as it was.
  let t: Result<NamespaceType, NsError>;
  try {
    t = classifyNamespaceFd(fd, path, expectedType);
  } catch (x) {
    return err(fsError(x, { path })); // EBADF: not an open fd
  }
  if (t.isErr()) return err(t.error);
  const cloexec = setCloexec(fd, { path });
  if (cloexec.isErr()) return err(cloexec.error);
  return ok(NamespaceHandle.adopt(fd, t.value));
}
