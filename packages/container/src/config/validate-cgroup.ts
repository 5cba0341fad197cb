/**
 * The cgroup of a config: its path below the hierarchy roots (never a root
 * itself, nor with a `.` or `..` segment) and its limits.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { normalizeCgroupPath } from '../cgroup.js';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { isObject, posInt } from './shape.js';
import type { CgroupConfig } from './types.js';

/** Checks `cgroup` (default: one without limits); what config.json keeps of it, its path normalized. */
export function checkCgroup(cgroup: CgroupConfig | false | undefined): Result<CgroupConfig | false, ContainerFailure> {
  const cg = cgroup ?? {};
  if (cg === false) return ok(false);
  const shape: unknown = cg; // JSON may hold anything: checked without narrowing the config's type
  if (!isObject(shape)) return err(configInvalid('cgroup', 'cgroup must be an object or false'));
  let path: string | undefined;
  if (cg.path !== undefined) {
    const p = normalizeCgroupPath(cg.path);
    if (typeof p !== 'string') return err(configInvalid('cgroup.path', `cgroup.path must name a cgroup below the hierarchy roots, without "." or ".." segments: ${p.why}; got ${JSON.stringify(cg.path)}`));
    path = p;
  }
  if (cg.memory !== undefined && !posInt(cg.memory?.limit)) return err(configInvalid('cgroup.memory.limit', 'cgroup.memory.limit must be a positive number of bytes'));
  if (cg.pids !== undefined && !posInt(cg.pids?.limit)) return err(configInvalid('cgroup.pids.limit', 'cgroup.pids.limit must be a positive number'));
  if (cg.cpu !== undefined) {
    const { quota, period, shares } = cg.cpu;
    if ((quota !== undefined && !posInt(quota)) || (period !== undefined && !posInt(period)) || (shares !== undefined && !(posInt(shares) && shares >= 2 && shares <= 262144))) {
      return err(configInvalid('cgroup.cpu', 'cgroup.cpu needs positive quota and period (µs) and shares from 2 to 262144'));
    }
  }
  return ok({ ...cg, ...(path !== undefined ? { path } : {}) });
}
