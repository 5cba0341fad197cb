/**
 * Pool tasks of {@link mountIn} and {@link umountIn}: they run on a
 * NamespacePool worker whose thread is inside the target's mount namespace
 * (the pool entered it, with `unshare(CLONE_FS)` first, and restores it).
 * They return plain data: `{ error }` on failure.
 *
 * @module
 * @internal
 */
import { fsError, syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import * as libc from '../ffi/libc.js';
import { MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MNT_DETACH, UMOUNT_NOFOLLOW, AT_FDCWD, MOVE_MOUNT_F_EMPTY_PATH } from '../ffi/mount-flags.js';
import { statSync } from 'node:fs';


/** What {@link bindInside} does. */
export interface BindRequest {
  /** A source path resolved inside the target (when `treeFd` is not given). */
  readonly source?: string;
  /** A detached tree (open_tree in the caller's namespace) to attach instead. */
  readonly treeFd?: number;
  readonly destination: string;
  readonly readOnly: boolean;
  readonly recursive: boolean;
}

/** Bind-mounts inside the thread's mount namespace; nothing stays mounted on error. */
export function bindInside(req: BindRequest): { error?: NsError } {
  try {
    statSync(req.destination);
  } catch (x) {
    return { error: fsError(x, { path: req.destination, namespace: 'mnt' }) };
  }
  if (req.treeFd !== undefined) {
    if (libc.moveMount(req.treeFd, '', AT_FDCWD, req.destination, MOVE_MOUNT_F_EMPTY_PATH) !== 0) {
      return { error: syscallError('move_mount', libc.errno(), { path: req.destination, namespace: 'mnt' }) };
    }
  } else if (libc.mount(req.source!, req.destination, null, MS_BIND | (req.recursive ? MS_REC : 0), null) !== 0) {
    return { error: syscallError('mount', libc.errno(), { path: req.source!, namespace: 'mnt' }) };
  }
  if (req.readOnly && libc.mount(null, req.destination, null, MS_BIND | MS_REMOUNT | MS_RDONLY, null) !== 0) {
    const error = syscallError('mount', libc.errno(), { path: req.destination, namespace: 'mnt' });
    libc.umount2(req.destination, MNT_DETACH);
    return { error };
  }
  return {};
}

/** Unmounts each path inside the thread's mount namespace; one that is not mounted (or missing) is skipped. */
export function unmountInside(req: { paths: readonly string[]; detach: boolean }): { error?: NsError; unmounted: string[]; notMounted: string[] } {
  const unmounted: string[] = [];
  const notMounted: string[] = [];
  for (const path of req.paths) {
    if (libc.umount2(path, UMOUNT_NOFOLLOW | (req.detach ? MNT_DETACH : 0)) === 0) {
      unmounted.push(path);
      continue;
    }
    const errno = libc.errno();
    if (errno === 22 || errno === 2) {
      notMounted.push(path);
      continue;
    }
    return { error: syscallError('umount2', errno, { path, namespace: 'mnt' }), unmounted, notMounted };
  }
  return { unmounted, notMounted };
}
