/**
 * Mounts and unmounts inside another mount namespace (iSulad's lxcfs
 * tool), through a {@link NamespacePool} worker instead of a re-exec: the
 * worker joins the target's mount namespace, mounts, and comes back. The
 * caller's own mount table is never touched.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { errAsync, err, ok, ResultAsync, type Result } from 'neverthrow';
import { syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import * as libc from '../ffi/libc.js';
import { AT_FDCWD, AT_RECURSIVE, OPEN_TREE_CLONE, OPEN_TREE_CLOEXEC } from '../ffi/mount-flags.js';
import { NamespaceHandle } from '../namespace/handle.js';
import { openNamespace, openProcessNamespace, openThreadNamespace } from '../namespace/open.js';
import { checkPid } from '../namespace/paths.js';
import { NamespacePool } from '../thread/pool.js';
import type { BindRequest } from './mount-task.js';

const TASKS = new URL('./mount-task.js', import.meta.url);

/** A mount namespace to work in: a process (pid), a pinned mount namespace (path) or a handle. */
export type MountTarget = number | string | NamespaceHandle;

/** Options of {@link mountIn}. */
export interface MountInOptions {
  /** Make the new mount read-only (with `recursive`, every submount too), before it is attached: never writable, not even for a moment. Default false. */
  readonly readOnly?: boolean;
  /** Bind the submounts of `source` too. Default false. */
  readonly recursive?: boolean;
  /**
   * Resolve `source` in the caller's mount namespace (`open_tree` there,
   * `move_mount` inside), e.g. to show a host directory in a container.
   * Default false: `source` is a path inside the target.
   */
  readonly sourceInCaller?: boolean;
  /** The pool whose worker does the work; default a shared one-thread pool made on first use. */
  readonly pool?: NamespacePool;
}

/** Options of {@link umountIn}. */
export interface UmountInOptions {
  /** Lazy unmount (`MNT_DETACH`) instead of failing with `EBUSY`. Default false. */
  readonly detach?: boolean;
  /** As in {@link MountInOptions}. */
  readonly pool?: NamespacePool;
}

/** What {@link umountIn} did. */
export interface UmountInResult {
  readonly unmounted: string[];
  /** Paths that were not mounted (or do not exist): not an error. */
  readonly notMounted: string[];
}

let shared: NamespacePool | undefined;
/** The shared pool: one worker, made on first use; idle, it does not keep the process alive. */
function sharedPool(): NamespacePool {
  if (shared === undefined || shared.closed) shared = new NamespacePool({ threads: 1 });
  return shared;
}

/** The pool to use: the option (a TypeError now if it is not an open NamespacePool, before anything is opened), or the shared one. */
function poolOf(pool: unknown): NamespacePool {
  if (pool === undefined) return sharedPool();
  if (!(pool instanceof NamespacePool)) throw new TypeError('options.pool must be a NamespacePool');
  if (pool.closed) throw new TypeError('options.pool is closed');
  return pool;
}

/**
 * Opens the target's mount namespace and refuses one that is the caller's
 * own (a process without a mount namespace of its own): mounting "inside" it
 * would change the caller's mount table.
 */
function openTarget(target: MountTarget, what: string): Result<NamespaceHandle, NsError> {
  let h: Result<NamespaceHandle, NsError>;
  if (target instanceof NamespaceHandle) {
    if (target.type !== 'mnt') {
      return err({ kind: 'wrong-namespace-type', path: target.path ?? String(target), expected: 'mnt', actual: target.type, message: `${what} needs a mount namespace, got ${String(target)}` });
    }
    h = target.dup();
  } else if (typeof target === 'number') {
    checkPid(target);
    h = openProcessNamespace(target, 'mnt');
  } else if (typeof target === 'string') {
    h = openNamespace(target, 'mnt');
  } else {
    throw new TypeError('target must be a pid, a path or a NamespaceHandle');
  }
  if (h.isErr()) return h;
  const mine = openThreadNamespace('mnt');
  if (mine.isErr()) {
    h.value.close();
    return err(mine.error);
  }
  const same = mine.value.equals(h.value);
  mine.value.close();
  if (same) {
    h.value.close();
    const who = typeof target === 'number' ? `process ${target}` : String(h.value);
    return err({
      kind: 'invalid-target',
      namespace: 'mnt',
      value: String(target),
      message: `${who} has no mount namespace of its own (it shares the caller's, ${String(h.value)}): ${what} would change the caller's own mount table; mount directly instead`,
    });
  }
  return h;
}

function checkPath(name: string, path: unknown): asserts path is string {
  if (typeof path !== 'string') throw new TypeError(`${name} must be a string, got ${typeof path}`);
  if (!path.startsWith('/')) throw new TypeError(`${name} must be an absolute path, got ${JSON.stringify(path)}`);
}

/**
 * Bind-mounts `source` onto `destination` inside the mount namespace of
 * `target` (a pid, a pinned mount namespace's path, or a handle), through
 * a pool worker that joins it. `source` is a path inside the target, or in
 * the caller's namespace with `sourceInCaller` (`open_tree` here,
 * `move_mount` there). `destination` must exist inside the target. A
 * process that shares the caller's mount namespace gives `invalid-target`.
 * Nothing stays mounted on error; the caller's own mount table is untouched.
 *
 * Throws `TypeError` for paths that are not absolute strings.
 *
 * @example
 * ```ts
 * import { mountIn, umountIn } from '@linuxns/core';
 * const containerPid = 4242;
 * const r = await mountIn(containerPid, '/srv/shared', '/mnt/shared', { sourceInCaller: true, readOnly: true });
 * if (r.isErr()) console.error(r.error.message);
 * await umountIn(containerPid, '/mnt/shared');
 * ```
 */
export function mountIn(target: MountTarget, source: string, destination: string, options: MountInOptions = {}): ResultAsync<void, NsError> {
  checkPath('source', source);
  checkPath('destination', destination);
  const pool = poolOf(options.pool);
  const h = openTarget(target, 'mountIn');
  if (h.isErr()) return errAsync(h.error);
  const handle = h.value;
  let treeFd: number | undefined;
  if (options.sourceInCaller === true) {
    const fd = libc.openTree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (options.recursive === true ? AT_RECURSIVE : 0));
    if (fd < 0) {
      handle.close();
      return errAsync(syscallError('open_tree', libc.errno(), { path: source }));
    }
    treeFd = fd;
  }
  const req: BindRequest = {
    ...(treeFd === undefined ? { source } : { treeFd }),
    destination,
    readOnly: options.readOnly === true,
    recursive: options.recursive === true,
  };
  const done = (): void => {
    handle.close();
    if (treeFd !== undefined) closeSync(treeFd);
  };
  let running: ResultAsync<{ error?: NsError }, NsError>;
  try {
    running = pool.run<{ error?: NsError }>({ mnt: handle }, TASKS, 'bindInside', req);
  } catch (e) {
    done();
    throw e;
  }
  return running
    .andThen((r) => (r.error ? err(r.error) : ok(undefined)))
    .map((v) => (done(), v))
    .mapErr((e) => (done(), e));
}

/**
 * Unmounts `paths` inside the mount namespace of `target`, through a pool
 * worker. A path that is not mounted (or does not exist) there is not an
 * error (iSulad): it is listed in `notMounted`. The caller's own mount
 * table is untouched.
 *
 * @example
 * ```ts
 * import { umountIn } from '@linuxns/core';
 * const r = await umountIn(4242, ['/mnt/shared', '/mnt/other'], { detach: true });
 * if (r.isOk()) console.log(r.value.unmounted, r.value.notMounted);
 * ```
 */
export function umountIn(target: MountTarget, paths: string | readonly string[], options: UmountInOptions = {}): ResultAsync<UmountInResult, NsError> {
  const list: readonly string[] = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list)) throw new TypeError('paths must be a string or an array of strings');
  list.forEach((p, i) => checkPath(`paths[${i}]`, p));
  const pool = poolOf(options.pool);
  const h = openTarget(target, 'umountIn');
  if (h.isErr()) return errAsync(h.error);
  const handle = h.value;
  let running: ResultAsync<{ error?: NsError; unmounted: string[]; notMounted: string[] }, NsError>;
  try {
    running = pool.run<{ error?: NsError; unmounted: string[]; notMounted: string[] }>({ mnt: handle }, TASKS, 'unmountInside', { paths: list.slice(), detach: options.detach === true });
  } catch (e) {
    handle.close();
    throw e;
  }
  return running
    .andThen((r) => (r.error ? err(r.error) : ok({ unmounted: r.unmounted, notMounted: r.notMounted })))
    .map((v) => (handle.close(), v))
    .mapErr((e) => (handle.close(), e));
}
