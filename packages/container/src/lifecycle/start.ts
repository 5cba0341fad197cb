/**
 * Starting a container: from `created` only, one start at a time (the
 * `starting` claim), its cgroup taken, then its init launched; a failure
 * undoes the attempt, and the container is `created` again.
 *
 * @module
 */
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow';
import type { NsChild } from '@linuxns/core';
import type { ProcessIo } from '../config/spawn-options.js';
import type { ContainerConfig, ProcessConfig } from '../config/types.js';
import { hasNewUserns } from '../config/validate-namespaces.js';
import { checkProcess } from '../config/validate-process.js';
import { checkpoint } from '../crash.js';
import { configInvalid, wrongStatus, type ContainerFailure } from '../errors.js';
import { readPidFile } from '../store.js';
import { claimStart, releaseStart } from './claim.js';
import { launchInit } from './launch-init.js';
import { takeCgroup, undoCgroup } from './owned-cgroup.js';
import { snapshot, type ContainerRef } from './state.js';

/** The process a start runs (`process`, else the config's), checked against the config; or why not. */
export function processToRun(config: ContainerConfig, process: ProcessConfig | undefined): Result<ProcessConfig, ContainerFailure> {
  const proc = process ?? config.process;
  if (proc === undefined) return err(configInvalid('process', 'no process to start: give one, or put process in the config'));
  const bad = checkProcess(proc, 'process', hasNewUserns(config));
  return bad ? err(bad) : ok(proc);
}

/**
 * Starts the init of `c` (see {@link Container.start}): the checks and the
 * claim before anything is made (synchronously: a second start meanwhile is
 * refused at once), then the cgroup and the launch; a failure, or a throw,
 * removes the cgroup it made and gives the claim back.
 */
export function startContainer(c: ContainerRef, process: ProcessConfig | undefined, io: ProcessIo): ResultAsync<NsChild, ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return errAsync(st.error);
  const { status } = st.value.state;
  if (status !== 'created') return errAsync(wrongStatus(c.id, status, 'start', 'start needs a created container'));
  const config = c.config!;
  const checked = processToRun(config, process);
  if (checked.isErr()) return errAsync(checked.error);
  const proc = checked.value;
  const claim = claimStart(c);
  if (claim.isErr()) return errAsync(claim.error);
  // Another start may have run to its end between the state read and the claim.
  if (readPidFile(c.dir)) {
    releaseStart(c.dir);
    return errAsync(wrongStatus(c.id, 'running', 'start', 'start needs a created container'));
  }
  checkpoint();
  return new ResultAsync(
    (async (): Promise<Result<NsChild, ContainerFailure>> => {
      let recorded = false;
      let r: Result<NsChild, ContainerFailure>;
      try {
        const taken = takeCgroup(c, config, () => (recorded = true));
        if (taken.isErr()) r = err(taken.error);
        else r = await launchInit(c, config, proc, io, taken.value);
      } catch (e) {
        if (recorded) await undoCgroup(c.dir);
        releaseStart(c.dir);
        throw e;
      }
      if (r.isErr()) {
        // Nothing of the attempt runs: the cgroup it made goes, and the container is created again.
        if (recorded) await undoCgroup(c.dir);
        releaseStart(c.dir);
      }
      return r;
    })(),
  );
}
