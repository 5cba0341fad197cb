/**
 * Signals to a running container's init, and waiting for its end.
 *
 * @module
 */
import { constants as osConstants } from 'node:os';
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import type { ExitStatus, NsChild } from '@linuxns/core';
import { systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { waitGone } from '../proc.js';
import { snapshot, type ContainerRef } from './state.js';

/** Throws for a signal that is none: an unknown name (TypeError), a number outside 0..64 (RangeError). */
function checkSignal(signal: unknown): void {
  if (typeof signal === 'string') {
    if (!Object.hasOwn(osConstants.signals, signal)) throw new TypeError(`unknown signal ${JSON.stringify(signal)}: a name such as 'SIGTERM', or a number`);
  } else if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 0 || signal > 64) throw new RangeError(`signal must be from 0 to 64, got ${signal}`);
  } else throw new TypeError(`signal must be a signal name or number, got ${typeof signal}`);
}

/** Sends `signal` to the init of `c` (see {@link Container.signal}). */
export function signalInit(c: ContainerRef, signal: NodeJS.Signals | number): Result<void, ContainerFailure> {
  checkSignal(signal);
  const st = snapshot(c);
  if (st.isErr()) return err(st.error);
  const { status, pid } = st.value.state;
  // A running init, or one waiting at its gate (createInit) or frozen (pause): the signal is queued until it goes on.
  if (pid === undefined || (status !== 'running' && status !== 'created' && status !== 'paused')) return err(wrongStatus(c.id, status, 'signal', 'it needs a running container'));
  try {
    process.kill(pid, signal);
    return ok(undefined);
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    if (x.code === 'ESRCH') return err(wrongStatus(c.id, 'stopped', 'signal', 'the init has just exited'));
    return err(systemError(c.id, `kill ${pid}: ${x.message}`));
  }
}

/**
 * Waits until the init of `c` has exited (see {@link Container.wait}):
 * `child`'s status when this process started it, else `{ code: null,
 * signal: null }` once it is gone.
 */
export function waitInit(c: ContainerRef, child: NsChild | undefined): ResultAsync<ExitStatus, ContainerFailure> {
  if (child) return ResultAsync.fromSafePromise(child.exited);
  const st = snapshot(c);
  if (st.isErr()) return errAsync(st.error);
  const { state, init } = st.value;
  if (state.status === 'created' || state.status === 'creating') return errAsync(wrongStatus(c.id, state.status, 'wait for', 'it was never started'));
  if (!init) return okAsync({ code: null, signal: null });
  return ResultAsync.fromSafePromise(waitGone(init.pid, init.startTime).then(() => ({ code: null, signal: null })));
}
