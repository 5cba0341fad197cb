/**
 * What a running container's cgroup is used for once it runs: pause and
 * resume (the freezer), the processes in it, what they used, and new limits.
 *
 * @module
 */
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow';
import { cgroupPids, writeLimits, type CgroupLimits } from '../cgroup.js';
import { cgroupStats, type ContainerStats } from '../cgroup-stats.js';
import { checkCgroup } from '../config/validate-cgroup.js';
import { systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { setFrozen } from '../freezer.js';
import { isAlive } from '../proc.js';
import { readExecd } from '../store.js';
import { ownedCgroup } from './owned-cgroup.js';
import { snapshot, type ContainerRef } from './state.js';

/** Freezes (pause) or thaws (resume) the cgroup of `c`: from `running` to `paused`, or back. */
export function setPaused(c: ContainerRef, paused: boolean): ResultAsync<void, ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return errAsync(st.error);
  const { status } = st.value.state;
  const operation = paused ? 'pause' : 'resume';
  if (status !== (paused ? 'running' : 'paused')) return errAsync(wrongStatus(c.id, status, operation, paused ? 'it needs a running container' : 'it is not paused'));
  return new ResultAsync(
    setFrozen(ownedCgroup(c.dir), paused).then((r) => {
      if (r === undefined) return err(systemError(c.id, `${operation}: the container has no freezer cgroup`));
      return r.mapErr((e) => systemError(c.id, operation, e));
    }),
  );
}

/**
 * The pids of the processes of `c` (as this pid namespace numbers them): every
 * process in its cgroup and below it; without a cgroup, the init and the
 * exec'd processes that are alive.
 */
export function containerProcesses(c: ContainerRef): Result<number[], ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return err(st.error);
  const dirs = ownedCgroup(c.dir);
  if (dirs.length) return ok(cgroupPids(dirs).sort((a, b) => a - b));
  const { init } = st.value;
  const known = [...(init ? [init] : []), ...readExecd(c.dir)];
  return ok(known.filter((p) => isAlive(p.pid, p.startTime)).map((p) => p.pid));
}

/** What the cgroup of `c` has used; `container-wrong-status` without one (never started, or `cgroup: false`). */
export function containerStats(c: ContainerRef): Result<ContainerStats, ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return err(st.error);
  const dirs = ownedCgroup(c.dir);
  if (!dirs.length) return err(wrongStatus(c.id, st.value.state.status, 'read the stats of', 'it has no cgroup'));
  return ok(cgroupStats(dirs));
}

/**
 * Writes new limits to the cgroup of `c` (created, running or paused), checked first as a config's are
 * (`container-config-invalid` naming the field, nothing written); memory and memory+swap in runc's order.
 */
export function updateLimits(c: ContainerRef, limits: CgroupLimits): Result<void, ContainerFailure> {
  const checked = checkCgroup(limits);
  if (checked.isErr()) return err(checked.error);
  const st = snapshot(c);
  if (st.isErr()) return err(st.error);
  const dirs = ownedCgroup(c.dir);
  const { status } = st.value.state;
  if (!dirs.length || status === 'stopped') return err(wrongStatus(c.id, status, 'update', dirs.length ? 'it has stopped' : 'it has no cgroup'));
  return writeLimits(dirs, limits).mapErr((e) => systemError(c.id, 'update the cgroup', e));
}
