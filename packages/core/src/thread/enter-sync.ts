/**
 * {@link enterSync}: join namespaces on the calling thread, run a function
 * synchronously, and restore, all before returning.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { startThreadpool } from './threadpool.js';
import { closeOpened, enterTarget, prepareTarget, type NamespaceTarget } from './target.js';
import { serializeThrown } from './serialize.js';
import { abortOnRestoreFailure, ThreadState } from './thread-state.js';

/**
 * The namespace types {@link enterSync} accepts.
 *
 * @example
 * ```ts
 * import { SYNC_TYPES } from '@linuxns/core';
 * SYNC_TYPES.includes('net'); // true
 * ```
 */
export const SYNC_TYPES: readonly NamespaceType[] = Object.freeze(['cgroup', 'ipc', 'net', 'uts']);

/**
 * Joins the namespaces of `target` on the calling thread (main thread
 * included), runs `fn` synchronously, and restores the thread's namespaces in
 * every case, before returning. For net, uts, ipc and cgroup (other types
 * give `unsupported-in-thread`); `'new'` creates a namespace that lives as
 * long as something uses it (a socket made inside, for example).
 *
 * Only the synchronous part of `fn` runs inside: whatever it schedules
 * (callbacks, promises, async fs) runs later, outside. A function that
 * returns a promise is refused with a `TypeError` (after restoring).
 *
 * If the restore itself ever fails, the thread is in an unknown namespace and
 * the process cannot continue safely: linuxns prints the reason to stderr
 * and aborts the process.
 *
 * @example
 * ```ts
 * import { enterSync } from '@linuxns/core';
 * import { hostname } from 'node:os';
 * const r = enterSync({ uts: 'new' }, () => hostname());
 * if (r.isOk()) console.log('inside a fresh uts namespace, hostname is', r.value);
 * ```
 */
export function enterSync<T>(target: NamespaceTarget, fn: () => T): Result<T, NsError> {
  if (typeof fn !== 'function') throw new TypeError(`fn must be a function, got ${typeof fn}`);
  const prepared = prepareTarget(target, SYNC_TYPES, 'enterSync', false);
  if (prepared.isErr()) return err(prepared.error);
  const { entries } = prepared.value;
  startThreadpool();
  const state = ThreadState.current();

  const opened: number[] = [];
  const joined: NamespaceType[] = [];
  let result: Result<T, NsError> | undefined;
  let returnedPromise = false;
  try {
    const failed = enterTarget(state, entries, opened, joined);
    if (failed) result = err(failed);
    else {
      try {
        const v = fn();
        returnedPromise = typeof (v as { then?: unknown } | null)?.then === 'function';
        result = ok(v);
      } catch (e) {
        result = err(serializeThrown(e, true));
      }
    }
  } finally {
    // Whatever happened above, the thread goes back before anything else runs on it.
    for (let i = joined.length - 1; i >= 0; i--) {
      const f = state.leave(joined[i]!);
      if (f) abortOnRestoreFailure(f, 'enterSync');
    }
    closeOpened(opened);
  }
  if (returnedPromise) {
    throw new TypeError('enterSync ran a function that returned a promise: only its synchronous part ran inside the namespaces. Use NamespacePool.run for async work.');
  }
  return result;
}
