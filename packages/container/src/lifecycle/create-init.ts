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
import { err, errAsync, type ResultAsync } from 'neverthrow';
import type { ProcessIo } from '../config/spawn-options.js';
import type { ProcessConfig } from '../config/types.js';
import type { ContainerFailure } from '../errors.js';
import { makeGate, removeGate } from './gate.js';
import { launchInit } from './launch-init.js';
import { claimLaunch, launchClaimed } from './start.js';
import type { ContainerRef } from './state.js';

/** Options of {@link Container.createInit}: the init's stdio, and fds it gets beside them. */
export interface InitOptions extends ProcessIo {
  /** Extra fds for the init: `{ 3: fd }` gives it this process's `fd` as its fd 3 (an OCI runtime's `--preserve-fds`). */
  readonly fds?: Readonly<Record<number, number>>;
}

/**
 * Starts the init of `c` waiting at its gate (see {@link Container.createInit}):
 * from `created` without an init, with the start claim, the cgroup and the
 * gate taken first (start.ts's prologue and launch); a failure gives them all
 * back.
 */
export function createInit(c: ContainerRef, process: ProcessConfig | undefined, options: InitOptions): ResultAsync<number, ContainerFailure> {
  const claimed = claimLaunch(c, process, {
    action: 'create the init of',
    needs: 'it needs a created container without an init',
    refuseInit: true,
    already: { status: 'created', why: 'it has one already' },
  });
  if (claimed.isErr()) return errAsync(claimed.error);
  const { config, proc } = claimed.value;
  let gate: number | undefined;
  const closeGate = (): void => {
    if (gate !== undefined) closeSync(gate);
    gate = undefined;
  };
  return launchClaimed(
    c,
    config,
    async (cgroup) => {
      const g = makeGate(c.id, c.dir);
      if (g.isErr()) return err(g.error);
      gate = g.value;
      const launched = await launchInit(c, config, proc, options, cgroup, { gateFd: gate, detach: true, ...(options.fds ? { fds: options.fds } : {}) });
      if (launched.isOk()) closeGate(); // the init holds the gate now
      return launched.map((child) => child.pid);
    },
    () => {
      closeGate();
      removeGate(c.dir);
    },
  );
}
