/**
 * Container ids: what a directory under the factory's root may be named.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { ContainerFailure } from './errors.js';

/** Longest id accepted (a cgroup directory name must stay under 255 bytes with its prefix). */
export const MAX_ID_LENGTH = 128;

const ID = /^[A-Za-z0-9_+.-]+$/;

/**
 * Checks a container id: letters, digits and `_ + - .`, at most
 * {@link MAX_ID_LENGTH} characters, not `.` or `..` (so never a path trick:
 * no `/`, no NUL). `container-invalid-id` otherwise, quoting it. An id that
 * is not a string is a misuse: TypeError, thrown.
 *
 * @example
 * ```ts
 * import { validateId } from '@linuxns/container';
 * console.log(validateId('web-1').isOk(), validateId('../etc').isErr()); // true true
 * ```
 */
export function validateId(id: string): Result<string, ContainerFailure> {
  const bad = (why: string): Result<string, ContainerFailure> =>
    err({ kind: 'container-invalid-id', id: String(id), message: `invalid container id ${JSON.stringify(id)}: ${why}` });
  if (typeof id !== 'string') throw new TypeError(`a container id must be a string, got ${id === null ? 'null' : typeof id}`);
  if (id.length === 0) return bad('it must be a non-empty string');
  if (id.length > MAX_ID_LENGTH) return bad(`longer than ${MAX_ID_LENGTH} characters`);
  if (id === '.' || id === '..') return bad('"." and ".." are not ids');
  if (!ID.test(id)) return bad('only letters, digits and _ + - . are allowed');
  return ok(id);
}
