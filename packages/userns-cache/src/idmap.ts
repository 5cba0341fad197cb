/**
 * Id-mapped bind mounts: `open_tree(OPEN_TREE_CLONE)` of the source,
 * `mount_setattr(MOUNT_ATTR_IDMAP)` with a user namespace, `move_mount`
 * onto the target — what runc does for id-mapped rootfs and volume mounts.
 *
 * @module
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { NamespaceHandle, errnoName, syscallError, type NsError } from '@linuxns/core';
import { bindTree, libc, MNT_DETACH, MOUNT_ATTR_IDMAP, MOUNT_ATTR_RDONLY, UMOUNT_NOFOLLOW } from '@linuxns/core/ffi';
import { UsernsCache } from './cache.js';
import type { Mapping } from './mapping.js';
import type { UsernsCacheError } from './errors.js';

/** Options of {@link idmapMount}. */
export interface IdmapMountOptions {
  /** Bind the whole tree under `source`, submounts included (`AT_RECURSIVE`), each id-mapped. Default false. */
  readonly recursive?: boolean;
  /** Make the new mount read-only. Default false. */
  readonly readOnly?: boolean;
  /** The cache a {@link Mapping} is looked up in; default {@link sharedCache}. */
  readonly cache?: UsernsCache;
}

/**
 * The cache {@link idmapMount} uses for mappings when no `cache` option is
 * given. Call `sharedCache.release()` to close the fds it holds.
 *
 * @example
 * ```ts
 * import { sharedCache } from '@linuxns/userns-cache';
 * console.log(sharedCache.size);
 * sharedCache.release();
 * ```
 */
export const sharedCache = new UsernsCache();

function checkPath(name: string, path: unknown): asserts path is string {
  if (typeof path !== 'string') throw new TypeError(`${name} must be a string, got ${typeof path}`);
}

function mountWith(source: string, target: string, userns: NamespaceHandle, options: IdmapMountOptions): Result<void, NsError | UsernsCacheError> {
  if (userns.type !== 'user') {
    return err({ kind: 'wrong-namespace-type', path: userns.path ?? String(userns), expected: 'user', actual: userns.type, message: `an id-mapped mount needs a user namespace, got ${String(userns)}` });
  }
  const recursive = options.recursive === true;
  const failed = bindTree({ source, target, recursive, attrSet: MOUNT_ATTR_IDMAP | (options.readOnly === true ? MOUNT_ATTR_RDONLY : 0), usernsFd: userns.fd });
  if (failed === undefined) return ok(undefined);
  const { syscall, errno } = failed;
  const code = errnoName(errno);
  if (syscall === 'mount_setattr' && (code === 'EINVAL' || code === 'ENOSYS')) {
    return err({
      kind: 'idmap-not-supported',
      syscall,
      code,
      errno,
      path: source,
      message:
        code === 'ENOSYS'
          ? `this kernel has no mount_setattr (Linux 5.12 or later is needed for id-mapped mounts)`
          : `the filesystem at '${source}' cannot be id-mapped (mount_setattr MOUNT_ATTR_IDMAP: EINVAL)${recursive ? '; with recursive, every submount must support it' : ''}`,
    });
  }
  return err(syscallError(syscall, errno, { path: syscall === 'move_mount' ? target : source }));
}

/**
 * Bind-mounts `source` onto `target` (an existing file or directory) with
 * its ids mapped through a user namespace: a file owned by 0:0 on `source`
 * shows through `target` as owned by what the namespace maps 0 to, and a
 * file created through `target` lands on `source` with the ids mapped back.
 * `mappingOrHandle` is a {@link Mapping} (its namespace comes from
 * `options.cache`, default {@link sharedCache}) or a user-namespace
 * {@link NamespaceHandle} (not closed here).
 *
 * The mount is made in the calling thread's mount namespace. A filesystem
 * that cannot be id-mapped gives `idmap-not-supported`; nothing is mounted
 * on any error. The system calls are core's (`open_tree`, `mount_setattr`,
 * `move_mount`); liblinuxns.so is needed only to make the namespace of a
 * {@link Mapping} the cache does not hold yet (`helper-not-found` when it is
 * missing). Throws `TypeError` for paths that are not strings and for a
 * closed handle.
 *
 * @example
 * ```ts
 * import { idmapMount, unmount } from '@linuxns/userns-cache';
 * const mapping = { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] };
 * const r = await idmapMount('/srv/rootfs', '/run/c1/rootfs', mapping, { recursive: true });
 * if (r.isErr()) console.error(r.error.kind, r.error.message);
 * else {
 *   // ... use /run/c1/rootfs, then:
 *   const u = unmount('/run/c1/rootfs');
 *   if (u.isErr()) console.error(u.error.message);
 * }
 * ```
 */
export function idmapMount(source: string, target: string, mappingOrHandle: Mapping | NamespaceHandle, options: IdmapMountOptions = {}): ResultAsync<void, NsError | UsernsCacheError> {
  checkPath('source', source);
  checkPath('target', target);
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  if (mappingOrHandle instanceof NamespaceHandle) {
    void mappingOrHandle.fd; // a closed handle throws TypeError now
    return new ResultAsync(Promise.resolve(mountWith(source, target, mappingOrHandle, options)));
  }
  const cache = options.cache ?? sharedCache;
  if (!(cache instanceof UsernsCache)) throw new TypeError('options.cache must be a UsernsCache');
  return cache.get(mappingOrHandle).andThen((h) => {
    try {
      return mountWith(source, target, h, options);
    } finally {
      h.close();
    }
  });
}

/** Options of {@link unmount}. */
export interface UnmountOptions {
  /** Detach now and clean up once no longer busy (`MNT_DETACH`), instead of failing with `EBUSY`. Default false. */
  readonly detach?: boolean;
}

/**
 * Unmounts `target` (`umount2` with `UMOUNT_NOFOLLOW`, and `MNT_DETACH` when
 * asked) in the calling thread's mount namespace. A target that is not a
 * mount point gives `syscall-failed` with `EINVAL`.
 *
 * @example
 * ```ts
 * import { unmount } from '@linuxns/userns-cache';
 * const r = unmount('/run/c1/rootfs', { detach: true });
 * if (r.isErr()) console.error(r.error.message);
 * ```
 */
export function unmount(target: string, options: UnmountOptions = {}): Result<void, NsError | UsernsCacheError> {
  checkPath('target', target);
  if (libc.umount2(target, UMOUNT_NOFOLLOW | (options.detach === true ? MNT_DETACH : 0)) !== 0) {
    const e = syscallError('umount2', libc.errno(), { path: target });
    if (e.kind === 'syscall-failed' && e.code === 'EINVAL') return err({ ...e, message: `umount2 '${target}' failed: EINVAL (not a mount point)` });
    return err(e);
  }
  return ok(undefined);
}
