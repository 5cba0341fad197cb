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
import { mayKeepMknod } from '../config/validate-namespaces.js';
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
  const bad = checkProcess(proc, 'process', mayKeepMknod(config));
  return bad ? err(bad) : ok(proc);
}

/** How a launch that may not happen is refused: the action, and the reasons for a wrong status and for an init already there. */
export interface LaunchRefusal {
  readonly action: string;
  readonly needs: string;
  /** Refuse (with `needs`) a created container that has an init already (an OCI create's), not only after the claim. */
  readonly refuseInit?: boolean;
  /** Another launch ran to its end meanwhile: the status to report, and why. */
  readonly already: { readonly status: 'created' | 'running'; readonly why: string };
}

/**
 * The prologue both ways of launching an init share (start, and an OCI
 * runtime's create): the container is `created`, the
 * process to run is checked against its config, and the start claim is
 * taken (synchronously: a second launch meanwhile is refused at once); the
 * pid file is looked at again after the claim, since another launch may
 * have run to its end between the state read and the claim.
 */
export function claimLaunch(c: ContainerRef, process: ProcessConfig | undefined, refusal: LaunchRefusal): Result<{ config: ContainerConfig; proc: ProcessConfig }, ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return err(st.error);
  const { status } = st.value.state;
  if (status !== 'created' || (refusal.refuseInit === true && st.value.init)) return err(wrongStatus(c.id, status, refusal.action, refusal.needs));
  const config = c.config!;
  const checked = processToRun(config, process);
  if (checked.isErr()) return err(checked.error);
  const claim = claimStart(c);
  if (claim.isErr()) return err(claim.error);
  if (readPidFile(c.dir)) {
    releaseStart(c.dir);
    return err(wrongStatus(c.id, refusal.already.status, refusal.action, refusal.already.why));
  }
  return ok({ config, proc: checked.value });
}

/**
 * The launch both share, once claimed: the cgroup taken, then `launch`; a
 * failure, or a throw, runs `cleanup`, removes the cgroup it made and gives
 * the claim back, so that nothing of the attempt is left and the container
 * is `created` again.
 */
export function launchClaimed<T>(
  c: ContainerRef,
  config: ContainerConfig,
  launch: (cgroup: Parameters<typeof launchInit>[4]) => PromiseLike<Result<T, ContainerFailure>>,
  cleanup: () => void = () => {},
): ResultAsync<T, ContainerFailure> {
  return new ResultAsync(
    (async (): Promise<Result<T, ContainerFailure>> => {
      let recorded = false;
      const giveBack = async (): Promise<void> => {
        cleanup();
        if (recorded) await undoCgroup(c.dir);
        releaseStart(c.dir);
      };
      let r: Result<T, ContainerFailure>;
      try {
        const taken = takeCgroup(c, config, () => (recorded = true));
        r = taken.isErr() ? err(taken.error) : await launch(taken.value);
      } catch (e) {
        await giveBack();
        throw e;
      }
      if (r.isErr()) await giveBack();
      return r;
    })(),
  );
}

/**
 * Starts the init of `c` (see {@link Container.start}): the checks and the
 * claim before anything is made, then the cgroup and the launch; a failure,
 * or a throw, removes the cgroup it made and gives the claim back.
 */
export function startContainer(c: ContainerRef, process: ProcessConfig | undefined, io: ProcessIo): ResultAsync<NsChild, ContainerFailure> {
  const claimed = claimLaunch(c, process, { action: 'start', needs: 'start needs a created container', already: { status: 'running', why: 'start needs a created container' } });
  if (claimed.isErr()) return errAsync(claimed.error);
  const { config, proc } = claimed.value;
  checkpoint();
  return launchClaimed(c, config, (cgroup) => launchInit(c, config, proc, io, cgroup));
}
