/**
 * The public shapes of {@link NamespacePool}: its options and a task's, its
 * counters and events, and the check of `verify`.
 *
 * @module
 */
import type { NsError } from '../errors/ns-error.js';
import type { RetireCause } from './protocol.js';

/** Options of {@link NamespacePool}. */
export interface NamespacePoolOptions {
  /** Worker threads, each pinned for the life of its tasks. Default 2. */
  readonly threads?: number;
  /** Most tasks handed to a worker in one message when many are queued. Default 32. */
  readonly maxBatch?: number;
  /** A worker gives unstarted tasks of a batch back to the pool after this many ms. Default 5. */
  readonly sliceMs?: number;
  /**
   * Which namespaces a worker proves by identity after each task, before the
   * result is posted (see {@link VerifyMode}). Default `'entered'`; a task may
   * ask for `'all'` with {@link RunOptions.verify}.
   */
  readonly verify?: VerifyMode;
}

/**
 * What a worker checks after restoring its thread, before a task's result is
 * posted. A type found not to be the worker's original retires the worker
 * (`restore-failed`, step `verify`).
 *
 * - `'entered'`: the types the task entered (what the pool changed and
 *   restored); every type when the task moved its thread through linuxns
 *   itself (`enterSync`, the socket helpers, `spawn`), which linuxns counts.
 *   One `readlink` per entered type.
 * - `'all'`: every type the thread can hold (seven links), whatever the task
 *   did. Ask for it when a task runs native code of your own that may call
 *   `setns(2)` or `unshare(2)`: linuxns cannot see such calls otherwise.
 *
 * @example
 * ```ts
 * import { NamespacePool } from '@linuxns/core';
 * // Every task of this pool calls into a native addon that may switch namespaces itself.
 * const pool = new NamespacePool({ threads: 2, verify: 'all' });
 * await pool.close();
 * ```
 */
export type VerifyMode = 'entered' | 'all';

const VERIFY_MODES: readonly VerifyMode[] = ['entered', 'all'];

export function checkVerify(verify: unknown, where: string): void {
  if (verify !== undefined && !VERIFY_MODES.includes(verify as VerifyMode)) {
    throw new RangeError(`${where} must be 'entered' or 'all', got ${typeof verify === 'string' ? JSON.stringify(verify) : typeof verify}`);
  }
}

/** Per-call options of {@link NamespacePool.run}. */
export interface RunOptions {
  /**
   * Gives up on the task. A task still queued in the pool never runs; a task
   * waiting for an await inside its worker takes that worker with it (the
   * worker is retired: code inside a namespace cannot be stopped half-way).
   * A task already handed to a worker that is busy with synchronous tasks
   * may still run and then resolves to its own outcome; so does a
   * synchronous task already running. Otherwise it resolves to `aborted`.
   */
  readonly signal?: AbortSignal;
  /**
   * Retires the worker if the task has not settled this many ms after it
   * started, and resolves to `task-timed-out`. Bounds the asynchronous part
   * of a task; a synchronous infinite loop is only ended by `close()`.
   */
  readonly timeoutMs?: number;
  /** What the worker proves after this task (see {@link VerifyMode}); default the pool's `verify`. */
  readonly verify?: VerifyMode;
}

/** Counters of a pool's life, for monitoring and tests. */
export interface PoolStats {
  /** Tasks that completed (ok or error). */
  readonly completed: number;
  /** Workers that retired themselves (never to run another task), for any cause. */
  readonly retired: number;
  /** {@link PoolStats.retired} by cause. */
  readonly retiredBy: Readonly<Record<RetireCause, number>>;
  /** Workers that died otherwise (a task exited or crashed its thread). */
  readonly crashed: number;
}

export type { RetireCause };

/**
 * A worker retired itself: it exited after posting the outcome of `taskId`
 * and never runs another task; piscina starts a replacement.
 */
export interface WorkerRetiredEvent {
  /** Why (see {@link RetireCause}). */
  readonly cause: RetireCause;
  /** The worker thread's `threadId`. */
  readonly threadId: number;
  /** The id of the task it ran last, in the order `run` was called (from 1). */
  readonly taskId: number;
  /** What that task resolved to. */
  readonly error: NsError;
}

/** A worker died without retiring itself (a task called `process.exit()` or crashed its thread). */
export interface WorkerCrashedEvent {
  /** The id of the task that was running, in the order `run` was called (from 1). */
  readonly taskId: number;
  /** What that task resolved to (`worker-crashed`). */
  readonly error: NsError;
}

/** The events of {@link NamespacePool} and their arguments. */
export interface NamespacePoolEvents {
  workerRetired: [event: WorkerRetiredEvent];
  workerCrashed: [event: WorkerCrashedEvent];
}

