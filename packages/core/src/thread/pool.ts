/**
 * The pool side of {@link NamespacePool}: validation, a queue, batching onto
 * piscina workers, and rebuilding Results from the plain data workers send.
 * Never imports `worker.ts`; both speak `protocol.ts`.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { errAsync, ResultAsync, err, ok, type Result } from 'neverthrow';
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';
import { BroadcastChannel, MessageChannel, type MessagePort } from 'node:worker_threads';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { abortedBeforeStart, poolClosed, decodeMessage, decodeReply, encodeBatch, RETIRE_CAUSES, type BatchRequest, type ChannelMessage, type ControlMessage, type Outcome, type PoolWorkerData, type RetireCause, type TaskRequest, type WireReply } from './protocol.js';
import { checkArgCloneable } from './serialize.js';
import { toModuleUrl } from './module-url.js';
import { startThreadpool } from './threadpool.js';
import { checkVerify, type NamespacePoolEvents, type NamespacePoolOptions, type PoolStats, type RunOptions, type VerifyMode } from './pool-options.js';
import { prepareTarget, type NamespaceTarget } from './target.js';
import { TaskQueue, type Pending } from './task-queue.js';

export type { NamespacePoolEvents, NamespacePoolOptions, PoolStats, RetireCause, RunOptions, VerifyMode, WorkerCrashedEvent, WorkerRetiredEvent } from './pool-options.js';


/**
 * piscina, loaded by the first pool: a program that never makes one (an OCI
 * runtime's create, the CLI's commands) does not pay its start-up (~20 ms).
 */
let piscinaClass: typeof Piscina | undefined;
function loadPiscina(): typeof Piscina {
  piscinaClass ??= (createRequire(import.meta.url)('piscina') as typeof import('piscina')).Piscina;
  return piscinaClass;
}
/** Types a pool worker can hold (user and time cannot be held by a thread). */
const POOL_TYPES: readonly NamespaceType[] = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'];

/**
 * Runs functions inside namespaces on dedicated worker threads (piscina),
 * the equivalent of Go's `runtime.LockOSThread` around setns.
 *
 * For each task a worker opens every target file, joins (or creates) the
 * namespaces, runs `module[exportName](arg)` (sync or async), restores its
 * thread and verifies by identity that the namespaces it entered are the
 * original ones again (every namespace type with `verify: 'all'`, see
 * {@link VerifyMode}). A task that throws is restored and its error returned
 * as `task-failed`. A worker that cannot restore or prove it is retired (it
 * exits and is replaced) and never runs another task; the task resolves to
 * `restore-failed`, with what the task itself produced in `outcome`, and the
 * pool emits `workerRetired` and counts it in {@link NamespacePool.stats}.
 *
 * One task at a time per worker. Many queued tasks are handed over in
 * batches, which the worker still runs one at a time.
 *
 * @example
 * ```ts
 * import { NamespacePool } from '@linuxns/core';
 * // task.js:
 * //   import { hostname } from 'node:os';
 * //   export function name() { return hostname(); }
 * const pool = new NamespacePool({ threads: 2 });
 * pool.on('workerRetired', (e) => console.warn(`worker ${e.threadId} retired: ${e.cause}`));
 * const r = await pool.run({ uts: 'new', net: '/run/netns/blue' }, new URL('./task.js', import.meta.url), 'name');
 * r.match(
 *   (name) => console.log(name),
 *   (e) => console.error(e.kind, e.message),
 * );
 * await pool.close();
 * ```
 */
export class NamespacePool extends EventEmitter<NamespacePoolEvents> {
  readonly #piscina: Piscina;
  /** Never carries a message: referenced while tasks are pending, so that the event loop waits for their outcomes. */
  readonly #keepAlive: MessagePort;
  /** The other end of {@link NamespacePool.#keepAlive}, held so that it is not collected (which would close both). */
  readonly #keepAlivePeer: MessagePort;
  readonly #control: BroadcastChannel;
  readonly #threads: number;
  readonly #maxBatch: number;
  readonly #sliceMs: number;
  readonly #verify: VerifyMode;
  readonly #pending = new Map<number, Pending>();
  readonly #queue = new TaskQueue();
  #inflight = 0;
  #nextId = 1;
  #nextBatch = 1;
  #pumpScheduled = false;
  #closed = false;
  #stats = { completed: 0, retired: 0, crashed: 0 };
  readonly #retiredBy = Object.fromEntries(RETIRE_CAUSES.map((c) => [c, 0])) as Record<RetireCause, number>;
  /** Batches whose worker said it retires: its exit that piscina reports next is no crash. */
  readonly #retiringBatches = new Set<number>();
  /** threadIds of workers that finished loading their modules. */
  readonly #ready = new Set<number>();

  static #count = 0;

  constructor(options: NamespacePoolOptions = {}) {
    super();
    const threads = options.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) throw new RangeError(`threads must be an integer from 1 to 1024, got ${threads}`);
    const maxBatch = options.maxBatch ?? 32;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    const sliceMs = options.sliceMs ?? 5;
    if (typeof sliceMs !== 'number' || !(sliceMs >= 0)) throw new RangeError(`sliceMs must be a number >= 0, got ${sliceMs}`);
    checkVerify(options.verify, 'verify');
    this.#verify = options.verify ?? 'entered';
    this.#threads = threads;
    this.#maxBatch = maxBatch;
    this.#sliceMs = sliceMs;
    startThreadpool();
    const control = `linuxns-pool-${process.pid}-${++NamespacePool.#count}-${Math.random().toString(36).slice(2)}-control`;
    // Outcomes and give-backs posted by workers may arrive after piscina's own reply, when
    // piscina keeps nothing referenced any more (it unrefs its workers): keep the loop alive
    // while tasks are pending.
    // (Both ends stay open: closing one closes the other. An end without a listener keeps nothing alive.)
    const keepAlive = new MessageChannel();
    this.#keepAlive = keepAlive.port1;
    this.#keepAlivePeer = keepAlive.port2;
    this.#keepAlive.unref();
    this.#control = new BroadcastChannel(control);
    this.#control.unref();
    const workerData: PoolWorkerData = { control };
    this.#piscina = new (loadPiscina())({
      filename: new URL('./worker.js', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      recordTiming: false,
      workerData,
    });
    this.#piscina.on('message', (m: unknown) => {
      const msg = decodeMessage(m);
      if (msg) this.#onChannel(msg);
    });
  }

  /** Number of worker threads. */
  get threads(): number {
    return this.#threads;
  }

  /** Counters: completed tasks, retired workers (by cause) and crashed workers. */
  get stats(): PoolStats {
    return { ...this.#stats, retiredBy: { ...this.#retiredBy } };
  }

  /** True once {@link NamespacePool.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs `module[exportName](arg)` on a worker thread inside `target`.
   * `module` is an absolute path or a `file:` URL; `arg` and the result must
   * be structured-cloneable. Resolves to the task's value or an
   * {@link NsError}; it never rejects.
   *
   * Throws `TypeError` at once when the pool is closed or an argument has the
   * wrong type (including a closed {@link NamespaceHandle} and an `arg` that
   * cannot be cloned to a worker).
   */
  run<T = unknown>(target: NamespaceTarget, module: string | URL, exportName: string, arg?: unknown, options: RunOptions = {}): ResultAsync<T, NsError> {
    if (this.#closed) throw new TypeError('NamespacePool is closed');
    const url = toModuleUrl(module);
    if (typeof exportName !== 'string') throw new TypeError(`exportName must be a string, got ${typeof exportName}`);
    checkArgCloneable(arg);
    const { signal, timeoutMs } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError('options.signal must be an AbortSignal');
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new RangeError(`options.timeoutMs must be a positive integer, got ${timeoutMs}`);
    checkVerify(options.verify, 'options.verify');
    if (signal?.aborted) return errAsync({ kind: 'aborted', message: 'the task was aborted before it was queued' });
    const prepared = prepareTarget(target, POOL_TYPES, 'a pool worker');
    if (prepared.isErr()) return errAsync(prepared.error);
    const { entries, borrowed } = prepared.value;
    const req: TaskRequest = {
      id: this.#nextId++,
      target: entries,
      module: url,
      exportName,
      arg,
      ...((options.verify ?? this.#verify) === 'all' ? { verifyAll: true } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    };
    const promise = new Promise<Result<unknown, NsError>>((resolve) => {
      const p: Pending = { req, borrowed, resolve, state: 'queued', batch: 0 };
      if (signal) {
        const onAbort = (): void => this.#abort(p);
        signal.addEventListener('abort', onAbort, { once: true });
        p.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.#pending.set(req.id, p);
      if (this.#pending.size === 1) this.#keepAlive.ref();
      this.#queue.push(p);
    });
    this.#schedulePump();
    return new ResultAsync(promise as Promise<Result<T, NsError>>);
  }

  /**
   * Ends the pool: queued and running tasks resolve to `pool-closed`, the
   * workers are terminated. Calling it again does nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of [...this.#pending.values()]) if (p.state === 'queued') this.#settle(p.req.id, poolClosed());
    this.#queue.clear();
    // Terminating a worker while it still loads its modules can abort the whole process
    // (koffi's addon init throws into the terminating isolate: a fatal error). Let every
    // worker finish starting first; a worker that never does is terminated after 5 s.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && this.#piscina.threads.some((w) => !this.#ready.has(w.threadId))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    await this.#piscina.destroy();
    for (const p of [...this.#pending.values()]) this.#settle(p.req.id, poolClosed());
    this.#keepAlive.close();
    this.#keepAlivePeer.close();
    this.#control.close();
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (!this.#closed && this.#inflight < this.#threads) {
      const waiting = this.#queue.length;
      if (waiting === 0) break;
      const batch = this.#queue.take(Math.min(this.#maxBatch, Math.ceil(waiting / (this.#threads - this.#inflight))));
      if (batch.length === 0) continue;
      const batchId = this.#nextBatch++;
      const tasks = batch.map((p) => ((p.state = 'sent'), (p.batch = batchId), p.req));
      const request: BatchRequest = { tasks, sliceMs: this.#sliceMs };
      this.#inflight++;
      (this.#piscina.run(encodeBatch(request)) as Promise<WireReply>).then(
        (wire) => {
          const reply = decodeReply(wire);
          if (reply.last) this.#settle(reply.last[0], reply.last[1]);
          this.#requeue(reply.givenBack);
          this.#inflight--;
          this.#pump();
        },
        (e: unknown) => {
          void this.#batchFailed(batch, batchId, e).finally(() => {
            this.#inflight--;
            this.#pump();
          });
        },
      );
    }
  }

  #settle(id: number, outcome: Outcome): void {
    const p = this.#pending.get(id);
    if (p === undefined || p.state === 'done') return;
    p.state = 'done';
    p.unlisten?.();
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#keepAlive.unref();
    p.borrowed.forEach((h) => h.giveBack());
    this.#stats.completed++;
    p.resolve(outcome.ok ? ok(outcome.value) : err(outcome.error));
  }

  /** Puts tasks a worker did not start back at the head of the queue, in order. */
  #requeue(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const back: Pending[] = [];
    for (const id of ids) {
      const p = this.#pending.get(id);
      if (p && p.state === 'sent') {
        p.state = 'queued';
        if (p.abortRequested) this.#settle(id, abortedBeforeStart());
        else back.push(p);
      }
    }
    if (this.#closed) {
      back.forEach((p) => this.#settle(p.req.id, poolClosed()));
      return;
    }
    this.#queue.putBack(back);
    this.#schedulePump();
  }

  /** An abort signal fired: drop a queued task, or ask its worker to stop it. */
  #abort(p: Pending): void {
    if (p.state === 'queued') {
      this.#settle(p.req.id, abortedBeforeStart());
    } else if (p.state === 'sent') {
      p.abortRequested = true;
      this.#control.postMessage({ type: 'abort', id: p.req.id } satisfies ControlMessage);
    }
  }

  #onChannel(msg: ChannelMessage): void {
    switch (msg.type) {
      case 'result':
        this.#settle(msg.id, msg.outcome);
        break;
      case 'give-back':
        this.#requeue(msg.ids);
        break;
      case 'retire': {
        const batch = this.#pending.get(msg.id)?.batch;
        if (batch !== undefined) this.#retiringBatches.add(batch);
        this.#stats.retired++;
        this.#retiredBy[msg.cause]++;
        this.#settle(msg.id, msg.outcome);
        this.#requeue(msg.givenBack);
        if (!msg.outcome.ok) this.emit('workerRetired', { cause: msg.cause, threadId: msg.threadId, taskId: msg.id, error: msg.outcome.error });
        break;
      }
      case 'ready':
        this.#ready.add(msg.threadId);
        break;
    }
  }

  /**
   * A batch's worker died: account for every task of the batch. Tasks it gave
   * back earlier may be running on another worker by now (sent in another
   * batch): they are not this batch's any more.
   */
  async #batchFailed(batch: Pending[], batchId: number, e: unknown): Promise<void> {
    const unsettled = (): Pending[] => batch.filter((p) => p.state === 'sent' && p.batch === batchId);
    // A worker that retires posts why before it exits, and Node delivers a worker's messages
    // before its exit: a retirement has settled its batch by now.
    const retired = this.#retiringBatches.delete(batchId);
    if (this.#closed) {
      unsettled().forEach((p) => this.#settle(p.req.id, poolClosed()));
      return;
    }
    // Outcomes posted before the worker died may still be on their way.
    const deadline = Date.now() + 50;
    while (unsettled().length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    const left = unsettled();
    if (left.length === 0) return;
    const message = e instanceof Error ? e.message : String(e);
    // A worker that died without saying it retires (a task's own process.exit(), a crash): a crash.
    if (!retired) this.#stats.crashed++;
    // Tasks run in batch order: the first one left is the one that was running; the rest never started.
    const [running, ...rest] = left;
    const error: NsError = {
      kind: 'worker-crashed',
      message: `the worker running the task died (${message}); a replacement worker takes the next tasks`,
    };
    this.#settle(running!.req.id, { ok: false, error });
    this.#requeue(rest.map((p) => p.req.id));
    if (!retired) this.emit('workerCrashed', { taskId: running!.req.id, error });
  }
}
