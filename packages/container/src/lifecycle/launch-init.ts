/**
 * The launch of a container's init by the helper, with what it needs made
 * first: an id-mapped rootfs, and the network (in a namespace made for the
 * init, or in the init's own while it waits before its exec).
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { createNamespace, openProcessNamespace, pin, spawn, unpin, type NamespaceHandle, type NsChild, type SpawnOptions } from '@linuxns/core';
import { initOptions, type ProcessIo } from '../config/spawn-options.js';
import type { ContainerConfig, ProcessConfig } from '../config/types.js';
import { hasNewUserns } from '../config/validate-namespaces.js';
import { checkpoint } from '../crash.js';
import { systemError, type ContainerFailure } from '../errors.js';
import { makeIdmapRootfs, removeIdmapRootfs } from '../idmap.js';
import { hasIdmapMounts, makeIdmapMounts, removeIdmapMounts } from '../idmap-mounts.js';
import { setupNetwork, teardownNetwork } from '../network.js';
import { PID_FILE } from '../store.js';
import type { ContainerRef } from './state.js';

/**
 * start's work once the cgroup of `c` is taken: an id-mapped rootfs mounted first;
 * then, without a new user namespace, a network namespace made and
 * configured before the helper is started, which joins it; with one, the
 * network configured in the init's own namespace (owned by its user
 * namespace) while the init waits before its exec. Either way the init's
 * program never runs in an unconfigured network. A failure undoes
 * everything: the container is `created` again. `detached` (createInit): the
 * init waits at a gate of the caller's and outlives this process; its own
 * network namespace is then configured once it waits there.
 */
export function launchInit(
  c: ContainerRef,
  config: ContainerConfig,
  proc: ProcessConfig,
  io: ProcessIo,
  cgroupDirs: readonly string[],
  detached: Pick<SpawnOptions, 'gateFd' | 'detach' | 'fds'> = {},
): ResultAsync<NsChild, ContainerFailure> {
  const pidFile = join(c.dir, PID_FILE);
  const net = config.network;
  const newUser = hasNewUserns(config);
  const netPin = config.pins?.net;
  const idmapped = hasIdmapMounts(config.mounts);
  return new ResultAsync(
    (async (): Promise<Result<NsChild, ContainerFailure>> => {
      let netns: NamespaceHandle | undefined;
      let pinned = false;
      const undo = async (operation: string, cause: ContainerFailure): Promise<Result<NsChild, ContainerFailure>> => {
        if (net) await teardownNetwork(c.dir, netns);
        if (pinned && netPin) unpin(netPin);
        netns?.close();
        if (config.rootfs.idmap) removeIdmapRootfs(c.dir);
        if (idmapped) removeIdmapMounts(c.dir);
        return err(systemError(c.id, operation, cause));
      };
      if (net) {
        // What a start that crashed may have left outside.
        const left = await teardownNetwork(c.dir, undefined);
        if (left.isErr()) return err(systemError(c.id, 'undo the network of an earlier start', left.error));
      }
      let rootfs: string | undefined;
      if (config.rootfs.idmap) {
        const m = await makeIdmapRootfs(c.dir, config.rootfs.path, config.uidMappings!, config.gidMappings!);
        if (m.isErr()) return err(systemError(c.id, 'mount the id-mapped rootfs', m.error));
        rootfs = m.value;
      }
      let mounts = config.mounts;
      if (idmapped) {
        const m = await makeIdmapMounts(c.dir, config.mounts!, config.uidMappings!, config.gidMappings!);
        if (m.isErr()) return undo('mount the sources of the id-mapped binds', m.error);
        mounts = m.value;
      }
      if (net && !newUser) {
        const h = await createNamespace('net');
        if (h.isErr()) return undo('create the network namespace', h.error);
        netns = h.value;
        const s = await setupNetwork(c.dir, net, netns);
        if (s.isErr()) return undo('set up the network', s.error);
        if (netPin) {
          const p = pin(netns, netPin, { exclusive: true });
          if (p.isErr()) return undo(`pin the network namespace on ${netPin}`, p.error);
          pinned = true;
        }
      }
      // With a new user namespace the init's own network namespace is configured while the
      // init waits before its exec (spawn's beforeExec): from outside, before the program runs.
      // The namespace is held open from the hook on: if the exec fails after it, the init is gone
      // by the time spawn answers, and moved links must still be moved back out of it (a namespace
      // that dies with them deletes virtual links and sends physical ones back renamed).
      let netFailed = false;
      const configureInside = async (pid: number): Promise<Result<void, ContainerFailure>> => {
        const h = openProcessNamespace(pid, 'net');
        if (h.isErr()) {
          netFailed = true;
          return err(h.error);
        }
        netns = h.value;
        const s = await setupNetwork(c.dir, net!, netns);
        if (s.isErr()) netFailed = true;
        return s;
      };
      const options = initOptions(mounts === config.mounts ? config : { ...config, mounts }, proc, { pidFile, cgroupDirs, ...(rootfs ? { rootfs } : {}), ...(netns ? { netns } : {}) }, io);
      let launched: ResultAsync<NsChild, ContainerFailure>;
      try {
        const spawnOptions: SpawnOptions<ContainerFailure> = net && newUser && !detached.detach ? { ...options, beforeExec: configureInside } : { ...options, ...detached };
        launched = spawn(proc.args[0]!, proc.args.slice(1), spawnOptions);
      } catch (e) {
        // Misuse spawn refuses at once (a bad stdio value): nothing may stay behind for it either.
        await undo('start', { kind: 'invalid-option', option: 'stdio', message: String(e) });
        throw e;
      }
      checkpoint(); // the helper is on its way: a crash now leaves it to finish alone
      const r = await launched;
      checkpoint();
      if (r.isErr()) {
        rmSync(pidFile, { force: true });
        return undo(netFailed ? 'set up the network' : 'start', r.error); // undo tears the network down in netns, held
      }
      if (net && newUser && detached.detach) {
        // The init waits at its gate, outliving us: its network is set up before anyone opens the gate.
        const inside = await configureInside(r.value.pid);
        if (inside.isErr()) {
          try {
            process.kill(r.value.pid, 'SIGKILL');
          } catch {
            /* gone already */
          }
          rmSync(pidFile, { force: true });
          return undo('set up the network', inside.error);
        }
      }
      netns?.close(); // the init is in it now
      netns = undefined;
      return ok(r.value);
    })(),
  );
}
