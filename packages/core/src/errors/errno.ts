/**
 * errno numbers ↔ names (`13` ↔ `'EACCES'`), from Node's own table so the
 * names are the ones Node prints.
 *
 * @module
 */
import { constants } from 'node:os';

const byNumber = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  // EWOULDBLOCK and EDEADLOCK alias EAGAIN and EDEADLK: keep the first, usual name.
  if (!byNumber.has(value)) byNumber.set(value, name);
}

/**
 * The symbolic name of an errno value: `errnoName(1) === 'EPERM'`. Unknown
 * values come back as `'E' + n` rather than failing.
 *
 * @example
 * ```ts
 * import { errnoName } from '@linuxns/core';
 * console.log(errnoName(22)); // 'EINVAL'
 * ```
 */
export function errnoName(errno: number): string {
  return byNumber.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}
