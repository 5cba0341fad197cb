/**
 * The commands that move a container along once created: `start`, `kill`,
 * `delete`, `pause`, `resume`. Each holds the container's lock, so that two
 * commands on one container never interleave, and loads only the light
 * library (hooks that run inside the container load the rest).
 *
 * @module
 */
import nodeOs = require('node:os');
const { constants } = nodeOs;
import type { Container, ContainerState } from '@linuxns/container/light';
import flags = require('./flags.cjs');
import hooks = require('./hooks.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import type { Globals, HookName } from './types.js';

/** The state a hook gets on stdin (runtime-spec's state), with the status of its point. */
function hookState(c: Container, s: ContainerState, status: string): Record<string, unknown> {
  const { ociVersion, id, pid, bundle, annotations } = open.ociState(c, s);
  return { ociVersion, id, status, pid, bundle, ...(annotations ? { annotations } : {}) };
}

/** Runs hooks `name` of `c` inside the container's namespaces (createContainer, startContainer): loads the rest of the library. */
async function hooksInside(g: Globals, c: Container, name: HookName, s: ContainerState): Promise<void> {
  const list = hooks.readHooks(c.dir)[name];
  if (!list?.length) return;
  const inside = require('./hooks-inside.cjs') as typeof import('./hooks-inside.cjs');
  log.debug(g, `running ${list.length} ${name} hook(s) inside the container`);
  await inside.runHooksInside(c, name, hookState(c, s, 'created'));
}

/** `start ID`: lets the init waiting at its gate exec its program (startContainer hooks first, poststart after). */
async function start(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('start', argv, {});
  if (p.has('help')) return state.usage('start ID', 'execute the program of a created container');
  const c = open.open(g, state.exactlyOne('start', p.args));
  const lock = await open.lock(c);
  try {
    const s = open.stateOf(c);
    if (s.status === 'stopped') throw new log.RuntimeError('cannot start a container that has stopped');
    if (s.status === 'running') throw new log.RuntimeError('cannot start an already running container');
    if (s.status !== 'created') throw new log.RuntimeError(`cannot start a container in the ${s.status} state`);
    if (s.pid === undefined) throw new log.RuntimeError(`container ${s.id} has no init waiting: it was not made by create`);
    await hooksInside(g, c, 'startContainer', s);
    const r = await c.startInit();
    if (r.isErr()) {
      if (r.error.kind === 'container-wrong-status' && r.error.status === 'stopped') throw new log.RuntimeError('cannot start a container that has stopped', 1, r.error);
      throw open.failure(r.error);
    }
    const all = hooks.readHooks(c.dir);
    if (all.poststart?.length) hooks.runHooks('poststart', all, hookState(c, s, 'running'), (msg) => log.warn(g, msg));
    return 0;
  } finally {
    lock.release();
  }
}

/** A SIGNAL argument: a name with or without SIG (any case), or a number 0..64. */
function signalOf(text: string): NodeJS.Signals | number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 64) throw new log.RuntimeError(`invalid signal: ${text}`);
    return n;
  }
  const up = text.toUpperCase();
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  if (!Object.hasOwn(constants.signals, name)) throw new log.RuntimeError(`unknown signal "${text}"`);
  return name as NodeJS.Signals;
}

/** `kill [--all] ID [SIGNAL]`: the signal (default SIGTERM) to the init, or with --all to every process of the container. */
async function kill(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('kill', argv, { all: { kind: 'bool', alias: ['a'] } });
  if (p.has('help')) return state.usage('kill [--all] ID [SIGNAL]', 'send a signal (default SIGTERM; KILL, SIGKILL and 9 alike) to the init, or to every process of the container');
  if (p.args.length < 1 || p.args.length > 2) throw new log.UsageError('', '"kill" requires a minimum of 1 and a maximum of 2 argument(s)');
  const signal = signalOf(p.args[1] ?? 'SIGTERM');
  const c = open.open(g, p.args[0]);
  const lock = await open.lock(c);
  try {
    const s = open.stateOf(c);
    // runc 1.1: --all signals whatever is left in the container's cgroup, a stopped container's too, and
    // succeeds when nothing is (the shims send `kill --all ID 9` after the init has died).
    if (p.has('all') && s.status !== 'creating') {
      const pids = c.processes();
      if (pids.isErr()) {
        if (s.status === 'stopped') return 0;
        throw open.failure(pids.error);
      }
      for (const pid of pids.value) {
        try {
          process.kill(pid, signal);
        } catch {
          /* exited meanwhile */
        }
      }
      return 0;
    }
    if (s.pid === undefined || s.status === 'stopped' || s.status === 'creating') throw new log.RuntimeError('container not running');
    const r = c.signal(signal);
    if (r.isErr()) throw r.error.kind === 'container-wrong-status' ? new log.RuntimeError('container not running', 1, r.error) : open.failure(r.error);
    return 0;
  } finally {
    lock.release();
  }
}

/** `delete [--force] ID`: every trace of it (a running one only with --force, killed first); poststop hooks after. */
async function del(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('delete', argv, { force: { kind: 'bool', alias: ['f'] } });
  if (p.has('help')) return state.usage('delete [--force] ID', 'delete a container: kill what is left of it, remove its cgroup and its state');
  const id = state.exactlyOne('delete', p.args);
  const force = p.has('force');
  let c: Container;
  try {
    c = open.open(g, id);
  } catch (e) {
    if (force && e instanceof log.RuntimeError && e.message === 'container does not exist') return 0;
    throw e;
  }
  let lock;
  try {
    lock = await open.lock(c);
  } catch (e) {
    if (force && e instanceof log.RuntimeError && e.message === 'container does not exist') return 0;
    throw e;
  }
  try {
    const s = open.stateOf(c);
    if ((s.status === 'running' || s.status === 'paused') && !force) throw new log.RuntimeError(`cannot delete container ${id} that is not stopped: ${s.status}`);
    const all = hooks.readHooks(c.dir);
    const r = await c.destroy();
    if (r.isErr() && !(force && r.error.kind === 'container-not-found')) throw open.failure(r.error);
    if (all.poststop?.length) hooks.runHooks('poststop', all, hookState(c, s, 'stopped'), (msg) => log.warn(g, msg));
    return 0;
  } finally {
    lock.release();
  }
}

/** `pause ID` and `resume ID`: the freezer. */
function pauseOrResume(paused: boolean): (g: Globals, argv: readonly string[]) => Promise<number> {
  const name = paused ? 'pause' : 'resume';
  return async (g, argv) => {
    const p = flags.parseFlags(name, argv, {});
    if (p.has('help')) return state.usage(`${name} ID`, paused ? 'freeze every process of the container' : 'thaw what pause froze');
    const c = open.open(g, state.exactlyOne(name, p.args));
    const lock = await open.lock(c);
    try {
      const r = paused ? await c.pause() : await c.resume();
      if (r.isErr()) throw r.error.kind === 'container-wrong-status' ? new log.RuntimeError(paused ? 'container not running' : 'container not paused', 1, r.error) : open.failure(r.error);
      return 0;
    } finally {
      lock.release();
    }
  };
}

export = { start, kill, delete: del, pause: pauseOrResume(true), resume: pauseOrResume(false), hookState, signalOf };
