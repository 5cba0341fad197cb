/**
 * The small pieces every validator of spawn's options uses: the
 * `invalid-option` error, and the checks of values the helper takes.
 *
 * @module
 */
import type { InvalidOptionError } from '../errors/ns-error.js';

/** An `invalid-option` error of `option`. */
export const invalidOption = (option: string, message: string): InvalidOptionError => ({ kind: 'invalid-option', option, message });

/** Array.isArray without its narrowing to any[]. */
export const isArray: (value: unknown) => boolean = Array.isArray;

/** A path the helper takes: absolute, without NUL. */
export const isAbsolutePath = (p: unknown): p is string => typeof p === 'string' && p.startsWith('/') && !p.includes('\0');

/** undefined when `p` is a path the helper takes, else the `invalid-option` of `option` that quotes it. */
export function checkAbsolute(option: string, p: unknown): InvalidOptionError | undefined {
  return isAbsolutePath(p) ? undefined : invalidOption(option, `${option} must be an absolute path, got ${JSON.stringify(p)}`);
}
