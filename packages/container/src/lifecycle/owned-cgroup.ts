/**
 * The cgroup a container owns: the directories a start took and recorded in
 * `cgroup.json` (made, or found empty), the only ones `exec` joins and
 * `destroy` kills and removes. A container never started owns none.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { createCgroup, isHierarchyRoot, populatedDirs, removeCgroup } from '../cgroup.js';
import type { ContainerConfig } from '../config/types.js';
import { checkpoint } from '../crash.js';
import { configInvalid, systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { CGROUP_FILE, readJson, writeJsonAtomic } from '../store.js';
import type { ContainerRef } from './state.js';

/** The cgroup directories a start recorded as the container's (cgroup.json): the only ones destroy kills and removes. */
export function ownedCgroup(dir: string): string[] {
  const r = readJson(dir, CGROUP_FILE);
  if (r.isErr() || !r.value.found) return [];
  const dirs = (r.value.value as { dirs?: unknown }).dirs;
  return Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string' && !isHierarchyRoot(d)) : [];
}

/**
 * Takes the container's cgroup for a start: refused if a directory of it
 * exists with processes in it (an earlier start's: `container-wrong-status`;
 * anyone else's: `container-config-invalid`), else recorded in cgroup.json
 * (`onRecorded`), then made (or an empty existing one reused) with its
 * limits. Its directories, none with `cgroup: false`.
 */
export function takeCgroup(c: ContainerRef, config: ContainerConfig, onRecorded: () => void): Result<string[], ContainerFailure> {
  if (config.cgroup === false) return ok([]);
  const dirs = c.cgroupPaths;
  const root = dirs.find(isHierarchyRoot);
  if (root !== undefined) return err(configInvalid('cgroup.path', `the cgroup ${root} is the root of a hierarchy`));
  const taken = populatedDirs(dirs)[0];
  if (taken !== undefined) {
    if (ownedCgroup(c.dir).includes(taken)) return err(wrongStatus(c.id, 'created', 'start', `processes of an earlier start are still in its cgroup ${taken}: destroy it`));
    return err(configInvalid('cgroup.path', `the cgroup ${taken} already exists and has processes that are not this container's`));
  }
  const w = writeJsonAtomic(c.dir, [[CGROUP_FILE, { dirs }]]);
  if (w.isErr()) return err(systemError(c.id, 'record the cgroup', w.error));
  onRecorded();
  const made = createCgroup(dirs, config.cgroup ?? {}, checkpoint);
  if (made.isErr()) return err(systemError(c.id, 'create cgroup', made.error));
  return ok(dirs);
}

/** After a failed start: the cgroup it recorded removed (nothing of the attempt runs), and its record. */
export async function undoCgroup(dir: string): Promise<void> {
  const dirs = ownedCgroup(dir);
  try {
    const r = await removeCgroup(dirs);
    if (r.isErr()) return; // kept recorded: destroy removes it
  } catch {
    return;
  }
  try {
    rmSync(join(dir, CGROUP_FILE), { force: true });
  } catch {
    /* destroyed meanwhile */
  }
}
