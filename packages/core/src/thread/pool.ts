/**
 * The pool side of {@link NamespacePool}: validation, a queue, batching onto
 * piscina workers, and rebuilding Results from the plain data workers send.
 * Never imports `worker.ts`; both speak `protocol.ts`.
 *
 * @module
 */
import { access } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errAsync, ResultAsync, err, ok, type Result } from 'neverthrow';
import { Piscina } from 'piscina';
import { BroadcastChannel, MessageChannel, type MessagePort } from 'node:worker_threads';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceHandle } from '../namespace/handle.js';
import type { NamespaceType } from '../namespace/kind.js';
import { decodeMessage, decodeReply, encodeBatch, RETIRE_EXIT_CODE, type BatchRequest, type ChannelMessage, type ControlMessage, type Outcome, type PoolWorkerData, type TaskRequest, type WireReply } from './protocol.js';
import { prepareTarget, type NamespaceTarget } from './target.js';

/** Types a pool worker can hold (user and time cannot be held by a thread). */
const POOL_TYPES: readonly NamespaceType[] = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'];

let threadpoolStarted = false;
/**
 * libuv creates its threadpool (async fs, dns.lookup, crypto, zlib) on first
 * use, from whichever thread asks first, and its threads keep that thread's
 * namespaces forever. Make sure that happens now, from here, before any
 * thread enters another namespace.
 */
export function startThreadpool(): void {
  if (threadpoolStarted) return;
  threadpoolStarted = true;
  access('/', () => {});
}

/** Options of {@link NamespacePool}. */
export interface NamespacePoolOptions {
  /** Worker threads, each pinned for the life of its tasks. Default 2. */
  readonly threads?: number;
  /** Most tasks handed to a worker in one message when many are queued. Default 32. */
  readonly maxBatch?: number;
  /** A worker gives unstarted tasks of a batch back to the pool after this many ms. Default 5. */
  readonly sliceMs?: number;
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
  /** @internal Test-only: make the restore after this task fail for real. */
  readonly failRestoreForTesting?: boolean;
}

/** Counters of a pool's life, for monitoring and tests. */
export interface PoolStats {
  /** Tasks that completed (ok or error). */
  readonly completed: number;
  /** Workers that retired themselves after a failed restore or verification. */
  readonly retired: number;
  /** Workers that died otherwise (a task exited or crashed its thread). */
  readonly crashed: number;
}

interface Pending {
  readonly req: TaskRequest;
  readonly borrowed: NamespaceHandle[];
  readonly resolve: (r: Result<unknown, NsError>) => void;
  state: 'queued' | 'sent' | 'done';
  /** Removes the abort listener, if any. */
  unlisten?: () => void;
  /** Aborted after it was sent: if a worker gives it back, it is not sent again. */
  abortRequested?: boolean;
  /** The batch the task was last sent in (a task given back is sent again in another). */
  batch: number;
}

const moduleUrls = new Map<string, string>();

function toModuleUrl(module: string | URL): string {
  if (typeof module === 'string') {
    const known = moduleUrls.get(module);
    if (known !== undefined) return known;
    const url = moduleUrlOf(module);
    if (moduleUrls.size < 1024) moduleUrls.set(module, url);
    return url;
  }
  return moduleUrlOf(module);
}

function moduleUrlOf(module: string | URL): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw new TypeError(`task module must be a file: URL, got ${module.href}`);
    return module.href;
  }
  if (typeof module !== 'string') throw new TypeError(`task module must be an absolute path or a file: URL, got ${typeof module}`);
  if (module.startsWith('file:')) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new TypeError(`task module must be an absolute path or a file: URL (e.g. new URL('./task.js', import.meta.url)), got ${JSON.stringify(module)}`);
}

/**
 * Runs functions inside namespaces on dedicated worker threads (piscina),
 * the equivalent of Go's `runtime.LockOSThread` around setns.
 *
 * For each task a worker opens every target file, joins (or creates) the
 * namespaces, runs `module[exportName](arg)` (sync or async), restores its
 * thread and verifies by identity that every namespace of the thread is the
 * original again. A task that throws is restored and its error returned as
 * `task-failed`. A worker that cannot restore or prove it is retired (it
 * exits and is replaced) and never runs another task; the task resolves to
 * `restore-failed`, with what the task itself produced in `outcome`.
 *
 * One task at a time per worker. Many queued tasks are handed over in
 * batches, which the worker still runs one at a time.
 *
 * @example
 * ```ts
 * import { NamespacePool } from '@linuxns/core';
 * // task.js: export function hostname() { return require('node:os').hostname(); }
 * const pool = new NamespacePool({ threads: 2 });
 * const r = await pool.run({ uts: 'new', net: '/run/netns/blue' }, new URL('./task.js', import.meta.url), 'hostname');
 * if (r.isOk()) console.log(r.value);
 * else console.error(r.error.kind, r.error.message);
 * await pool.close();
 * ```
 */
export class NamespacePool {
  readonly #piscina: Piscina;
  /** Never carries a message: referenced while tasks are pending, so that the event loop waits for their outcomes. */
  readonly #keepAlive: MessagePort;
  /** The other end of {@link NamespacePool.#keepAlive}, held so that it is not collected (which would close both). */
  readonly #keepAlivePeer: MessagePort;
  readonly #control: BroadcastChannel;
  readonly #threads: number;
  readonly #maxBatch: number;
  readonly #sliceMs: number;
  readonly #pending = new Map<number, Pending>();
  #queue: Pending[] = [];
  #head = 0;
  #inflight = 0;
  #nextId = 1;
  #nextBatch = 1;
  #pumpScheduled = false;
  #closed = false;
  #stats = { completed: 0, retired: 0, crashed: 0 };
  /** threadIds of workers that finished loading their modules. */
  readonly #ready = new Set<number>();

  static #count = 0;

  constructor(options: NamespacePoolOptions = {}) {
    const threads = options.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1 || threads > 1024) throw new RangeError(`threads must be an integer from 1 to 1024, got ${threads}`);
    const maxBatch = options.maxBatch ?? 32;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    const sliceMs = options.sliceMs ?? 5;
    if (typeof sliceMs !== 'number' || !(sliceMs >= 0)) throw new RangeError(`sliceMs must be a number >= 0, got ${sliceMs}`);
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
    this.#piscina = new Piscina({
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

  /** Counters: completed tasks, retired and crashed workers. */
  get stats(): PoolStats {
    return { ...this.#stats };
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
      ...(options.failRestoreForTesting ? { failRestore: true } : {}),
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
    for (const p of [...this.#pending.values()]) if (p.state === 'queued') this.#settle(p.req.id, closedOutcome());
    this.#queue = [];
    this.#head = 0;
    // Terminating a worker while it still loads its modules can abort the whole process
    // (koffi's addon init throws into the terminating isolate: a fatal error). Let every
    // worker finish starting first; a worker that never does is terminated after 5 s.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && this.#piscina.threads.some((w) => !this.#ready.has(w.threadId))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    await this.#piscina.destroy();
    for (const p of [...this.#pending.values()]) this.#settle(p.req.id, closedOutcome());
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
      const waiting = this.#queue.length - this.#head;
      if (waiting === 0) break;
      const n = Math.min(this.#maxBatch, Math.ceil(waiting / (this.#threads - this.#inflight)));
      const batch = this.#queue.slice(this.#head, this.#head + n).filter((p) => p.state === 'queued');
      this.#head += n;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
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
        if (p.abortRequested) this.#settle(id, { ok: false, error: { kind: 'aborted', message: 'the task was aborted before it started' } });
        else back.push(p);
      }
    }
    if (this.#closed) {
      back.forEach((p) => this.#settle(p.req.id, closedOutcome()));
      return;
    }
    this.#queue = [...back, ...this.#queue.slice(this.#head)];
    this.#head = 0;
    this.#schedulePump();
  }

  /** An abort signal fired: drop a queued task, or ask its worker to stop it. */
  #abort(p: Pending): void {
    if (p.state === 'queued') {
      this.#settle(p.req.id, { ok: false, error: { kind: 'aborted', message: 'the task was aborted before it started' } });
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
      case 'retire':
        this.#stats.retired++;
        this.#settle(msg.id, msg.outcome);
        this.#requeue(msg.givenBack);
        break;
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
    if (this.#closed) {
      unsettled().forEach((p) => this.#settle(p.req.id, closedOutcome()));
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    const retiring = message === `worker exited with code: ${RETIRE_EXIT_CODE}`;
    const retiredBefore = this.#stats.retired;
    // Outcomes posted before the worker died may still be on their way.
    const deadline = Date.now() + (retiring ? 5000 : 50);
    while (unsettled().length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    const left = unsettled();
    if (left.length === 0) return;
    // A task that exits its worker with the retirement code itself sends no retire message: a crash.
    if (!retiring || this.#stats.retired === retiredBefore) this.#stats.crashed++;
    // Tasks run in batch order: the first one left is the one that was running; the rest never started.
    const [running, ...rest] = left;
    this.#settle(running!.req.id, {
      ok: false,
      error: {
        kind: 'worker-crashed',
        message: `the worker running the task died (${message}); a replacement worker takes the next tasks`,
      },
    });
    this.#requeue(rest.map((p) => p.req.id));
  }
}

/**
 * Throws a TypeError now for an `arg` that cannot reach a worker: found only
 * when piscina posts the batch, it would fail every task sent with it.
 */
function checkArgCloneable(arg: unknown): void {
  if (arg === null || (typeof arg !== 'object' && typeof arg !== 'function' && typeof arg !== 'symbol')) return;
  try {
    structuredClone(arg);
  } catch (e) {
    throw new TypeError(`the task's arg cannot be sent to a worker thread (it must be structured-cloneable): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function closedOutcome(): Outcome {
  return { ok: false, error: { kind: 'pool-closed', message: 'the NamespacePool was closed before the task finished' } };
}
