/**
 * Namespace identity: the (device, inode) pair of its nsfs file. Two paths
 * or handles name the same namespace exactly when their identities are equal;
 * names and paths prove nothing.
 *
 * @module
 */
import { fstatSync, statSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceType } from './kind.js';
import { threadNamespacePath, type NsPathOptions } from './paths.js';

/** Who a namespace is: its type and the (dev, ino) of its nsfs inode. */
export interface NamespaceIdentity {
  readonly type: NamespaceType;
  readonly dev: bigint;
  readonly ino: bigint;
}

/**
 * True when both name the same namespace (same dev and ino).
 *
 * @example
 * ```ts
 * import { sameNamespace, threadNamespaceIdentity } from '@linuxns/core';
 * const a = threadNamespaceIdentity('net');
 * if (a.isOk()) console.log(sameNamespace(a.value, a.value)); // true
 * ```
 */
export function sameNamespace(a: NamespaceIdentity, b: NamespaceIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * `type:[ino]`, the form the kernel's `/proc/PID/ns/X` links and `lsns` use.
 *
 * @example
 * ```ts
 * import { formatIdentity } from '@linuxns/core';
 * formatIdentity({ type: 'net', dev: 4n, ino: 4026531840n }); // 'net:[4026531840]'
 * ```
 */
export function formatIdentity(id: NamespaceIdentity): string {
  return `${id.type}:[${id.ino}]`;
}

/** @internal Identity of an open fd already known to be a namespace of `type` (throws on a bad fd). */
export function identityOfFd(fd: number, type: NamespaceType): NamespaceIdentity {
  const st = fstatSync(fd, { bigint: true });
  return { type, dev: st.dev, ino: st.ino };
}

/**
 * The identity of the namespace of `type` the calling thread is in now
 * (`/proc/thread-self/ns/TYPE`), without keeping anything open.
 *
 * @example
 * ```ts
 * import { threadNamespaceIdentity, formatIdentity } from '@linuxns/core';
 * const id = threadNamespaceIdentity('net');
 * if (id.isOk()) console.log(formatIdentity(id.value)); // net:[4026531840]
 * ```
 */
export function threadNamespaceIdentity(type: NamespaceType, options: NsPathOptions = {}): Result<NamespaceIdentity, NsError> {
  const path = threadNamespacePath(type, options);
  return identityOfPath(path, type);
}

/**
 * The identity of the namespace file at `path` (stat, following the magic
 * link). Does not check that it is a namespace: use {@link openNamespace}
 * for that.
 *
 * @example
 * ```ts
 * import { identityOfPath } from '@linuxns/core';
 * identityOfPath('/proc/self/ns/uts', 'uts');
 * ```
 */
export function identityOfPath(path: string, type: NamespaceType): Result<NamespaceIdentity, NsError> {
  try {
    const st = statSync(path, { bigint: true });
    return ok({ type, dev: st.dev, ino: st.ino });
  } catch (e) {
    return err(fsError(e, { path, namespace: type }));
  }
}
