/**
 * The eight Linux namespace types and everything they map to: clone flags,
 * `/proc` file names and OCI runtime-spec names.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';

import type { NamespaceType } from '../types.js';

export type { NamespaceType };

/** A namespace type as the OCI runtime spec names it (`linux.namespaces[].type`). */
export type OciNamespaceType = 'cgroup' | 'ipc' | 'mount' | 'network' | 'pid' | 'time' | 'user' | 'uts';

/**
 * Every namespace type, in the order linuxns joins them when it joins several
 * (mnt last: once a thread is in another mount namespace, paths may resolve
 * differently).
 *
 * @example
 * ```ts
 * import { NAMESPACE_TYPES } from '@linuxns/core';
 * console.log(NAMESPACE_TYPES.join(',')); // cgroup,ipc,net,pid,time,user,uts,mnt
 * ```
 */
export const NAMESPACE_TYPES: readonly NamespaceType[] = Object.freeze(['cgroup', 'ipc', 'net', 'pid', 'time', 'user', 'uts', 'mnt']);

/**
 * The `CLONE_NEW*` flag of each type (for clone, unshare and setns).
 *
 * @example
 * ```ts
 * import { CLONE_FLAGS } from '@linuxns/core';
 * console.log(CLONE_FLAGS.net.toString(16)); // '40000000'
 * ```
 */
export const CLONE_FLAGS: Readonly<Record<NamespaceType, number>> = Object.freeze({
  cgroup: 0x02000000,
  ipc: 0x08000000,
  mnt: 0x00020000,
  net: 0x40000000,
  pid: 0x20000000,
  time: 0x00000080,
  user: 0x10000000,
  uts: 0x04000000,
});

const OCI_OF: Readonly<Record<NamespaceType, OciNamespaceType>> = Object.freeze({
  cgroup: 'cgroup',
  ipc: 'ipc',
  mnt: 'mount',
  net: 'network',
  pid: 'pid',
  time: 'time',
  user: 'user',
  uts: 'uts',
});

const FROM_OCI = new Map<string, NamespaceType>(Object.entries(OCI_OF).map(([t, o]) => [o, t as NamespaceType]));
const FROM_FLAG = new Map<number, NamespaceType>(Object.entries(CLONE_FLAGS).map(([t, f]) => [f, t as NamespaceType]));

/**
 * True for the eight names of {@link NamespaceType}.
 *
 * @example
 * ```ts
 * import { isNamespaceType } from '@linuxns/core';
 * isNamespaceType('net'); // true
 * isNamespaceType('network'); // false: that is the OCI name
 * ```
 */
export function isNamespaceType(value: unknown): value is NamespaceType {
  return typeof value === 'string' && Object.hasOwn(CLONE_FLAGS, value);
}

/**
 * The clone flag of a type.
 *
 * @example
 * ```ts
 * import { cloneFlag } from '@linuxns/core';
 * cloneFlag('mnt'); // 0x20000 (CLONE_NEWNS)
 * ```
 */
export function cloneFlag(type: NamespaceType): number {
  // Object.hasOwn, not `=== undefined`: 'toString' or 'constructor' would find Object.prototype's.
  if (!isNamespaceType(type)) throw new TypeError(unknownNamespaceType(type).message);
  return CLONE_FLAGS[type];
}

/**
 * The type whose clone flag is `flag` (as `ioctl(NS_GET_NSTYPE)` returns it),
 * or `undefined`.
 *
 * @example
 * ```ts
 * import { typeFromCloneFlag } from '@linuxns/core';
 * typeFromCloneFlag(0x40000000); // 'net'
 * ```
 */
export function typeFromCloneFlag(flag: number): NamespaceType | undefined {
  return FROM_FLAG.get(flag);
}

/**
 * The OCI runtime-spec name of a type (`net` → `network`, `mnt` → `mount`).
 *
 * @example
 * ```ts
 * import { toOciType } from '@linuxns/core';
 * toOciType('mnt'); // 'mount'
 * ```
 */
export function toOciType(type: NamespaceType): OciNamespaceType {
  if (!isNamespaceType(type)) throw new TypeError(unknownNamespaceType(type).message);
  return OCI_OF[type];
}

/**
 * The linuxns type of an OCI runtime-spec name (`network` → `net`), or
 * `undefined` for a name the spec does not define.
 *
 * @example
 * ```ts
 * import { fromOciType } from '@linuxns/core';
 * fromOciType('network'); // 'net'
 * ```
 */
export function fromOciType(name: string): NamespaceType | undefined {
  return FROM_OCI.get(name);
}

/**
 * Parses a type given by a person or a config file: accepts both the `/proc`
 * name (`net`) and the OCI name (`network`).
 *
 * @example
 * ```ts
 * import { parseNamespaceType } from '@linuxns/core';
 * parseNamespaceType('network'); // ok('net')
 * parseNamespaceType('netns').isErr(); // true: unknown-namespace-type
 * ```
 */
export function parseNamespaceType(value: string): Result<NamespaceType, NsError> {
  if (isNamespaceType(value)) return ok(value);
  const t = fromOciType(value);
  if (t !== undefined) return ok(t);
  return err(unknownNamespaceType(value));
}

/** Edit distance of two short names (for a "did you mean"). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The one hint every place gives for a name that is no namespace type: the names, and the likely one. */
function typeHint(value: unknown): string {
  const names = `linuxns names the types as /proc/PID/ns does: ${NAMESPACE_TYPES.join(', ')}`;
  if (typeof value !== 'string') return names;
  const oci = fromOciType(value);
  if (oci !== undefined) return `${JSON.stringify(value)} is the OCI runtime spec's name: use '${oci}' (${names})`;
  const lower = value.toLowerCase();
  const near = NAMESPACE_TYPES.map((t) => [t, Math.min(distance(lower, t), lower.startsWith(t) || t.startsWith(lower) ? 1 : 99)] as const).sort((a, b) => a[1] - b[1])[0]!;
  return near[1] <= 2 ? `did you mean '${near[0]}'? (${names})` : names;
}

/**
 * The `unknown-namespace-type` error for `value`, with the hint every part
 * of linuxns gives for it (the OCI name's linuxns name, a near miss, the
 * names). `where` says where it was found (`' in create'`).
 *
 * @example
 * ```ts
 * import { unknownNamespaceType } from '@linuxns/core';
 * console.log(unknownNamespaceType('network').message);
 * // unknown namespace type "network": "network" is the OCI runtime spec's name: use 'net' (...)
 * ```
 */
export function unknownNamespaceType(value: unknown, where = ''): NsError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return { kind: 'unknown-namespace-type', value: String(value), message: `unknown namespace type ${shown}${where}: ${typeHint(value)}` };
}
