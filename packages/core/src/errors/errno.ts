/**
 * errno numbers ↔ names (`13` ↔ `'EACCES'`), from Node's own table so the
 * names are the ones Node prints, completed with the Linux names Node's table
 * lacks (`EUSERS`, which setns into a time namespace gives, among them).
 *
 * @module
 */
import { constants } from 'node:os';

/**
 * Linux errno values (asm-generic/errno.h, identical on every architecture
 * Node supports on Linux) that `os.constants.errno` does not list.
 */
const LINUX_ONLY: ReadonlyArray<readonly [string, number]> = [
  ['ENOTBLK', 15],
  ['ECHRNG', 44],
  ['EL2NSYNC', 45],
  ['EL3HLT', 46],
  ['EL3RST', 47],
  ['ELNRNG', 48],
  ['EUNATCH', 49],
  ['ENOCSI', 50],
  ['EL2HLT', 51],
  ['EBADE', 52],
  ['EBADR', 53],
  ['EXFULL', 54],
  ['ENOANO', 55],
  ['EBADRQC', 56],
  ['EBADSLT', 57],
  ['EBFONT', 59],
  ['ENONET', 64],
  ['ENOPKG', 65],
  ['EREMOTE', 66],
  ['EADV', 68],
  ['ESRMNT', 69],
  ['ECOMM', 70],
  ['EDOTDOT', 73],
  ['ENOTUNIQ', 76],
  ['EBADFD', 77],
  ['EREMCHG', 78],
  ['ELIBACC', 79],
  ['ELIBBAD', 80],
  ['ELIBSCN', 81],
  ['ELIBMAX', 82],
  ['ELIBEXEC', 83],
  ['ERESTART', 85],
  ['ESTRPIPE', 86],
  ['EUSERS', 87],
  ['ESOCKTNOSUPPORT', 94],
  ['EPFNOSUPPORT', 96],
  ['ESHUTDOWN', 108],
  ['ETOOMANYREFS', 109],
  ['EHOSTDOWN', 112],
  ['EUCLEAN', 117],
  ['ENOTNAM', 118],
  ['ENAVAIL', 119],
  ['EISNAM', 120],
  ['EREMOTEIO', 121],
  ['ENOMEDIUM', 123],
  ['EMEDIUMTYPE', 124],
  ['ENOKEY', 126],
  ['EKEYEXPIRED', 127],
  ['EKEYREVOKED', 128],
  ['EKEYREJECTED', 129],
  ['EOWNERDEAD', 130],
  ['ENOTRECOVERABLE', 131],
  ['ERFKILL', 132],
  ['EHWPOISON', 133],
];

const byNumber = new Map<number, string>();
const byName = new Map<string, number>();
for (const [name, value] of [...Object.entries(constants.errno), ...LINUX_ONLY]) {
  // EWOULDBLOCK and EDEADLOCK alias EAGAIN and EDEADLK: keep the first, usual name.
  if (!byNumber.has(value)) byNumber.set(value, name);
  if (!byName.has(name)) byName.set(name, value);
}

/**
 * The symbolic name of an errno value: `errnoName(1) === 'EPERM'`. Unknown
 * values come back as `'E' + n` rather than failing.
 *
 * @example
 * ```ts
 * import { errnoName } from '@linuxns/core';
 * console.log(errnoName(22)); // 'EINVAL'
 * console.log(errnoName(87)); // 'EUSERS' (not in Node's own table)
 * ```
 */
export function errnoName(errno: number): string {
  return byNumber.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

/**
 * The errno value of a symbolic name (`'EPERM'` → `1`), or 0 when the name
 * is unknown. Internal: {@link syscallError} uses it for errors given by name.
 *
 * @internal
 * @example
 * ```ts
 * import { syscallError } from '@linuxns/core';
 * const e = syscallError('setns', 'EUSERS');
 * if (e.kind === 'syscall-failed') console.log(e.errno); // 87, through errnoNumber
 * ```
 */
export function errnoNumber(name: string): number {
  return byName.get(name) ?? 0;
}
