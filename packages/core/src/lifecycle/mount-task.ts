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
import { MNT_DETACH, MOUNT_ATTR_RDONLY, UMOUNT_NOFOLLOW } from '../ffi/mount-flags.js';
import { bindTree } from '../ffi/mount-tree.js';

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
 * Bind-mounts inside the thread's mount namespace by the new mount API's
 * sequence ({@link bindTree}): a read-only mount is never writable, not even
 * for a moment, and nothing is attached on error.
 */
export function bindInside(req: BindRequest): { error?: NsError } {
  try {
    statSync(req.destination);
  } catch (x) {
    return { error: fsError(x, { path: req.destination, namespace: 'mnt' }) };
  }
  const failed = bindTree({
    ...(req.treeFd === undefined ? { source: req.source! } : { treeFd: req.treeFd }),
    target: req.destination,
    recursive: req.recursive,
    attrSet: req.readOnly ? MOUNT_ATTR_RDONLY : 0,
  });
  if (failed === undefined) return {};
  return { error: syscallError(failed.syscall, failed.errno, { path: failed.syscall === 'open_tree' ? req.source! : req.destination, namespace: 'mnt' }) };
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
