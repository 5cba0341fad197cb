/**
 * The end of a container: its network undone outside, every process of it
 * killed and waited for, its pins, cgroup and id-mapped rootfs removed, its
 * directory deleted. What only some containers have (a network, pins, an
 * id-mapped rootfs) is loaded only for them: deleting the container of an
 * OCI bundle loads nothing of netlink, userns-cache or core's spawn.
 *
 * @module
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import type { NsChild } from '@linuxns/core';
import type { NetnsRef } from '@linuxns/netlink';
import { cgroupPids, killCgroup, removeCgroup } from '../cgroup.js';
import { systemError, type ContainerFailure } from '../errors.js';
import { isFrozen, setFrozen } from '../freezer.js';
import { isAlive, waitGone } from '../proc.js';
import { readExecd } from '../store.js';
import { ownedCgroup } from './owned-cgroup.js';
import { snapshot, type ContainerRef } from './state.js';

/**
 * Destroys `c` (see {@link Container.destroy}). `child`: the init's helper
 * when this process started it, awaited once the cgroup is empty.
 */
export function destroyContainer(c: ContainerRef, child: () => NsChild | undefined): ResultAsync<void, ContainerFailure> {
  return new ResultAsync(
    (async (): Promise<Result<void, ContainerFailure>> => {
      const st = snapshot(c);
      if (st.isErr()) return err(st.error);
      const dirs = ownedCgroup(c.dir);
      const { init } = st.value;
      const alive = init !== undefined && isAlive(init.pid, init.startTime);
      // The network first, while the container's namespace is there to move links back out of.
      let netError: ContainerFailure | undefined;
      if (c.config?.network !== undefined) {
        const pin = c.config.pins?.net;
        const inside: NetnsRef | undefined = alive ? init.pid : pin !== undefined && existsSync(pin) ? pin : undefined;
        const { teardownNetwork } = await import('../network.js');
        const r = await teardownNetwork(c.dir, inside);
        if (r.isErr()) netError = r.error;
      }
      // A frozen cgroup first thawed: a frozen v1 process does not die of SIGKILL until then.
      if (dirs.length && isFrozen(dirs)) await setFrozen(dirs, false);
      if (alive) {
        try {
          process.kill(init.pid, 'SIGKILL');
        } catch {
          /* exited meanwhile */
        }
      }
      // The init first (that ends a pid namespace), so that the helpers above it reap it and exit
      // in order; then whatever else is left in the cgroup (exec'd processes, no pid namespace).
      if (init && !(await waitGone(init.pid, init.startTime, 5000))) return err(systemError(c.id, `kill the init ${init.pid}`));
      // The exec'd processes (they outlive the init without a pid namespace), by pid and start time.
      const execd = readExecd(c.dir);
      for (const p of execd) {
        try {
          if (isAlive(p.pid, p.startTime)) process.kill(p.pid, 'SIGKILL');
        } catch {
          /* exited meanwhile */
        }
      }
      for (const p of execd) if (!(await waitGone(p.pid, p.startTime, 5000))) return err(systemError(c.id, `kill the exec'd process ${p.pid}`));
      try {
        if (dirs.length && !(await killCgroup(dirs))) return err(systemError(c.id, `empty the cgroup (${cgroupPids(dirs).join(' ')} still there)`));
      } catch (e) {
        return err(systemError(c.id, `empty the cgroup: ${(e as Error).message}`));
      }
      // The helper, reaped by Node once it has reaped the init. Only now: exited also waits for
      // the init's piped stdout and stderr to close, and without a pid namespace a process the
      // init left in the cgroup may hold them until the cgroup is emptied.
      const started = child();
      if (started) await started.exited;
      const pins = Object.values(c.config?.pins ?? {});
      const unpin = pins.length ? (await import('@linuxns/core')).unpin : undefined;
      for (const path of pins) {
        const r = unpin!(path);
        if (r.isErr() && r.error.kind !== 'not-pinned' && r.error.kind !== 'not-found') return err(systemError(c.id, `unpin ${path}`, r.error));
      }
      let removed: Result<void, ContainerFailure>;
      try {
        removed = await removeCgroup(dirs);
      } catch (e) {
        return err(systemError(c.id, `remove the cgroup: ${(e as Error).message}`));
      }
      if (removed.isErr()) return err(systemError(c.id, 'remove the cgroup', removed.error));
      if (c.config?.rootfs.idmap) {
        const { removeIdmapRootfs } = await import('../idmap.js');
        const r = removeIdmapRootfs(c.dir);
        if (r.isErr()) return err(systemError(c.id, 'unmount the id-mapped rootfs', r.error));
      }
      if (c.config?.mounts?.some((m) => (m.options ?? []).some((o) => o === 'idmap' || o === 'ridmap'))) {
        const { removeIdmapMounts } = await import('../idmap-mounts.js');
        const r = removeIdmapMounts(c.dir);
        if (r.isErr()) return err(systemError(c.id, 'unmount the sources of the id-mapped binds', r.error));
      }
      if (netError) return err(systemError(c.id, 'undo the network', netError));
      // The directory is renamed away first, in one step, then removed: a command waiting for the
      // container's lock meanwhile (a second delete --force) finds no container instead of a
      // half-removed one, and cannot put its lock in a directory that is being removed. The name
      // holds '@', which no container id has, so no listing shows it.
      const doomed = `${c.dir}@deleted-${process.pid}-${process.hrtime.bigint()}`;
      try {
        renameSync(c.dir, doomed);
        rmSync(doomed, { recursive: true, force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(c.dir)) return ok(undefined);
        return err(systemError(c.id, `remove ${c.dir}: ${(e as Error).message}`));
      }
      return ok(undefined);
    })(),
  );
}
