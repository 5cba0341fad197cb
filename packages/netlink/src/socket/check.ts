/**
 * Argument checks shared by the socket's operations. Misuse throws at once
 * (a `TypeError` or `RangeError` quoting the bad value); values the kernel
 * or the codec judge are left to them.
 *
 * @module
 */
import * as C from '../codec/constants.js';

/** Scope names to numbers: the names routes are listed with (SCOPE_NAMES), and `universe` for `global`. */
const SCOPES: Readonly<Record<string, number>> = { universe: C.RT_SCOPE_UNIVERSE, ...Object.fromEntries(Object.entries(C.SCOPE_NAMES).map(([n, name]) => [name, Number(n)])) };

export function typeError(what: string, value: unknown): TypeError {
  return new TypeError(`${what}, got ${value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
}

export function checkName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string' || name.length === 0) throw typeError(`${what} must be a non-empty string`, name);
  return name;
}

export function checkUint(v: unknown, what: string, max = 0xffffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(`${what} must be an integer`, v);
  if (v < 0 || v > max) throw new RangeError(`${what} must be from 0 to ${max}, got ${v}`);
  return v;
}

/** `'global'`, `'link'`... or a number, as `RT_SCOPE_*`; `undefined` stays so. */
export function scopeOf(scope: string | number | undefined): number | undefined {
  if (scope === undefined) return undefined;
  if (typeof scope === 'number') return checkUint(scope, 'scope', 255);
  const v = SCOPES[scope];
  if (v === undefined) throw new RangeError(`scope must be one of ${Object.keys(SCOPES).join(', ')} or a number, got ${JSON.stringify(scope)}`);
  return v;
}

/** 4 or 6 as `AF_INET` or `AF_INET6`. */
export function familyNumber(f: unknown): number {
  if (f === 4) return C.AF_INET;
  if (f === 6) return C.AF_INET6;
  throw new RangeError(`family must be 4 or 6, got ${String(f)}`);
}
