/**
 * The wire between the pool side (`pool.ts`, main thread) and the worker side
 * (`worker.ts`). Both import this file; neither imports the other.
 *
 * The pool sends one piscina task per worker at a time: a {@link BatchRequest}
 * of one or more namespace tasks, which the worker runs one after the other.
 * Each finished task's outcome is posted on the pool's BroadcastChannel at
 * once, except the last, which travels in the {@link BatchReply} (so a batch
 * of one costs exactly one round trip). A worker that must retire posts a
 * `retire` message and exits inside the handler, before piscina can hand it
 * another task.
 *
 * @module
 */
import type { NamespaceType } from '../namespace/kind.js';
import type { NsError } from '../errors/ns-error.js';

/** How one namespace of a task's target reaches the worker. */
export type WireEntry =
  /** Open this path in the worker (before joining anything). */
  | { readonly type: NamespaceType; readonly path: string }
  /** Join this fd: a handle's fd, lent by the pool side for the life of the task. */
  | { readonly type: NamespaceType; readonly fd: number }
  /** Create a new namespace for this task only. */
  | { readonly type: NamespaceType; readonly create: true };

/** One task. */
export interface TaskRequest {
  readonly id: number;
  /** Sorted in join order (NAMESPACE_TYPES order, mnt last). */
  readonly target: readonly WireEntry[];
  /** A `file:` URL. */
  readonly module: string;
  readonly exportName: string;
  readonly arg: unknown;
  /** Test-only: make the restore fail for real (setns on a bad fd). */
  readonly failRestore?: boolean;
  /** Retire the worker if the task has not settled after this many ms. */
  readonly timeoutMs?: number;
}

/** What the pool hands piscina. */
export interface BatchRequest {
  readonly tasks: readonly TaskRequest[];
  /** After this many ms, unstarted tasks are given back to the pool. */
  readonly sliceMs: number;
}

/** A task's outcome as plain data (Results are classes and do not survive postMessage). */
export type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: NsError };

/** What the worker returns through piscina. */
export interface BatchReply {
  /** The outcome of the last task the worker ran, if not posted on the channel. */
  readonly last?: readonly [id: number, outcome: Outcome];
  /** Tasks the worker did not start: the pool queues them again. */
  readonly givenBack: readonly number[];
}

/** Messages on the pool's BroadcastChannel. */
export type ChannelMessage =
  | { readonly type: 'result'; readonly id: number; readonly outcome: Outcome }
  | { readonly type: 'give-back'; readonly ids: readonly number[] }
  | { readonly type: 'retire'; readonly id: number; readonly outcome: Outcome; readonly givenBack: readonly number[] }
  /** A worker finished loading its modules (koffi included) and may now be terminated safely. */
  | { readonly type: 'ready'; readonly threadId: number };

/** Messages from the pool to its workers, on the control channel. */
export type ControlMessage = { readonly type: 'abort'; readonly id: number };

/** `workerData` of every pool worker. */
export interface PoolWorkerData {
  /** Name of the pool's BroadcastChannel (workers → pool). */
  readonly channel: string;
  /** Name of the control channel (pool → workers). */
  readonly control: string;
}

/** Exit code of a worker that retires itself after a failed restore. */
export const RETIRE_EXIT_CODE = 86;
