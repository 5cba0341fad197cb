/**
 * The worker side of {@link NamespacePool}: runs inside a piscina worker
 * thread. For each task: load the module, open every target file, join, run,
 * restore, verify by identity (the entered types; every type when the task
 * asks for it or moved its thread through linuxns itself). A worker whose
 * thread cannot be proven back in its original namespaces posts its outcome
 * to the pool and exits inside the handler, so it never runs another task.
 *
 * This is the only module that calls setns from a pool worker.
 *
 * @module
 */

import { performance } from 'node:perf_hooks';
import { BroadcastChannel, parentPort, threadId, workerData } from 'node:worker_threads';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { closeOpened, enterTarget } from './target.js';
import { namespaceSwitches } from '../ffi/syscall.js';
import { abortedBeforeStart, decodeBatch, encodeMessage, encodeReply, type BatchReply, type BatchRequest, type ChannelMessage, type ControlMessage, type Outcome, type PoolWorkerData, type RetireCause, type TaskRequest, type WireBatch, type WireReply } from './protocol.js';
import { switchError, ThreadState } from './thread-state.js';
import { cloneFailure, serializeThrown } from './serialize.js';
import { RETIRE_EXIT_CODE } from './protocol.js';

const data = workerData as PoolWorkerData;
/** Posts to the pool (point to point, see protocol.ts). */
function post(msg: ChannelMessage): void {
  parentPort!.postMessage(encodeMessage(msg));
}
// Save the original namespaces now, on this thread, before any task runs.
const state = ThreadState.current();

/** Unstarted tasks of the current batch the pool aborted: skipped. */
const aborted = new Set<number>();
/** The batch this worker is running, if any. */
let current: Batch | undefined;
/** The async task this worker is awaiting, and how to retire for it. */
let awaiting: { id: number; retire: (cause: RetireCause, error: NsError) => never } | undefined;

/**
 * The pool's control channel (aborts), joined when this worker awaits an async task and left at
 * the end of the first batch after that without one. A worker reads channel messages only while
 * its event loop turns, i.e. while it awaits: subscribed for good, a worker running synchronous
 * tasks or waiting for work would queue every abort the pool sends, without end (now at most
 * those of one batch and the wait before it). An abort it misses is one the pool's contract
 * already lets go unheeded (a task handed over and not awaiting).
 */
let control: BroadcastChannel | undefined;
/** An async task of the current batch joined (or kept) the channel. */
let listenedThisBatch = false;
function listen(): void {
  listenedThisBatch = true;
  if (control) return;
  control = new BroadcastChannel(data.control);
  control.unref();
  control.onmessage = (ev: unknown) => {
    const msg = (ev as { data: ControlMessage }).data;
    if (msg.type !== 'abort') return;
    if (awaiting?.id === msg.id) {
      // The task is running inside its namespaces and cannot be stopped half-way: this thread goes.
      awaiting.retire('aborted', { kind: 'aborted', message: 'the task was aborted while it ran; its worker was retired' });
    }
    if (current?.waiting(msg.id)) aborted.add(msg.id);
  };
}

const modules = new Map<string, Record<string, unknown>>();

type Loaded = { ok: true; fn: (arg: unknown) => unknown } | { ok: false; error: NsError };

function exportOf(module: string, mod: Record<string, unknown>, exportName: string): Loaded {
  const fn = mod[exportName];
  if (typeof fn === 'function') return { ok: true, fn: fn as (arg: unknown) => unknown };
  return {
    ok: false,
    error: {
      kind: 'task-export-not-function',
      module,
      exportName,
      actualType: typeof fn,
      message: `export ${JSON.stringify(exportName)} of ${module} is ${fn === undefined ? 'missing' : `a ${typeof fn}`}, not a function`,
    },
  };
}

/** The task function; synchronous once its module is loaded (the hot path). */
function loadTask(module: string, exportName: string): Loaded | Promise<Loaded> {
  const mod = modules.get(module);
  if (mod !== undefined) return exportOf(module, mod, exportName);
  return (import(module) as Promise<Record<string, unknown>>).then(
    (m) => {
      modules.set(module, m);
      return exportOf(module, m, exportName);
    },
    (e: unknown): Loaded => {
      const code = (e as { code?: unknown })?.code;
      const s = serializeThrown(e);
      if (code === 'ERR_MODULE_NOT_FOUND' && String(s.message).includes(module.replace(/^file:\/\//, ''))) {
        return { ok: false, error: { kind: 'task-module-not-found', module, message: `task module not found: ${module}` } };
      }
      return { ok: false, error: { kind: 'task-module-load-failed', module, name: s.name, message: `task module ${module} failed to load: ${s.message}` } };
    },
  );
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function checkCloneable(value: unknown): Outcome {
  const e = cloneFailure(value);
  if (e === undefined) return { ok: true, value };
  return { ok: false, error: { kind: 'task-result-not-cloneable', message: `the task's result cannot be sent between threads: ${serializeThrown(e).message}` } };
}

/** Posts `retire` and ends this worker, inside the handler. Never returns. */
function retire(id: number, cause: RetireCause, error: NsError, givenBack: number[]): never {
  const msg: ChannelMessage = { type: 'retire', id, cause, threadId, outcome: { ok: false, error }, givenBack };
  post(msg);
  process.exit(RETIRE_EXIT_CODE);
}

/** A task between its start and its restore. */
interface Started {
  readonly opened: number[];
  readonly joined: NamespaceType[];
  /** {@link namespaceSwitches} when the task's own code started: a change by then means the task moved its thread through linuxns. */
  switches: number;
}

/**
 * Opens every target file (before joining anything), joins, and calls the
 * task. Returns its outcome, or the promise it returned, with what must be
 * undone; `undefined` for `started` when nothing was joined or opened.
 */
function startTask(task: TaskRequest, fn: (arg: unknown) => unknown): { started: Started; value?: Outcome; promise?: PromiseLike<unknown> } {
  const started: Started = { opened: [], joined: [], switches: 0 };
  const failed = enterTarget(state, task.target, started.opened, started.joined);
  if (failed) return { started, value: { ok: false, error: failed } };
  started.switches = namespaceSwitches();
  try {
    const v = fn(task.arg);
    if (isThenable(v)) return { started, promise: v };
    return { started, value: checkCloneable(v) };
  } catch (e) {
    return { started, value: { ok: false, error: serializeThrown(e) } };
  }
}

/**
 * Restores, newest first, then proves it by identity: the types the task
 * entered, or every type when the task asked for it (`verify: 'all'`) or moved
 * its thread through linuxns while it ran. Retires the worker (never returns)
 * if it cannot.
 */
function finishTask(task: TaskRequest, { opened, joined, switches }: Started, outcome: Outcome, rest: () => number[]): Outcome {
  const movedItself = namespaceSwitches() !== switches;
  for (let i = joined.length - 1; i >= 0; i--) {
    const type = joined[i]!;
    const f = state.leave(type);
    if (f) {
      closeOpened(opened);
      retire(task.id, 'restore-failed', restoreFailed(type, 'setns', switchError(f).message, outcome, switchError(f)), rest());
    }
  }
  closeOpened(opened);
  const bad = task.verifyAll === true || movedItself ? state.mismatches() : state.mismatches(joined);
  if (bad.length) retire(task.id, 'verify-failed', restoreFailed(bad[0]!, 'verify', '', outcome), rest());
  return outcome;
}

function restoreFailed(namespace: NamespaceType, step: 'setns' | 'verify', detail: string, outcome: Outcome, cause?: NsError): NsError {
  const code = cause && 'code' in cause ? (cause.code as string) : undefined;
  return {
    kind: 'restore-failed',
    namespace,
    step,
    ...(code !== undefined ? { code } : {}),
    outcome,
    message:
      step === 'setns'
        ? `could not restore the worker's ${namespace} namespace (${detail}); the worker was retired`
        : `the worker's ${namespace} namespace was not its original after the task; the worker was retired`,
  };
}

// Loaded: from now on the pool may terminate this worker without hitting it mid-load. Posted
// from a microtask, which runs only once the whole load has returned: piscina loads this file
// with require(esm), and Node aborts the process if the thread is terminated while it wraps
// the evaluated module (ModuleWrap::CreateRequiredModuleFacade).
queueMicrotask(() => post({ type: 'ready', threadId }));

/**
 * The piscina handler: runs a batch of tasks one at a time. Synchronous as
 * long as the tasks are (the common case costs no promise); an async task or
 * a first module load switches to the async path for the rest of the batch.
 */
export default function runBatch(wire: WireBatch): WireReply | Promise<WireReply> {
  const batch = (current = new Batch(decodeBatch(wire)));
  const reply = batch.run();
  const end = (r: BatchReply): WireReply => {
    current = undefined;
    aborted.clear();
    // Kept across batches that await (joining costs 10-25 µs each time); left after one that did not.
    if (!listenedThisBatch) {
      control?.close();
      control = undefined;
    }
    listenedThisBatch = false;
    return encodeReply(r);
  };
  return reply instanceof Promise ? reply.then(end) : end(reply);
}

class Batch {
  readonly #req: BatchRequest;
  readonly #start = performance.now();
  #next = 0; // the first task neither started nor given back
  #end: number; // tasks[end..] are given back
  #viaChannel: number; // tasks[viaChannel..] were given back on the channel already
  #last: readonly [number, Outcome] | undefined;

  constructor(req: BatchRequest) {
    this.#req = req;
    this.#end = this.#viaChannel = req.tasks.length;
  }

  /** True if task `id` is in this batch and has not started (nor been given back). */
  waiting(id: number): boolean {
    for (let i = this.#next; i < this.#end; i++) if (this.#req.tasks[i]!.id === id) return true;
    return false;
  }

  readonly #rest = (): number[] => this.#req.tasks.slice(this.#next, this.#end).map((t) => t.id);

  run(): BatchReply | Promise<BatchReply> {
    while (this.#next < this.#end) {
      const task = this.#req.tasks[this.#next++]!;
      if (aborted.delete(task.id)) {
        this.#done(task, abortedBeforeStart());
        continue;
      }
      const loaded = loadTask(task.module, task.exportName);
      if (loaded instanceof Promise) return loaded.then((l) => this.#afterLoad(task, l)).then(() => this.run());
      const pending = this.#afterLoad(task, loaded);
      if (pending) return pending.then(() => this.run());
    }
    const givenBack = this.#req.tasks.slice(this.#end, this.#viaChannel).map((t) => t.id);
    return this.#last ? { last: this.#last, givenBack } : { givenBack };
  }

  /**
   * Runs a loaded task; a promise only when the task itself is async. Anything
   * unexpected thrown on the way (the thread may be inside the task's
   * namespaces) retires the worker: it must never run another task.
   */
  #afterLoad(task: TaskRequest, loaded: Loaded): Promise<void> | undefined {
    try {
      const p = this.#runLoaded(task, loaded);
      return p?.catch((e: unknown) => this.#crash(task, e));
    } catch (e) {
      return this.#crash(task, e);
    }
  }

  #crash(task: TaskRequest, e: unknown): never {
    let why: string;
    try {
      why = e instanceof Error ? e.message : String(e);
    } catch {
      why = 'an unprintable value';
    }
    return retire(task.id, 'internal-error', { kind: 'worker-crashed', message: `linuxns failed while the worker's thread may have been inside the task's namespaces (${why}); the worker was retired` }, this.#rest());
  }

  #runLoaded(task: TaskRequest, loaded: Loaded): Promise<void> | undefined {
    if (!loaded.ok) {
      this.#done(task, loaded);
      return undefined;
    }
    const s = startTask(task, loaded.fn);
    if (s.promise === undefined) {
      this.#done(task, finishTask(task, s.started, s.value!, this.#rest));
      return undefined;
    }
    // While an async task runs, the tasks queued behind it go back to the pool after the time slice.
    let timer: NodeJS.Timeout | undefined;
    if (this.#next < this.#end) {
      timer = setTimeout(
        () => {
          const ids = this.#rest();
          this.#viaChannel = this.#end = this.#next;
          post({ type: 'give-back', ids });
        },
        Math.max(0, this.#req.sliceMs - (performance.now() - this.#start)),
      );
    }
    // A task that does not settle in time, or is aborted, retires this worker: its thread is inside
    // the task's namespaces with the task's code still pending, and must never run anything else.
    const retireNow = (cause: RetireCause, error: NsError): never => {
      closeOpened(s.started.opened);
      return retire(task.id, cause, error, this.#rest());
    };
    awaiting = { id: task.id, retire: retireNow };
    listen();
    const deadline =
      task.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            retireNow('timed-out', { kind: 'task-timed-out', timeoutMs: task.timeoutMs!, message: `the task did not settle within ${task.timeoutMs} ms; its worker was retired` });
          }, task.timeoutMs);
    const settled = (): void => {
      awaiting = undefined;
      if (deadline) clearTimeout(deadline);
    };
    return Promise.resolve(s.promise).then(
      (v) => {
        settled();
        if (timer) clearTimeout(timer);
        this.#done(task, finishTask(task, s.started, checkCloneable(v), this.#rest));
      },
      (e: unknown) => {
        settled();
        if (timer) clearTimeout(timer);
        this.#done(task, finishTask(task, s.started, { ok: false, error: serializeThrown(e) }, this.#rest));
      },
    );
  }

  #done(task: TaskRequest, outcome: Outcome): void {
    if (this.#next < this.#end && performance.now() - this.#start > this.#req.sliceMs) this.#end = this.#next;
    if (this.#next < this.#end) post({ type: 'result', id: task.id, outcome });
    else this.#last = [task.id, outcome];
  }
}
