/**
 * Finding the C helper: the path @linuxns/helper-c exports, checked on first
 * use (exists, executable) so that a missing build fails with the path and
 * the command that fixes it, not an opaque spawn error.
 *
 * @module
 */
import { accessSync, constants } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { buildCommand, helperPath } from '@linuxns/helper-c';
import type { NsError } from '../errors/ns-error.js';

let checked: string | undefined;

/** The helper's path, once it is known to be there and executable. */
export function locateHelper(path: string = process.env.LINUXNS_HELPER ?? helperPath): Result<string, NsError> {
  if (checked === path) return ok(path);
  try {
    accessSync(path, constants.X_OK);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'EACCES';
    return err({
      kind: 'helper-not-found',
      path,
      fix: buildCommand,
      message: `the linuxns C helper at ${path} is ${code === 'ENOENT' ? 'missing' : 'not executable'} (${code}); build it with: ${buildCommand}`,
    });
  }
  checked = path;
  return ok(path);
}
