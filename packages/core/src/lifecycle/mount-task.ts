/**
 * Pool tasks of {@link mountIn} and {@link umountIn}: they run on a
 * NamespacePool worker whose thread is inside the target's mount namespace
 * (the pool entered it, with `unshare(CLONE_FS)` first, and restores it).
 * They return plain data: `{ error }` on failure.
 *
 * @module
 * @internal
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fsError, syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import * as libc from '../ffi/libc.js';
import { threadMounts } from '../introspect/mountinfo.js';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_RECURSIVE,
  MNT_DETACH,
  mountAttr,
  MOUNT_ATTR_RDONLY,
  MOVE_MOUNT_F_EMPTY_PATH,
  OPEN_TREE_CLOEXEC,
  OPEN_TREE_CLONE,
  UMOUNT_NOFOLLOW,
} from '../ffi/mount-flags.js';

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

/**
 * Bind-mounts inside the thread's mount namespace: a detached copy of the
 * source (`open_tree`), made read-only while still detached
 * (`mount_setattr`), then attached (`move_mount`) — so a read-only mount is
 * never writable, not even for a moment. Nothing is attached on error.
 */
export function bindInside(req: BindRequest): { error?: NsError } {
  try {
    statSync(req.destination);
  } catch (x) {
    return { error: fsError(x, { path: req.destination, namespace: 'mnt' }) };
  }
  const recursive = req.recursive ? AT_RECURSIVE : 0;
  let tree = req.treeFd;
  const opened = tree === undefined;
  if (tree === undefined) {
    tree = libc.openTree(AT_FDCWD, req.source!, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive);
    if (tree < 0) return { error: syscallError('open_tree', libc.errno(), { path: req.source!, namespace: 'mnt' }) };
  }
  try {
    if (req.readOnly && libc.mountSetattr(tree, '', AT_EMPTY_PATH | recursive, mountAttr(MOUNT_ATTR_RDONLY)) !== 0) {
      return { error: syscallError('mount_setattr', libc.errno(), { path: req.destination, namespace: 'mnt' }) };
    }
    if (libc.moveMount(tree, '', AT_FDCWD, req.destination, MOVE_MOUNT_F_EMPTY_PATH) !== 0) {
      return { error: syscallError('move_mount', libc.errno(), { path: req.destination, namespace: 'mnt' }) };
    }
    return {};
  } finally {
    if (opened) libc.close(tree);
  }
}

/** True when `path` is a mount point of the calling thread's mount namespace. */
function isMountPoint(path: string): boolean {
  const want = resolve(path);
  return threadMounts().some((m) => m.mountPoint === want);
}

/**
 * Unmounts each path inside the thread's mount namespace. One that is not
 * mounted (or missing) is skipped; one that is mounted but cannot be
 * unmounted (`EINVAL` for a locked mount, one a less privileged namespace
 * got from its parent) is an error, not "not mounted".
 */
export function unmountInside(req: { paths: readonly string[]; detach: boolean }): { error?: NsError; unmounted: string[]; notMounted: string[] } {
  const unmounted: string[] = [];
  const notMounted: string[] = [];
  for (const path of req.paths) {
    if (libc.umount2(path, UMOUNT_NOFOLLOW | (req.detach ? MNT_DETACH : 0)) === 0) {
      unmounted.push(path);
      continue;
    }
    const errno = libc.errno();
    if (errno === 2 || (errno === 22 && !isMountPoint(path))) {
      notMounted.push(path);
      continue;
    }
    const error = syscallError('umount2', errno, { path, namespace: 'mnt' });
    if (errno === 22 && 'code' in error) {
      return { error: { ...error, message: `${error.message}: '${path}' is a mount point there but cannot be unmounted (e.g. a locked mount, inherited from a more privileged mount namespace)` }, unmounted, notMounted };
    }
    return { error, unmounted, notMounted };
  }
  return { unmounted, notMounted };
}
