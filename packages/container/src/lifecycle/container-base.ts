/**
 * What every {@link Container} is before anything runs in it: its id,
 * directory and config, its cgroup and what works on the cgroup alone
 * (pause, resume, processes, stats, update), and its lock. Light: it loads
 * nothing of spawn.
 *
 * @module
 */
import { ResultAsync, type Result } from 'neverthrow';
import { cgroupDirs, type CgroupLimits } from '../cgroup.js';
import type { ContainerStats } from '../cgroup-stats.js';
import type { ContainerConfig } from '../config/types.js';
import type { ContainerFailure } from '../errors.js';
import { containerProcesses, containerStats, setPaused, updateLimits } from './cgroup-ops.js';
import { lockContainer, type ContainerLock } from './claim.js';

/**
 * The part of a {@link Container} that works on its cgroup and its lock
 * (what an OCI runtime's `pause`, `resume`, `ps`, `events` and `update`
 * use). Never made on its own: every container is a {@link Container}.
 *
 * @example
 * ```ts
 * import { Factory, type ContainerBase } from '@linuxns/container';
 * const c: ContainerBase | undefined = new Factory('/run/linuxns-containers').load('demo').unwrapOr(undefined);
 * console.log(c?.cgroupPaths);
 * ```
 */
export class ContainerBase {
  #cgroupRel: string | (() => string);

  /** @internal Use {@link Factory.create} or {@link Factory.load}. */
  constructor(
    /** The container's id. */
    readonly id: string,
    /** Its directory under the factory's root (config.json, state.json, init.pid). */
    readonly dir: string,
    /** Its validated config; undefined while `creating` had not written it. */
    readonly config: ContainerConfig | undefined,
    /** Its cgroup path relative to the hierarchies, or what computes it when first needed. */
    cgroupRel: string | (() => string),
  ) {
    this.#cgroupRel = cgroupRel;
  }

  /** The cgroup's directories (none with `cgroup: false`). */
  get cgroupPaths(): string[] {
    if (this.config?.cgroup === false) return [];
    if (typeof this.#cgroupRel === 'function') this.#cgroupRel = this.#cgroupRel();
    return cgroupDirs(this.#cgroupRel);
  }


  /**
   * Freezes every process of the container (its cgroup and the cgroups below it: the v1 freezer,
   * or v2's `cgroup.freeze`), as `runc pause` does: `running` → `paused`. Resolves once the kernel
   * has frozen them all.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo');
   * const paused = await c.asyncAndThen((x) => x.pause());
   * if (paused.isErr()) console.error(paused.error.message); // e.g. ... it is stopped (it needs a running container)
   * ```
   */
  pause(): ResultAsync<void, ContainerFailure> {
    return setPaused(this, true);
  }

  /**
   * Thaws what {@link Container.pause} froze: `paused` → `running`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const resumed = await new Factory('/run/linuxns-containers').load('demo').asyncAndThen((c) => c.resume());
   * if (resumed.isErr()) console.error(resumed.error.message);
   * ```
   */
  resume(): ResultAsync<void, ContainerFailure> {
    return setPaused(this, false);
  }

  /**
   * The pids of the container's processes, as this pid namespace numbers them, sorted: every
   * process in its cgroup and below it (`runc ps`); without a cgroup, the init and the exec'd
   * processes still alive.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * new Factory('/run/linuxns-containers').load('demo').andThen((c) => c.processes()).match(
   *   (pids) => console.log(pids), // [12345, 12399]
   *   (e) => console.error(e.message),
   * );
   * ```
   */
  processes(): Result<number[], ContainerFailure> {
    return containerProcesses(this);
  }

  /**
   * What the container's cgroup has used (CPU, memory, pids, block I/O), read from the cgroup
   * files, in the names of `runc events --stats`. `container-wrong-status` for a container
   * without a cgroup (never started, or `cgroup: false`).
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * new Factory('/run/linuxns-containers').load('demo').andThen((c) => c.stats()).match(
   *   (s) => console.log(s.memory.usage.usage, s.pids.current),
   *   (e) => console.error(e.message),
   * );
   * ```
   */
  stats(): Result<ContainerStats, ContainerFailure> {
    return containerStats(this);
  }

  /**
   * Writes new limits (any of {@link CgroupLimits}: memory and memory+swap, pids, CPU and cpuset, block
   * I/O...) to the cgroup of a container that has one and has not stopped (`runc update`), checked as a
   * config's are first; the limits not given are left as they are.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const r = new Factory('/run/linuxns-containers').load('demo').andThen((c) => c.update({ pids: { limit: 32 } }));
   * if (r.isErr()) console.error(r.error.message);
   * ```
   */
  update(limits: CgroupLimits): Result<void, ContainerFailure> {
    return updateLimits(this, limits);
  }

  /**
   * Takes the lock of the container (`lock` in its directory, a symlink to this process's pid and
   * start time), waiting while another live process holds it, up to `timeoutMs`: what serializes
   * an OCI runtime's commands on one container. A lock whose process is gone (killed in the
   * middle of an operation) is taken over; `container-not-found` once the container is gone.
   * Give it back with `release()`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo');
   * if (c.isOk()) {
   *   const lock = await c.value.lock();
   *   if (lock.isOk()) {
   *     try { console.log(c.value.state().map((s) => s.status)); } finally { lock.value.release(); }
   *   }
   * }
   * ```
   */
  lock(timeoutMs = 60_000): ResultAsync<ContainerLock, ContainerFailure> {
    return new ResultAsync(lockContainer(this, timeoutMs));
  }
}
