/**
 * The wire between the pool side (`pool.ts`, main thread) and the worker side
 * (`worker.ts`). Both import this file; neither imports the other.
 *
 * The pool sends one piscina task per worker at a time: a {@link BatchRequest}
 * of one or more namespace tasks, which the worker runs one after the other.
 * Each finished task's outcome is posted to the pool at once, except the
 * last, which travels in the {@link BatchReply} (so a batch of one costs
 * exactly one round trip). A worker that must retire posts a `retire`
 * message and exits inside the handler, before piscina can hand it another
 * task.
 *
 * Workers post on their own `parentPort` (piscina emits those messages as
 * its `'message'` event), point to point. A BroadcastChannel would also
 * queue every message in each *other* worker, which drains its channels
 * only while its event loop turns — never while it waits for tasks — so
 * the queues grew for as long as the pool served synchronous tasks.
 *
 * @module
 */
import { NAMESPACE_TYPES, type NamespaceType } from '../namespace/kind.js';
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
  /** After the restore, check every namespace type of the thread, not only the entered ones. */
  readonly verifyAll?: boolean;
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

/** Messages a worker posts to the pool (on its `parentPort`; piscina emits them as `'message'`). */
export type ChannelMessage =
  | { readonly type: 'result'; readonly id: number; readonly outcome: Outcome }
  | { readonly type: 'give-back'; readonly ids: readonly number[] }
  /** Posted just before the worker exits for good, inside its handler: it never runs another task. */
  | { readonly type: 'retire'; readonly id: number; readonly cause: RetireCause; readonly threadId: number; readonly outcome: Outcome; readonly givenBack: readonly number[] }
  /** A worker finished loading its modules (koffi included) and may now be terminated safely. */
  | { readonly type: 'ready'; readonly threadId: number };

/**
 * Why a worker retired itself (it exits and piscina replaces it):
 * - `restore-failed`: a `setns` back to an original namespace failed;
 * - `verify-failed`: after the restore, a namespace of the thread was not its original;
 * - `aborted`: the task was aborted while it awaited inside its namespaces;
 * - `timed-out`: the task had not settled after its `timeoutMs`;
 * - `internal-error`: linuxns itself failed while the thread may have been inside.
 */
export type RetireCause = 'restore-failed' | 'verify-failed' | 'aborted' | 'timed-out' | 'internal-error';

/** The retire causes, in wire order. */
export const RETIRE_CAUSES: readonly RetireCause[] = ['restore-failed', 'verify-failed', 'aborted', 'timed-out', 'internal-error'];

/** Messages from the pool to its workers, on the control channel. */
export type ControlMessage = { readonly type: 'abort'; readonly id: number };

// ---------------------------------------------------------------- wire form
//
// Everything above crosses threads as flat arrays of primitives: V8's serializer handles a
// dense array of numbers and strings several times faster than the same data as nested
// objects (measured here: 1.6-2.2 µs against 5-6 µs for a one-task batch, 1.5 against 4 µs
// for a reply), and a sequential task pays for both on its critical path.

/** How a target entry is told apart on the wire (added to 3 × the type's index). */
const PATH = 0;
const FD = 1;
const CREATE = 2;
/** Task flags on the wire. */
const VERIFY_ALL = 1;

/** A {@link BatchRequest} on the wire: `[sliceMs, ...task, ...task]`, see {@link encodeBatch}. */
export type WireBatch = readonly unknown[];
/** A {@link BatchReply} on the wire: `[lastId or 0, ok (1/0), value or error, ...givenBack]`. */
export type WireReply = readonly unknown[];
/** A {@link ChannelMessage} on the wire: `[kind, ...]`, see {@link encodeMessage}. */
export type WireMessage = readonly unknown[];

const MSG_RESULT = 0;
const MSG_GIVE_BACK = 1;
const MSG_RETIRE = 2;
const MSG_READY = 3;

/**
 * Each task is `id, module, exportName, arg, flags, timeoutMs (0: none),
 * n, then n pairs (3 × type index + kind, path | fd | 0)`.
 */
export function encodeBatch(req: BatchRequest): WireBatch {
  const out: unknown[] = [req.sliceMs];
  for (const t of req.tasks) {
    out.push(t.id, t.module, t.exportName, t.arg, t.verifyAll === true ? VERIFY_ALL : 0, t.timeoutMs ?? 0, t.target.length);
    for (const e of t.target) {
      const base = 3 * NAMESPACE_TYPES.indexOf(e.type);
      if ('path' in e) out.push(base + PATH, e.path);
      else if ('fd' in e) out.push(base + FD, e.fd);
      else out.push(base + CREATE, 0);
    }
  }
  return out;
}

export function decodeBatch(w: WireBatch): BatchRequest {
  const tasks: TaskRequest[] = [];
  let i = 1;
  while (i < w.length) {
    const id = w[i] as number;
    const module = w[i + 1] as string;
    const exportName = w[i + 2] as string;
    const arg = w[i + 3];
    const flags = w[i + 4] as number;
    const timeoutMs = w[i + 5] as number;
    const n = w[i + 6] as number;
    i += 7;
    const target: WireEntry[] = [];
    for (let k = 0; k < n; k++, i += 2) {
      const code = w[i] as number;
      const type = NAMESPACE_TYPES[Math.floor(code / 3)]!;
      const kind = code % 3;
      target.push(kind === PATH ? { type, path: w[i + 1] as string } : kind === FD ? { type, fd: w[i + 1] as number } : { type, create: true });
    }
    tasks.push({ id, target, module, exportName, arg, ...(flags & VERIFY_ALL ? { verifyAll: true } : {}), ...(timeoutMs > 0 ? { timeoutMs } : {}) });
  }
  return { tasks, sliceMs: w[0] as number };
}

export function encodeReply(r: BatchReply): WireReply {
  const [id, o] = r.last ?? [0, undefined];
  return [id, o?.ok ? 1 : 0, o === undefined ? 0 : o.ok ? o.value : o.error, ...r.givenBack];
}

export function decodeReply(w: WireReply): BatchReply {
  const id = w[0] as number;
  const givenBack = w.slice(3) as number[];
  return id === 0 ? { givenBack } : { last: [id, outcomeOf(w[1], w[2])], givenBack };
}

export function encodeMessage(m: ChannelMessage): WireMessage {
  switch (m.type) {
    case 'result':
      return [MSG_RESULT, m.id, m.outcome.ok ? 1 : 0, m.outcome.ok ? m.outcome.value : m.outcome.error];
    case 'give-back':
      return [MSG_GIVE_BACK, ...m.ids];
    case 'retire':
      return [MSG_RETIRE, m.id, RETIRE_CAUSES.indexOf(m.cause), m.threadId, m.outcome.ok ? 1 : 0, m.outcome.ok ? m.outcome.value : m.outcome.error, ...m.givenBack];
    case 'ready':
      return [MSG_READY, m.threadId];
  }
}

/** The message, or undefined for anything that is not one of ours. */
export function decodeMessage(w: unknown): ChannelMessage | undefined {
  if (!Array.isArray(w)) return undefined;
  switch (w[0]) {
    case MSG_RESULT:
      return { type: 'result', id: w[1] as number, outcome: outcomeOf(w[2], w[3]) };
    case MSG_GIVE_BACK:
      return { type: 'give-back', ids: w.slice(1) as number[] };
    case MSG_RETIRE:
      return { type: 'retire', id: w[1] as number, cause: RETIRE_CAUSES[w[2] as number] ?? 'internal-error', threadId: w[3] as number, outcome: outcomeOf(w[4], w[5]), givenBack: w.slice(6) as number[] };
    case MSG_READY:
      return { type: 'ready', threadId: w[1] as number };
    default:
      return undefined;
  }
}

function outcomeOf(ok: unknown, payload: unknown): Outcome {
  return ok === 1 ? { ok: true, value: payload } : { ok: false, error: payload as NsError };
}

/** The outcome of a task aborted before it started (in the pool's queue or a worker's batch). */
export function abortedBeforeStart(): Outcome {
  return { ok: false, error: { kind: 'aborted', message: 'the task was aborted before it started' } };
}

/** The outcome of a task the pool could not finish because it was closed. */
export function poolClosed(): Outcome {
  return { ok: false, error: { kind: 'pool-closed', message: 'the NamespacePool was closed before the task finished' } };
}

/** `workerData` of every pool worker. */
export interface PoolWorkerData {
  /** Name of the control channel (pool → workers). */
  readonly control: string;
}

/** Exit code of a worker that retires itself (the pool learns why from the `retire` message, not from this). */
export const RETIRE_EXIT_CODE = 86;
