/**
 * Pins: a namespace bind-mounted onto a file (LinuxKit's BindNS, `ip netns
 * add`, `unshare --net=FILE`), so it outlives every process and handle in it.
 *
 * @module
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError, syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import * as libc from '../ffi/libc.js';
import { threadMounts } from '../introspect/mountinfo.js';
import { MS_BIND, MS_REC, MS_PRIVATE, MNT_DETACH, UMOUNT_NOFOLLOW } from '../ffi/mount-flags.js';
import { NamespaceHandle } from '../namespace/handle.js';
import { cloneFlag, type NamespaceType } from '../namespace/kind.js';
import { openNamespace, openProcessNamespace } from '../namespace/open.js';
import { checkPid } from '../namespace/paths.js';
import { identityOfFd, sameNamespace, threadNamespaceIdentity } from '../namespace/identity.js';


/** A namespace of a process, for {@link pin}. */
export interface ProcessNamespace {
  readonly pid: number;
  readonly type: NamespaceType;
  /**
   * For pid and time: the namespace the process's children get
   * (`pid_for_children`/`time_for_children`), e.g. after the process
   * unshared one, instead of the one it is in. Default false.
   */
  readonly forChildren?: boolean;
}

/** How {@link bindPin} treats the path. */
export interface BindPinOptions {
  /** Create missing parent directories (0755), removed again on failure. */
  readonly createParents: boolean;
  /** Use an existing empty regular file as the mount point (never removed). */
  readonly reuseEmptyFile: boolean;
}

/**
 * The mount of the calling thread's mount namespace that holds `dir`: its
 * mount point, whether `dir` is that mount point, and whether it is shared.
 */
function mountHolding(dir: string): { mountPoint: string; isMountPoint: boolean; shared: boolean } {
  let best = { mountPoint: '/', isMountPoint: dir === '/', shared: false };
  let bestLength = -1;
  for (const m of threadMounts()) {
    const at = m.mountPoint;
    // The last of equal mount points is the one on top.
    if ((at === dir || at === '/' || dir.startsWith(`${at}/`)) && at.length >= bestLength) {
      bestLength = at.length;
      best = { mountPoint: at, isMountPoint: at === dir, shared: m.shared };
    }
  }
  return best;
}

/**
 * The directory of a mnt-namespace pin must not propagate into the pinned
 * namespace (the kernel refuses such a loop with EINVAL, util-linux#289):
 * like util-linux documents, make the directory a private mount of its own
 * (a bind of itself). A directory that is already a mount point is left as
 * it is (its sharing may be wanted, as /run/netns's is).
 */
function privatizeDirectory(dir: string): Result<void, NsError> {
  return bindOnItself(dir, MS_PRIVATE);
}

/**
 * Makes `dir` a mount point of its own (a recursive bind of itself) with
 * `propagation` (MS_PRIVATE, MS_SHARED | MS_REC...); on failure nothing stays.
 */
export function bindOnItself(dir: string, propagation: number): Result<void, NsError> {
  if (libc.mount(dir, dir, null, MS_BIND | MS_REC, null) !== 0) return err(syscallError('mount', libc.errno(), { path: dir }));
  if (libc.mount(null, dir, null, propagation, null) !== 0) {
    const e = syscallError('mount', libc.errno(), { path: dir });
    libc.umount2(dir, MNT_DETACH);
    return err(e);
  }
  return ok(undefined);
}

/**
 * Bind-mounts the namespace open at `fd` (of `type`) onto `path`, creating
 * what `options` allow; on failure removes what it created. Shared by
 * {@link pin} and `pinNamespace`.
 */
export function bindPin(fd: number, type: NamespaceType, label: string, path: string, options: BindPinOptions): Result<void, NsError> {
  if (!path.startsWith('/')) return err({ kind: 'invalid-target', namespace: type, value: path, message: `pin path ${JSON.stringify(path)} must be absolute` });
  const own = type === 'mnt' ? threadNamespaceIdentity('mnt') : undefined;
  if (own?.isOk() && sameNamespace(identityOfFd(fd, 'mnt'), own.value)) {
    // The kernel refuses a mount namespace's pin inside itself (or any older one: mnt_ns_loop).
    return err({
      kind: 'invalid-target',
      namespace: type,
      value: path,
      message: `cannot pin ${label} to '${path}': it is the caller's own mount namespace, and the kernel refuses a mount namespace pinned inside itself; pin it from another (older) mount namespace`,
    });
  }
  path = resolve(path);
  const createdDirs: string[] = [];
  let createdFile = false;
  const undo = (): void => {
    if (createdFile) {
      try {
        unlinkSync(path);
      } catch {
        /* nothing more can be done; the caller gets the first error */
      }
    }
    for (const d of createdDirs.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* as above */
      }
    }
  };
  const fail = (e: NsError): Result<void, NsError> => {
    undo();
    return err(e);
  };

  if (options.createParents) {
    const missing: string[] = [];
    for (let d = dirname(path); d !== '/'; d = dirname(d)) {
      try {
        lstatSync(d);
        break;
      } catch {
        missing.unshift(d);
      }
    }
    for (const d of missing) {
      try {
        mkdirSync(d, 0o755);
        createdDirs.push(d);
      } catch (x) {
        return fail(fsError(x, { path: d }));
      }
    }
  }

  let st: ReturnType<typeof lstatSync> | undefined;
  try {
    st = lstatSync(path);
  } catch {
    st = undefined;
  }
  if (st !== undefined) {
    if (!options.reuseEmptyFile) return fail({ kind: 'already-exists', path, message: `cannot pin ${label} to '${path}': it already exists` });
    // Checked before anything opens it: opening a device node can have effects of its own. (A pin lstats as a regular file.)
    if (!st.isFile()) return fail({ kind: 'already-exists', path, message: `cannot pin ${label} to '${path}': it exists and is not a regular file` });
    const existing = openNamespace(path);
    if (existing.isOk()) {
      const what = String(existing.value);
      existing.value.close();
      return fail({ kind: 'already-exists', path, message: `cannot pin ${label} to '${path}': ${what} is pinned there already (unpin it first)` });
    }
    if (st.size !== 0) return fail({ kind: 'already-exists', path, message: `cannot pin ${label} to '${path}': it is a file that is not empty (a pin hides its content; remove it or choose another path)` });
  } else {
    try {
      closeSync(openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL, 0o444));
      createdFile = true;
    } catch (x) {
      const e = fsError(x, { path, namespace: type });
      if ('code' in e && e.code === 'EEXIST') return fail({ kind: 'already-exists', path, message: `cannot pin ${label} to '${path}': it already exists` });
      if (e.kind === 'not-found') {
        // The file is what open() was asked to make: what is missing is a directory above it.
        return fail({ ...e, message: `cannot pin ${label} to '${path}': the directory ${dirname(path)} does not exist (create it first, or use pin without exclusive, which creates it)` });
      }
      return fail(e);
    }
  }

  const source = `/proc/self/fd/${fd}`;
  if (libc.mount(source, path, null, MS_BIND, null) !== 0) {
    const errno = libc.errno();
    if (type === 'mnt' && errno === 22) {
      const dir = dirname(path);
      const holder = mountHolding(dir);
      if (holder.shared && !holder.isMountPoint) {
        // util-linux#289: the pin would propagate into the pinned namespace. Make the directory private.
        if (privatizeDirectory(dir).isOk()) {
          if (libc.mount(source, path, null, MS_BIND, null) === 0) return ok(undefined);
          libc.umount2(dir, MNT_DETACH);
        }
      }
      const e = syscallError('mount', 'EINVAL', { path, namespace: type });
      return fail({
        ...e,
        message: holder.shared
          ? `${e.message}: a mount namespace can only be pinned where the mount does not propagate into it (util-linux#289), and '${holder.mountPoint}' is a shared mount: pin elsewhere, or make it private first (mount --make-private ${holder.mountPoint})`
          : `${e.message}: the kernel refuses to pin a mount namespace that is not newer than the caller's (mnt_ns_loop): pin it from an older mount namespace`,
      });
    }
    return fail(syscallError('mount', errno, { path, namespace: type }));
  }
  return ok(undefined);
}

/** Options of {@link pin}. */
export interface PinOptions {
  /**
   * `path` must not exist (not even as an empty file) and its directory must:
   * `already-exists` or `not-found` otherwise, and nothing is created. Default false.
   */
  readonly exclusive?: boolean;
}

/**
 * Pins a namespace to `path`: the namespace of `target` (a
 * {@link NamespaceHandle}, or `{ pid, type }` for a process's, with
 * `forChildren` for its `pid_for_children`/`time_for_children`) is
 * bind-mounted onto `path`, so it lives until {@link unpin} whatever happens
 * to processes and handles. Missing parent directories are created; `path`
 * itself is created as an empty file, or may be an existing empty file. A
 * non-empty file, a directory or an existing pin there gives
 * `already-exists`. A mount namespace pinned under a shared mount would
 * propagate into itself (util-linux#289): its directory is first made a
 * private mount of its own, unless it is a mount point already (then an
 * error says what to do). On any error, what was created is removed.
 * With `exclusive`, `path` must not exist at all and its directory must.
 *
 * Throws `TypeError` for a closed handle or arguments of the wrong type.
 *
 * @example
 * ```ts
 * import { pin, unpin } from '@linuxns/core';
 * const r = pin({ pid: process.pid, type: 'uts' }, '/run/linuxns/example/uts');
 * if (r.isErr()) console.error(r.error.message);
 * else unpin('/run/linuxns/example/uts');
 * ```
 */
export function pin(target: NamespaceHandle | ProcessNamespace, path: string, options: PinOptions = {}): Result<void, NsError> {
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const rules = options.exclusive === true ? { createParents: false, reuseEmptyFile: false } : { createParents: true, reuseEmptyFile: true };
  if (target instanceof NamespaceHandle) {
    return bindPin(target.fd, target.type, String(target), path, rules);
  }
  if (typeof target !== 'object' || target === null) throw new TypeError('target must be a NamespaceHandle or { pid, type }');
  checkPid(target.pid);
  cloneFlag(target.type);
  const forChildren = target.forChildren === true;
  const h = openProcessNamespace(target.pid, target.type, { forChildren });
  if (h.isErr()) return err(h.error);
  try {
    return bindPin(h.value.fd, h.value.type, `${String(h.value)} of process ${target.pid}`, path, rules);
  } finally {
    h.value.close();
  }
}

/**
 * Undoes a pin (made by {@link pin}, `pinNamespace`, `ip netns add`,
 * `unshare --net=FILE`...): unmounts it and removes the file. A path on
 * which no namespace is pinned gives `not-pinned` and is left alone; a
 * missing one `not-found`.
 *
 * @example
 * ```ts
 * import { unpin } from '@linuxns/core';
 * const r = unpin('/run/linuxns/example/uts');
 * if (r.isErr()) console.error(r.error.kind); // 'not-found' when nothing is there
 * ```
 */
export function unpin(path: string): Result<void, NsError> {
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  const h = openNamespace(path);
  if (h.isErr()) {
    if (h.error.kind === 'not-a-namespace' || h.error.kind === 'is-a-directory') {
      return err({ kind: 'not-pinned', path, message: `'${path}' is not a pinned namespace (${h.error.message})` });
    }
    return err(h.error);
  }
  h.value.close();
  if (libc.umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) !== 0) {
    const errno = libc.errno();
    if (errno === 22) return err({ kind: 'not-pinned', path, message: `'${path}' is a namespace file but not a pin (not a mount point, e.g. a /proc/PID/ns link)` });
    return err(syscallError('umount2', errno, { path }));
  }
  try {
    unlinkSync(path);
  } catch (x) {
    return err(fsError(x, { path }));
  }
  return ok(undefined);
}

/**
 * `pin(handle, path, { exclusive: true })`: `path` must not exist (not even
 * as an empty file) and its directory must. Kept for code written before
 * {@link pin}; the action has one name now.
 *
 * @deprecated Use {@link pin} (with `{ exclusive: true }` for these rules).
 *
 * @example
 * ```ts
 * import { createNamespace, pinNamespace, unpinNamespace } from '@linuxns/core';
 * const h = await createNamespace('net');
 * if (h.isOk()) {
 *   const pinned = pinNamespace(h.value, '/run/netns/demo');
 *   h.value.close(); // still alive if pinned
 *   if (pinned.isOk()) unpinNamespace('/run/netns/demo');
 * }
 * ```
 */
export function pinNamespace(handle: NamespaceHandle, path: string): Result<void, NsError> {
  if (!(handle instanceof NamespaceHandle)) throw new TypeError('handle must be a NamespaceHandle');
  return pin(handle, path, { exclusive: true });
}

/**
 * The same as {@link unpin}, under the name that went with
 * {@link pinNamespace}.
 *
 * @deprecated Use {@link unpin}.
 *
 * @example
 * ```ts
 * import { unpinNamespace } from '@linuxns/core';
 * const r = unpinNamespace('/run/netns/demo');
 * if (r.isErr()) console.error(r.error.message);
 * ```
 */
export const unpinNamespace: (path: string) => Result<void, NsError> = unpin;
