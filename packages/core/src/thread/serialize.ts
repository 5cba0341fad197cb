/**
 * A thrown value as plain data ({@link TaskFailedError}), so it can cross
 * threads and be printed.
 *
 * @module
 */
import type { TaskFailedError } from '../errors/ns-error.js';

/**
 * Turns anything a task threw into a `task-failed` error. Never throws itself,
 * whatever the value (a getter that throws, an object without a prototype):
 * it runs while a thread may still be inside the task's namespaces.
 */
export function serializeThrown(thrown: unknown, keepCause = false): TaskFailedError {
  try {
    return describe(thrown, keepCause);
  } catch {
    return { kind: 'task-failed', name: 'non-error', message: 'the task threw a value that cannot be described', ...(keepCause ? { cause: thrown } : {}) };
  }
}

function describe(thrown: unknown, keepCause: boolean): TaskFailedError {
  const cause = keepCause ? { cause: thrown } : {};
  if (thrown instanceof Error) {
    const code = (thrown as { code?: unknown }).code;
    return {
      kind: 'task-failed',
      name: thrown.name,
      message: thrown.message,
      ...(thrown.stack !== undefined ? { stack: thrown.stack } : {}),
      ...(typeof code === 'string' ? { code } : {}),
      ...cause,
    };
  }
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = Object.prototype.toString.call(thrown);
  }
  return { kind: 'task-failed', name: 'non-error', message: `the task threw a non-Error value: ${text}`, ...cause };
}

/**
 * Why `value` cannot be sent to another thread (what `structuredClone`
 * threw), or `undefined` when it can. Primitives are never cloned to find out.
 */
export function cloneFailure(value: unknown): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return undefined;
  try {
    structuredClone(value);
    return undefined;
  } catch (e) {
    return e ?? new Error('structuredClone failed');
  }
}

/**
 * Throws a TypeError now for an `arg` that cannot reach a worker: found only
 * when piscina posts the batch, it would fail every task sent with it.
 */
export function checkArgCloneable(arg: unknown): void {
  const e = cloneFailure(arg);
  if (e !== undefined) throw new TypeError(`the task's arg cannot be sent to a worker thread (it must be structured-cloneable): ${serializeThrown(e).message}`, { cause: e });
}
