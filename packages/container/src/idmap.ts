/**
 * The id-mapped rootfs (`rootfs.idmap`): the rootfs bound through an
 * id-mapped mount (`@linuxns/userns-cache`'s `idmapMount`, with the
 * container's mappings) on a directory that the container's root, a mapped
 * id outside, can reach (the factory's root is 0700: it cannot), then used
 * by the helper as the rootfs.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError, type IdRange } from '@linuxns/core';
import { idmapMount, unmount, UsernsCache } from '@linuxns/userns-cache';
import type { ContainerFailure } from './errors.js';

/** Where id-mapped rootfs mounts are made: 0711, so that a mapped root can go through it. */
export const IDMAP_DIR = '/run/linuxns-container';

/** One cache for every container of this process (rootfs and binds): containers with the same mapping share its namespace. */
export const cache = new UsernsCache();

/** The mount point of the id-mapped rootfs of the container whose directory is `dir`. */
export function idmapTarget(dir: string): string {
  const hash = createHash('sha256').update(dirname(dir)).digest('hex').slice(0, 8);
  return join(IDMAP_DIR, `${hash}-${basename(dir)}`);
}

/** Unmounts every mount stacked on `target` (a start that crashed, then another), lazily; none there is fine. */
export function unmountAll(target: string): Result<void, ContainerFailure> {
  for (;;) {
    const r = unmount(target, { detach: true });
    if (r.isErr()) {
      if (r.error.kind === 'not-found' || (r.error.kind === 'syscall-failed' && r.error.code === 'EINVAL')) return ok(undefined);
      return err(r.error);
    }
  }
}

/** Unmounts the id-mapped rootfs (lazily: the container's own copy is not ours) and removes its directory; nothing there is fine. */
export function removeIdmapRootfs(dir: string): Result<void, ContainerFailure> {
  const target = idmapTarget(dir);
  const gone = unmountAll(target);
  if (gone.isErr()) return gone;
  try {
    rmdirSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return err(fsError(e, { path: target }));
  }
  return ok(undefined);
}

/** Makes the id-mapped bind of `source` for the container of `dir`; its mount point. */
export async function makeIdmapRootfs(dir: string, source: string, uidMappings: readonly IdRange[], gidMappings: readonly IdRange[]): Promise<Result<string, ContainerFailure>> {
  const target = idmapTarget(dir);
  const stale = removeIdmapRootfs(dir);
  if (stale.isErr()) return err(stale.error);
  try {
    mkdirSync(IDMAP_DIR, { mode: 0o711, recursive: true });
    mkdirSync(target, { mode: 0o700 });
  } catch (e) {
    return err(fsError(e, { path: target }));
  }
  const r = await idmapMount(source, target, { uidMappings, gidMappings }, { recursive: true, cache });
  if (r.isErr()) {
    removeIdmapRootfs(dir);
    return err(r.error);
  }
  return ok(target);
}
