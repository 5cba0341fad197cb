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
  if (!isNamespaceType(type)) throw new TypeError(`not a namespace type: ${JSON.stringify(type)}`);
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
  if (!isNamespaceType(type)) throw new TypeError(`not a namespace type: ${JSON.stringify(type)}`);
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
  return err({
    kind: 'unknown-namespace-type',
    value: String(value),
    message: `unknown namespace type ${JSON.stringify(value)}: expected one of ${NAMESPACE_TYPES.join(', ')} (or the OCI names network, mount)`,
  });
}
