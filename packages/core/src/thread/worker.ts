/**
 * The worker side of {@link NamespacePool}: runs inside a piscina worker
 * thread. For each task: load the module, open every target file, join, run,
 * restore, verify by identity. A worker whose thread cannot be proven back in
 * its original namespaces posts its outcome on the pool's channel and exits
 * inside the handler, so it never runs another task.
 *
 * This is the only module that calls setns from a pool worker.
 *
 * @module
 */
import { closeSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import type { NsError } from '../errors/ns-error.js';
import { fsError } from '../errors/from-errno.js';
import { classifyNamespaceFd, NS_OPEN_FLAGS } from '../namespace/open.js';
import type { NamespaceType } from '../namespace/kind.js';
import type { BatchReply, BatchRequest, ChannelMessage, Outcome, PoolWorkerData, TaskRequest } from './protocol.js';
import { switchError, ThreadState } from './thread-state.js';
import { serializeThrown } from './serialize.js';
import { RETIRE_EXIT_CODE } from './protocol.js';

const data = workerData as PoolWorkerData;
const channel = new BroadcastChannel(data.channel);
channel.unref();
// Save the original namespaces now, on this thread, before any task runs.
const state = ThreadState.current();

const modules = new Map<string, Record<string, unknown>>();

type Loaded = { ok: true; fn: (arg: unknown) => unknown } | { ok: false; error: NsError };

async function loadTask(module: string, exportName: string): Promise<Loaded> {
  let mod = modules.get(module);
  if (mod === undefined) {
    try {
      mod = (await import(module)) as Record<string, unknown>;
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      const s = serializeThrown(e);
      if (code === 'ERR_MODULE_NOT_FOUND' && String(s.message).includes(module.replace(/^file:\/\//, ''))) {
        return { ok: false, error: { kind: 'task-module-not-found', module, message: `task module not found: ${module}` } };
      }
      return { ok: false, error: { kind: 'task-module-load-failed', module, name: s.name, message: `task module ${module} failed to load: ${s.message}` } };
    }
    modules.set(module, mod);
  }
  const fn = mod[exportName];
  if (typeof fn !== 'function') {
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
  return { ok: true, fn: fn as (arg: unknown) => unknown };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function checkCloneable(value: unknown): Outcome {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return { ok: true, value };
  try {
    structuredClone(value);
    return { ok: true, value };
  } catch (e) {
    const error: NsError = { kind: 'task-result-not-cloneable', message: `the task's result cannot be sent between threads: ${serializeThrown(e).message}` };
    return { ok: false, error };
  }
}

/** Posts `retire` and ends this worker, inside the handler. Never returns. */
function retire(id: number, error: NsError, givenBack: number[]): never {
  const msg: ChannelMessage = { type: 'retire', id, outcome: { ok: false, error }, givenBack };
  channel.postMessage(msg);
  process.exit(RETIRE_EXIT_CODE);
}

/** Runs one task; retires the worker (never returns) if the thread cannot be restored. */
async function runTask(task: TaskRequest, onAsync: () => void, rest: () => number[]): Promise<Outcome> {
  const loaded = await loadTask(task.module, task.exportName);
  if (!loaded.ok) return loaded;

  // Open every file before joining anything.
  const opened: number[] = [];
  const fds: Array<number | 'new'> = [];
  for (const e of task.target) {
    if ('path' in e) {
      let fd: number;
      try {
        fd = openSync(e.path, NS_OPEN_FLAGS);
      } catch (x) {
        opened.forEach((f) => closeSync(f));
        return { ok: false, error: fsError(x, { path: e.path, namespace: e.type }) };
      }
      opened.push(fd);
      const t = classifyNamespaceFd(fd, e.path, e.type);
      if (t.isErr()) {
        opened.forEach((f) => closeSync(f));
        return { ok: false, error: t.error };
      }
      fds.push(fd);
    } else {
      fds.push('fd' in e ? e.fd : 'new');
    }
  }

  const joined: NamespaceType[] = [];
  let outcome: Outcome | undefined;
  for (let i = 0; i < task.target.length; i++) {
    const e = task.target[i]!;
    const f = state.enter(e.type, fds[i]!);
    if (f) {
      outcome = { ok: false, error: switchError(f, 'path' in e ? e.path : undefined) };
      break;
    }
    joined.push(e.type);
  }

  if (outcome === undefined) {
    try {
      let v = loaded.fn(task.arg);
      if (isThenable(v)) {
        onAsync();
        v = await v;
      }
      outcome = checkCloneable(v);
    } catch (e) {
      outcome = { ok: false, error: serializeThrown(e) };
    }
  }

  // Restore, newest first, then prove it.
  for (let i = joined.length - 1; i >= 0; i--) {
    const type = joined[i]!;
    const f = state.leave(type, task.failRestore === true);
    if (f) {
      opened.forEach((fd) => closeSync(fd));
      retire(task.id, restoreFailed(type, 'setns', switchError(f).message, outcome, switchError(f)), rest());
    }
  }
  opened.forEach((fd) => closeSync(fd));
  const bad = state.mismatches();
  if (bad.length) {
    // The task itself moved the thread (e.g. its own setns): put it back if possible, then check again.
    const unrepaired = bad.filter((type) => !state.repair(type));
    const still = state.mismatches();
    if (still.length || unrepaired.length) retire(task.id, restoreFailed(still[0] ?? unrepaired[0]!, 'verify', '', outcome), rest());
  }
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
queueMicrotask(() => channel.postMessage({ type: 'ready', threadId } satisfies ChannelMessage));

/** The piscina handler: runs a batch of tasks one at a time. */
export default async function runBatch(req: BatchRequest): Promise<BatchReply> {
  const start = performance.now();
  const { tasks } = req;
  let next = 0; // the first task neither started nor given back
  let end = tasks.length; // tasks[end..] are given back
  let viaChannel = tasks.length; // tasks[viaChannel..] were given back on the channel already
  const rest = (): number[] => tasks.slice(next, end).map((t) => t.id);
  let last: readonly [number, Outcome] | undefined;

  while (next < end) {
    const task = tasks[next++]!;
    let timer: NodeJS.Timeout | undefined;
    const onAsync = (): void => {
      // While an async task runs, the tasks queued behind it go back to the pool after the time slice.
      if (next >= end) return;
      timer = setTimeout(() => {
        const ids = rest();
        viaChannel = end = next;
        channel.postMessage({ type: 'give-back', ids } satisfies ChannelMessage);
      }, Math.max(0, req.sliceMs - (performance.now() - start)));
    };
    const outcome = await runTask(task, onAsync, rest);
    if (timer) clearTimeout(timer);
    if (next < end && performance.now() - start > req.sliceMs) end = next;
    if (next < end) channel.postMessage({ type: 'result', id: task.id, outcome } satisfies ChannelMessage);
    else last = [task.id, outcome];
  }
  const givenBack = tasks.slice(end, viaChannel).map((t) => t.id);
  return last ? { last, givenBack } : { givenBack };
}
