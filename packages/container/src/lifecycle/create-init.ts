/**
 * The first half of an OCI runtime's life of a container: `createInit`
 * starts the init fully set up and waiting at its gate, outliving the
 * process that made it (reparented to that process's child subreaper, as
 * under conmon or a containerd shim); `startInit` (start-init.ts), from any
 * process later, lets it exec its program.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { err, errAsync, ResultAsync, type Result } from 'neverthrow';
import type { ProcessIo } from '../config/spawn-options.js';
import type { ProcessConfig } from '../config/types.js';
import { wrongStatus, type ContainerFailure } from '../errors.js';
import { readPidFile } from '../store.js';
import { claimStart, releaseStart } from './claim.js';
import { makeGate, removeGate } from './gate.js';
import { launchInit } from './launch-init.js';
import { processToRun } from './start.js';
import { takeCgroup, undoCgroup } from './owned-cgroup.js';
import { snapshot, type ContainerRef } from './state.js';

/** Options of {@link Container.createInit}: the init's stdio, and fds it gets beside them. */
export interface InitOptions extends ProcessIo {
  /** Extra fds for the init: `{ 3: fd }` gives it this process's `fd` as its fd 3 (an OCI runtime's `--preserve-fds`). */
  readonly fds?: Readonly<Record<number, number>>;
}

/**
 * Starts the init of `c` waiting at its gate (see {@link Container.createInit}):
 * from `created` without an init, with the start claim, the cgroup and the
 * gate taken first; a failure gives them all back.
 */
export function createInit(c: ContainerRef, process: ProcessConfig | undefined, options: InitOptions): ResultAsync<number, ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return errAsync(st.error);
  const { status } = st.value.state;
  if (status !== 'created' || st.value.init) return errAsync(wrongStatus(c.id, status, 'create the init of', 'it needs a created container without an init'));
  const config = c.config!;
  const checked = processToRun(config, process);
  if (checked.isErr()) return errAsync(checked.error);
  const proc = checked.value;
  const claim = claimStart(c);
  if (claim.isErr()) return errAsync(claim.error);
  if (readPidFile(c.dir)) {
    releaseStart(c.dir);
    return errAsync(wrongStatus(c.id, 'created', 'create the init of', 'it has one already'));
  }
  return new ResultAsync(
    (async (): Promise<Result<number, ContainerFailure>> => {
      let recorded = false;
      let gate: number | undefined;
      const giveBack = async (): Promise<void> => {
        if (gate !== undefined) closeSync(gate);
        gate = undefined;
        removeGate(c.dir);
        if (recorded) await undoCgroup(c.dir);
        releaseStart(c.dir);
      };
      let r: Result<number, ContainerFailure>;
      try {
        const taken = takeCgroup(c, config, () => (recorded = true));
        if (taken.isErr()) r = err(taken.error);
        else {
          const g = makeGate(c.id, c.dir);
          if (g.isErr()) r = err(g.error);
          else {
            gate = g.value;
            const launched = await launchInit(c, config, proc, options, taken.value, { gateFd: gate, detach: true, ...(options.fds ? { fds: options.fds } : {}) });
            r = launched.map((child) => child.pid);
          }
        }
      } catch (e) {
        await giveBack();
        throw e;
      }
      if (r.isErr()) await giveBack();
      else if (gate !== undefined) closeSync(gate); // the init holds the gate now
      return r;
    })(),
  );
}
