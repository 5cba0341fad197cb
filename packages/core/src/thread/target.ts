/**
 * Targets: which namespaces a task runs in. Validation and conversion to the
 * wire form happen on the calling thread, before anything is sent, so bad
 * input costs no worker round trip and leaves nothing behind.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { NamespaceHandle } from '../namespace/handle.js';
import { NAMESPACE_TYPES, isNamespaceType, unknownNamespaceType, type NamespaceType } from '../namespace/kind.js';
import { checkPid, processNamespacePath } from '../namespace/paths.js';
import type { WireEntry } from './protocol.js';
import { closeSync, openSync } from 'node:fs';
import { fsError } from '../errors/from-errno.js';
import { classifyNamespaceFd, NS_OPEN_FLAGS } from '../namespace/open.js';
import { switchError, type ThreadState } from './thread-state.js';

/**
 * How a namespace of a target is named: a path to a namespace file, a pid
 * (its `/proc/PID/ns/TYPE`), an open {@link NamespaceHandle}, or `'new'` for
 * a fresh namespace that lives as long as the task (or what the task leaves
 * in it).
 */
// 'new' is spelled out for the reader, although string already includes it.
// eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
export type TargetValue = string | number | NamespaceHandle | 'new';

/**
 * Which namespaces to run in, by type. Types left out stay as they are.
 *
 * @example
 * ```ts
 * import type { NamespaceTarget } from '@linuxns/core';
 * const t: NamespaceTarget = { net: '/run/netns/blue', uts: 'new' };
 * ```
 */
export type NamespaceTarget = Partial<Record<NamespaceType, TargetValue>>;

/** Where a type cannot be held by a thread, what to do instead. */
export function unsupportedInThread(type: NamespaceType, allowed: readonly NamespaceType[], where: string): NsError | undefined {
  if (allowed.includes(type)) return undefined;
  // The message says why; the hint, what to do instead (never the same words twice).
  const [why, hint] =
    type === 'user'
      ? ['no thread of a multi-threaded process can join or create a user namespace', "setns gives EINVAL for it: start a process in it with spawn (the C helper makes it before Node's threads exist there)"]
      : type === 'time'
        ? ['no thread of a multi-threaded process can enter a time namespace, and its offsets apply to new children only', 'setns gives EUSERS for it: start a process in it with spawn (the C helper makes it, then writes the offsets)']
        : type === 'pid' && where === 'createNamespace'
          ? ['a new pid namespace cannot be opened or pinned before its first process exists', "make it with its process: spawn with create: ['pid'] (and pin: { pid: PATH } to keep it), or NamespacePool.run with { pid: 'new' } and a child"]
          : [`${where} takes ${allowed.join(', ')} only`, `use NamespacePool.run for ${type}`];
  return { kind: 'unsupported-in-thread', namespace: type, hint, message: `cannot hold a ${type} namespace in ${where}: ${why}` };
}

/** A target in wire form, plus the handles borrowed for it (the caller gives them back when the task ends). */
export interface PreparedTarget {
  readonly entries: WireEntry[];
  readonly borrowed: NamespaceHandle[];
}

/**
 * Validates `target` and converts it. Throws `TypeError`/`RangeError` for
 * misuse (wrong value types, a closed handle); returns an error for values
 * that are well-typed but wrong.
 */
export function prepareTarget(
  target: NamespaceTarget,
  allowed: readonly NamespaceType[],
  where: string,
  /** Borrow handle fds, so the target stays valid if the caller closes a handle while the task waits; not needed for a synchronous use. */
  borrowHandles = true,
): Result<PreparedTarget, NsError> {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    throw new TypeError(`target must be an object mapping namespace types to a path, pid, NamespaceHandle or 'new'; got ${Array.isArray(target) ? 'an array' : typeof target}`);
  }
  const entries: WireEntry[] = [];
  const borrowed: NamespaceHandle[] = [];
  const fail = (e: NsError): Result<PreparedTarget, NsError> => {
    borrowed.forEach((h) => h.giveBack());
    return err(e);
  };
  try {
    for (const key of Object.keys(target)) {
      const value = (target as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (!isNamespaceType(key)) return fail(unknownNamespaceType(key, ' (a key of the target)'));
      const type: NamespaceType = key;
      const unsupported = unsupportedInThread(type, allowed, where);
      if (unsupported) return fail(unsupported);
      if (value === 'new') {
        entries.push({ type, create: true });
      } else if (typeof value === 'string') {
        if (!value.startsWith('/')) {
          return fail({ kind: 'invalid-target', namespace: type, value, message: `${type}: ${JSON.stringify(value)} is neither an absolute path nor 'new'` });
        }
        entries.push({ type, path: value });
      } else if (typeof value === 'number') {
        checkPid(value);
        entries.push({ type, path: processNamespacePath(value, type) });
      } else if (value instanceof NamespaceHandle) {
        const fd = value.fd; // throws TypeError when closed
        if (value.type !== type) {
          return fail({ kind: 'wrong-namespace-type', expected: type, actual: value.type, message: `the handle given for ${type} is ${value.toString()}` });
        }
        if (borrowHandles) {
          value.borrow();
          borrowed.push(value);
        }
        entries.push({ type, fd });
      } else {
        throw new TypeError(`target.${type} must be a path, a pid, a NamespaceHandle or 'new'; got ${value === null ? 'null' : typeof value}`);
      }
    }
  } catch (e) {
    // A misuse TypeError/RangeError after some handles were lent: give them back first.
    borrowed.forEach((h) => h.giveBack());
    throw e;
  }
  entries.sort((a, b) => NAMESPACE_TYPES.indexOf(a.type) - NAMESPACE_TYPES.indexOf(b.type));
  return ok({ entries, borrowed });
}

/**
 * Opens every file of `entries` before joining anything (after a mount
 * namespace is joined, paths may resolve elsewhere), then joins them in
 * order on the calling thread. Stops at the first failure and returns it.
 * Fills `opened` (fds to close once the thread is restored) and `joined`
 * (types to leave, newest last) so that the caller undoes exactly what was
 * done, on every path.
 */
export function enterTarget(state: ThreadState, entries: readonly WireEntry[], opened: number[], joined: NamespaceType[]): NsError | undefined {
  const fds: Array<number | 'new'> = [];
  for (const e of entries) {
    if ('path' in e) {
      let fd: number;
      try {
        fd = openSync(e.path, NS_OPEN_FLAGS);
      } catch (x) {
        return fsError(x, { path: e.path, namespace: e.type });
      }
      opened.push(fd);
      const t = classifyNamespaceFd(fd, e.path, e.type);
      if (t.isErr()) return t.error;
      fds.push(fd);
    } else fds.push('fd' in e ? e.fd : 'new');
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const f = state.enter(e.type, fds[i]!);
    if (f) return switchError(f, 'path' in e ? e.path : undefined);
    joined.push(e.type);
  }
  return undefined;
}

/** Closes the fds {@link enterTarget} opened. */
export function closeOpened(opened: readonly number[]): void {
  for (const fd of opened) closeSync(fd);
}
