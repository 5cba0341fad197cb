/**
 * A process exec'd into a running container: the init's namespaces that
 * differ from ours joined by handle, its cgroup joined, and the process
 * recorded for destroy.
 *
 * @module
 */
import { errAsync, type ResultAsync } from 'neverthrow';
import { openDifferingNamespaces, readProcessStat, spawn, type NsChild, type SpawnOptions } from '@linuxns/core';
import { execOptions, type ProcessIo } from '../config/spawn-options.js';
import type { ProcessConfig } from '../config/types.js';
import { mayKeepMknod } from '../config/validate-namespaces.js';
import { checkProcess } from '../config/validate-process.js';
import { systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { isAlive } from '../proc.js';
import { recordExecd } from '../store.js';
import { ownedCgroup } from './owned-cgroup.js';
import { snapshot, type ContainerRef } from './state.js';

/** Options of {@link Container.exec} beyond stdio. */
export interface ExecOptions extends ProcessIo {
  /**
   * The process outlives this one, as `runc exec --detach` makes it: the helper writes `pidFile`
   * (`"PID STARTTIME\n"`) once it has exec'd and goes, and the process is reparented to this
   * process's child subreaper (conmon, a containerd shim) or init. Needs `pidFile`.
   */
  readonly detach?: boolean;
  /** Where the helper writes `"PID STARTTIME\n"` of the process once it has exec'd (absolute). */
  readonly pidFile?: string;
  /** Extra fds for the process: `{ 3: fd }` gives it this process's `fd` as its fd 3 (`--preserve-fds`). */
  readonly fds?: Readonly<Record<number, number>>;
}

/**
 * Runs `process` in running container `c` (see {@link Container.exec}): the
 * namespaces of its init that differ from ours opened (core's
 * `openDifferingNamespaces`, as `nsenter --all`), the init's start time
 * checked after, so that a reused pid is never joined.
 */
export function execIn(c: ContainerRef, process: ProcessConfig, io: ExecOptions): ResultAsync<NsChild, ContainerFailure> {
  const newUser = c.config ? mayKeepMknod(c.config) : true;
  const bad = checkProcess(process, 'process', newUser);
  if (bad) return errAsync(bad);
  const st = snapshot(c);
  if (st.isErr()) return errAsync(st.error);
  const { status } = st.value.state;
  // An init waiting at its gate (created by createInit) has its namespaces already: runc execs there too.
  if (status !== 'running' && !(status === 'created' && st.value.init)) return errAsync(wrongStatus(c.id, status, 'exec in', 'it needs a running container'));
  const init = st.value.init!;
  const join = openDifferingNamespaces(init.pid);
  if (join.isErr()) return errAsync(systemError(c.id, `open the namespaces of ${init.pid}`, join.error));
  const closeAll = (): void => Object.values(join.value).forEach((h) => h.close());
  if (!isAlive(init.pid, init.startTime)) {
    closeAll();
    return errAsync(wrongStatus(c.id, 'stopped', 'exec in', 'the init exited meanwhile'));
  }
  const cgroups = c.config!.cgroup !== false ? ownedCgroup(c.dir) : [];
  const extra: Pick<SpawnOptions, 'detach' | 'pidFile' | 'fds'> = {
    ...(io.detach ? { detach: true } : {}),
    ...(io.pidFile !== undefined ? { pidFile: io.pidFile } : {}),
    ...(io.fds ? { fds: io.fds } : {}),
  };
  let launched: ResultAsync<NsChild, ContainerFailure>;
  try {
    launched = spawn(process.args[0]!, process.args.slice(1), {
      ...execOptions(c.config!, process, io, newUser),
      join: join.value,
      ...(cgroups.length ? { cgroups } : {}),
      ...extra,
    });
  } finally {
    closeAll(); // spawn handed the helper its own copies, or threw at once for a misuse
  }
  return launched
    .map((child) => {
      // Recorded for destroy, which kills it even without a cgroup or a pid namespace.
      const stat = readProcessStat(child.pid);
      if (stat) recordExecd(c.dir, { pid: child.pid, startTime: stat.startTime });
      return child;
    })
    .mapErr((e) => systemError(c.id, 'exec', e));
}
