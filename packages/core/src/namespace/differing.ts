/**
 * {@link openDifferingNamespaces}: the namespaces of a process that are not
 * this process's own, opened, what `nsenter --target PID --all` enters.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceHandle } from './handle.js';
import { sameNamespace, identityOfPath } from './identity.js';
import { NAMESPACE_TYPES, type NamespaceType } from './kind.js';
import { openProcessNamespace } from './open.js';
import { checkPid, selfNamespacePath } from './paths.js';

/** Options of {@link openDifferingNamespaces}. */
export interface DifferingNamespacesOptions {
  /**
   * Leave out a type whose `/proc/PID/ns` link is missing on either side (a kernel without
   * time namespaces...), as `nsenter --all` does, instead of failing with `not-found`.
   */
  readonly skipMissing?: boolean;
}

/**
 * Opens every namespace of process `pid` that differs from this process's own (compared by
 * identity, `/proc/self/ns/TYPE`), in the order of {@link NAMESPACE_TYPES}: what
 * `nsenter --target PID --all` enters. Each handle is opened first and compared after, so a
 * handle always names what was compared. The handles are the caller's to close (on an error,
 * none is left open). A type whose own identity cannot be read counts as differing.
 * A pid that does not exist gives `no-such-process`. Throws a `TypeError` or `RangeError` when
 * `pid` cannot be a pid. The result is a `join` for {@link spawn}.
 *
 * @example
 * ```ts
 * import { openDifferingNamespaces, spawn } from '@linuxns/core';
 * const theirs = openDifferingNamespaces(1, { skipMissing: true });
 * if (theirs.isOk()) {
 *   console.log(Object.keys(theirs.value)); // [] when pid 1 is in our namespaces
 *   const child = await spawn('hostname', [], { join: theirs.value, stdio: 'inherit' });
 *   for (const h of Object.values(theirs.value)) h.close(); // spawn has its own copies
 *   if (child.isOk()) await child.value.exited;
 * }
 * ```
 */
export function openDifferingNamespaces(pid: number, options: DifferingNamespacesOptions = {}): Result<Partial<Record<NamespaceType, NamespaceHandle>>, NsError> {
  checkPid(pid);
  const out: Partial<Record<NamespaceType, NamespaceHandle>> = {};
  const missing = (r: Result<unknown, NsError>): boolean => options.skipMissing === true && r.isErr() && r.error.kind === 'not-found';
  for (const type of NAMESPACE_TYPES) {
    const theirs = openProcessNamespace(pid, type);
    if (missing(theirs)) continue;
    if (theirs.isErr()) {
      for (const h of Object.values(out)) h.close();
      return err(theirs.error);
    }
    const mine = identityOfPath(selfNamespacePath(type), type);
    if (missing(mine) || (mine.isOk() && sameNamespace(mine.value, theirs.value))) theirs.value.close();
    else out[type] = theirs.value;
  }
  return ok(out);
}
