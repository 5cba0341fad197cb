/**
 * A command that outlives {@link spawn} and its caller: `gateFd` (a gate of
 * the caller's own, e.g. a FIFO another process opens later) and `detach`
 * (the helper's `--detach`): what an OCI runtime's `create`, `start` and
 * `exec --detach` need, each run by a process that exits before the
 * container's init does.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { invalidOption } from './invalid.js';
import type { SpawnOptions } from './options.js';

/** What `gateFd` and `detach` give the request: the caller's gate fd, and the helper's flag. */
export interface DetachSettings {
  /** The caller's fd the command waits on, passed to the helper as its gate. */
  readonly gate?: number;
  readonly detach?: true;
}

/** Validates `gateFd` and `detach` against the options they exclude or need. */
export function detachSettings(o: SpawnOptions): Result<DetachSettings, NsError> {
  const out: { gate?: number; detach?: true } = {};
  if (o.gateFd !== undefined) {
    if (!Number.isInteger(o.gateFd) || o.gateFd < 0) throw new TypeError(`gateFd must be an fd number, got ${String(o.gateFd)}`);
    if (o.beforeExec !== undefined) return err(invalidOption('gateFd', 'gateFd and beforeExec exclude each other (each is the gate the command waits at)'));
    out.gate = o.gateFd;
  }
  if (o.detach !== undefined && o.detach !== false) {
    if (o.detach !== true) throw new TypeError(`detach must be a boolean, got ${typeof o.detach}`);
    if (o.pidFile === undefined) return err(invalidOption('detach', 'detach needs pidFile: it is how the command is found once spawn is gone'));
    if (o.pin !== undefined && Object.keys(o.pin).length > 0) return err(invalidOption('detach', 'detach excludes pin (the pin keeper supervises the command)'));
    if (o.parentDeathSignal !== undefined) return err(invalidOption('detach', 'detach excludes parentDeathSignal (the command outlives its caller)'));
    if (o.beforeExec !== undefined) return err(invalidOption('detach', 'detach excludes beforeExec (no caller is left to open that gate): use gateFd'));
    out.detach = true;
  }
  return ok(out);
}
