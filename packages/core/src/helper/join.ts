/**
 * What {@link spawn} joins: checked with the options, then opened before
 * anything is joined (once a mount namespace is joined, paths may resolve
 * elsewhere): the namespaces of a pid that differ from ours, paths, and
 * dups of the caller's handles.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { dupCloexec } from '../ffi/syscall.js';
import { openDifferingNamespaces } from '../namespace/differing.js';
import { NamespaceHandle } from '../namespace/handle.js';
import { NAMESPACE_TYPES, type NamespaceType } from '../namespace/kind.js';
import { openNamespace } from '../namespace/open.js';
import { checkPid } from '../namespace/paths.js';
import type { WireEntry } from '../thread/protocol.js';
import { prepareTarget } from '../thread/target.js';
import { invalidOption } from './invalid.js';
import type { SpawnOptions } from './options.js';

/** What to join: a pid (its namespaces that differ from ours), or the targets, checked but not opened. */
export type JoinPlan = number | readonly WireEntry[] | undefined;

/** The namespaces to join, [type, handle], in the order of NAMESPACE_TYPES. */
export type JoinHandles = Array<[NamespaceType, NamespaceHandle]>;

/**
 * What is joined checked against the rest: no type both joined and created, and a user
 * namespace to join for `preserveCredentials`; the error, or undefined.
 */
export function checkJoined(joined: readonly NamespaceType[], create: readonly NamespaceType[], preserveCredentials: boolean | undefined): NsError | undefined {
  const both = joined.find((type) => create.includes(type));
  if (both !== undefined) return invalidOption('join', `${both} is both joined and created`);
  if (preserveCredentials && !joined.includes('user')) {
    return invalidOption('preserveCredentials', 'preserveCredentials is about joining a user namespace: join.user (or a pid in another user namespace) is needed');
  }
  return undefined;
}

/** What to join, checked but not opened (a pid stays a pid: {@link checkJoined} waits for its namespaces); or the error. */
export function joinPlan(o: SpawnOptions, create: readonly NamespaceType[]): Result<JoinPlan, NsError> {
  const join = o.join;
  if (join !== undefined && typeof join === 'number') {
    checkPid(join);
    return ok(join);
  }
  let entries: readonly WireEntry[] = [];
  if (join !== undefined) {
    // The same validation as every other target (paths, pids, handles); 'new' belongs in create.
    const prepared = prepareTarget(join, NAMESPACE_TYPES, 'spawn', false);
    if (prepared.isErr()) return err(prepared.error);
    entries = prepared.value.entries;
    const fresh = entries.find((e) => 'create' in e);
    if (fresh) return err(invalidOption('join', `join.${fresh.type} is 'new': put ${fresh.type} in create instead`));
  }
  const refusal = checkJoined(entries.map((e) => e.type), create, o.preserveCredentials);
  if (refusal) return err(refusal);
  return ok(join === undefined ? undefined : entries);
}

/** Closes every handle of `handles`. */
export function closeAll(handles: JoinHandles): void {
  for (const [, h] of handles) h.close();
}

/** Opens what `join` names. The caller closes every handle returned; on an error none is left open. */
export function openJoins(join: JoinPlan): Result<JoinHandles, NsError> {
  if (join === undefined) return ok([]);
  if (typeof join === 'number') return openDifferingNamespaces(join).map((theirs) => Object.entries(theirs) as JoinHandles);
  const handles: JoinHandles = [];
  for (const e of join) {
    let h: Result<NamespaceHandle, NsError>;
    if ('path' in e) h = openNamespace(e.path, e.type);
    else if ('fd' in e) h = dupCloexec(e.fd, { namespace: e.type }).map((fd) => NamespaceHandle.adopt(fd, e.type));
    else throw new TypeError(`join.${e.type}: 'new' reached spawn's opening of joins`); // refused by validateSpawnOptions
    if (h.isErr()) {
      closeAll(handles);
      return err(h.error);
    }
    handles.push([e.type, h.value]);
  }
  return ok(handles);
}
