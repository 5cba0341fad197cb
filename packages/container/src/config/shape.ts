/**
 * The JSON shape of a config: what its values must be before any rule
 * applies (an object, an array, a path, a positive number). A config comes
 * from JSON (`config.json`, an OCI bundle), so every value is checked for
 * its type first; the rules it shares with spawn's options are core's
 * (`spawn-rules.ts`).
 *
 * @module
 */
import { isAbsolute } from 'node:path';

/** Array.isArray without its narrowing to any[]. */
export const isArray: (v: unknown) => boolean = Array.isArray;

/** A plain object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isArray(v);

/** An absolute path without NUL. */
export const absPath = (v: unknown): boolean => typeof v === 'string' && isAbsolute(v) && !v.includes('\0');

/** A whole number above 0. */
export const posInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** A string without NUL. */
export const cString = (v: unknown): boolean => typeof v === 'string' && !v.includes('\0');
