/**
 * The `spawn-setup-failed` error of {@link spawn}: a setup step that failed,
 * in the helper or on the direct path, with a message that says what to do
 * where the cause is usually one thing.
 *
 * @module
 */
import { errnoNumber } from '../errors/errno.js';
import type { SpawnSetupFailedError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { STEP_EXEC, STEP_PIN } from './protocol.js';

/** The namespaces to pin, [type, path], for the message of a failed pin. */
export type PinList = ReadonlyArray<readonly [NamespaceType, string]>;

/** A `spawn-setup-failed` error: the helper's (or the direct path's) failed step. */
export function setupFailed(command: string, step: string, syscall: string, code: string, pins: PinList = [], message?: string): SpawnSetupFailedError {
  return { kind: 'spawn-setup-failed', step, syscall, code, errno: errnoNumber(code), message: message ?? setupMessage(command, step, syscall, code, pins) };
}

/** The message of a failed setup step, with a hint where the cause is usually one thing. */
function setupMessage(command: string, step: string, syscall: string, code: string, pins: PinList): string {
  let m = `setting up ${JSON.stringify(command)} failed at step ${step}: ${syscall} gave ${code}`;
  if (step === STEP_EXEC && code === 'ENOENT') return `${m} (no such command)`;
  if (step !== STEP_PIN) return m;
  m += ` (pinning ${pins.map(([t, p]) => `${t} on ${JSON.stringify(p)}`).join(', ')})`;
  if (code === 'EBUSY') m += ': a pin path is already a mount point (a pin? unpinNamespace it first)';
  else if (code === 'ENOENT') m += ': the directory of a pin path does not exist (it is not created)';
  else if (code === 'EINVAL' && pins.some(([t]) => t === 'mnt')) {
    m += ": a mount namespace cannot be pinned on a mount that propagates into it (util-linux#289): keep mountPropagation 'private', or pin on a private mount";
  }
  return m;
}
