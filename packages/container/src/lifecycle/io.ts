/**
 * The misuse of a process's stdio that spawn throws for at once, checked
 * before the steps that start a process are loaded (they load on first use):
 * a caller's mistake stays a synchronous TypeError, as spawn's own.
 *
 * @module
 */
import type { ProcessIo } from '../config/spawn-options.js';

/** Throws spawn's TypeError for a `stdio` array that is not [stdin, stdout, stderr]. */
export function checkStdio(io: ProcessIo): void {
  if (Array.isArray(io.stdio) && io.stdio.length !== 3) throw new TypeError('stdio must be one value or [stdin, stdout, stderr]');
}
