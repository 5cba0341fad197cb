/**
 * Id-mapped binds (the runtime-spec's `idmap` and `ridmap` mount options,
 * as runc 1.2 takes them): the source of each such bind is mounted through
 * an id-mapped mount made with the container's `uidMappings`/`gidMappings`
 * (`@linuxns/userns-cache`'s `idmapMount`; `ridmap`: the mounts below it
 * too), on a directory the container's root can reach, and the helper binds
 * that instead of the source. Made at start, unmounted by destroy (and by a
 * failed start).
 *
 * @module
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError, type IdRange, type MountSpec } from '@linuxns/core';
import { idmapMount } from '@linuxns/userns-cache';
import type { ContainerFailure } from './errors.js';
import { idmapOf, withoutIdmap } from './config/validate-mounts.js';
import { cache, IDMAP_DIR, idmapTarget, unmountAll } from './idmap.js';

/** Whether any of `mounts` is id-mapped. */
export const hasIdmapMounts = (mounts: readonly MountSpec[] | undefined): boolean => (mounts ?? []).some((m) => idmapOf(m) !== undefined);

/** The directory of the id-mapped sources of the container whose directory is `dir`. */
const mountsDir = (dir: string): string => `${idmapTarget(dir)}.mounts`;

/** Unmounts the id-mapped sources (lazily: the container's copies are not ours) and removes their directory; nothing there is fine. */
export function removeIdmapMounts(dir: string): Result<void, ContainerFailure> {
  const base = mountsDir(dir);
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch (e) {
    // Nothing made: fine. Any other failure would leave mounts behind unseen: say so.
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? ok(undefined) : err(fsError(e, { path: base }));
  }
  for (const e of entries) {
    const r = unmountAll(join(base, e));
    if (r.isErr()) return r;
  }
  try {
    rmSync(base, { recursive: true, force: true });
  } catch (e) {
    return err(fsError(e, { path: base }));
  }
  return ok(undefined);
}

/**
 * Makes the id-mapped mount of the source of each `idmap`/`ridmap` bind of `mounts`; the mounts as the helper takes
 * them (those binds from the id-mapped mounts, without the two options). On failure nothing of it is left.
 */
export async function makeIdmapMounts(dir: string, mounts: readonly MountSpec[], uidMappings: readonly IdRange[], gidMappings: readonly IdRange[]): Promise<Result<MountSpec[], ContainerFailure>> {
  const stale = removeIdmapMounts(dir);
  if (stale.isErr()) return err(stale.error);
  const base = mountsDir(dir);
  const out: MountSpec[] = [];
  for (const [i, m] of mounts.entries()) {
    const kind = idmapOf(m);
    if (kind === undefined) {
      out.push(m);
      continue;
    }
    const target = join(base, String(i));
    try {
      mkdirSync(IDMAP_DIR, { mode: 0o711, recursive: true });
      mkdirSync(base, { mode: 0o711, recursive: true });
      // The mount point has the type of the source: a directory, or a file for a bind of a file.
      if (statSync(m.source!).isDirectory()) mkdirSync(target, { mode: 0o700 });
      else writeFileSync(target, '', { mode: 0o600 });
    } catch (e) {
      removeIdmapMounts(dir);
      return err(fsError(e, { path: target }));
    }
    const r = await idmapMount(m.source!, target, { uidMappings, gidMappings }, { recursive: kind === 'ridmap', cache });
    if (r.isErr()) {
      removeIdmapMounts(dir);
      return err(r.error);
    }
    out.push({ ...withoutIdmap(m), source: target });
  }
  return ok(out);
}
