/**
 * `run [-d] [--keep] ... ID`: create and start in one command. Detached, it
 * is `create` then `start` (the init reparented to the caller's subreaper).
 * In the foreground the init runs under the helper, under this process,
 * which passes signals on, exits with the init's status (128 + the signal
 * that killed it) and deletes the container after (unless `--keep`), as
 * runc does; the hooks that need create's gate (prestart, createRuntime,
 * createContainer, startContainer) are refused there: use `run -d`.
 *
 * @module
 */
import nodeOs = require('node:os');
const { constants } = nodeOs;
import type { SpawnConsole } from '@linuxns/core';
import type { Container } from '@linuxns/container/light';
import create = require('./create.cjs');
import flags = require('./flags.cjs');
import hooks = require('./hooks.cjs');
import lifecycle = require('./lifecycle.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import terminal = require('./terminal.cjs');
import type { Globals } from './types.js';

/** The signals a foreground run passes on to the init (it has a session of its own). */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/** Runs the init of `c` in the foreground, under the helper (which relays its terminal, if it has one): its exit status. */
async function foreground(g: Globals, c: Container, console: SpawnConsole | undefined): Promise<number> {
  let early: NodeJS.Signals | undefined;
  let child: { kill(s: NodeJS.Signals): boolean } | undefined;
  const forward = (s: NodeJS.Signals): void => {
    if (child) child.kill(s);
    else early ??= s;
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const started = await c.start(undefined, { stdio: 'inherit', ...(console ? { console } : {}) });
    if (started.isErr()) throw create.createFailure(started.error, c.config?.process?.args);
    child = started.value;
    if (early) child.kill(early);
    const all = hooks.readHooks(c.dir);
    if (all.poststart?.length) hooks.runHooks('poststart', all, lifecycle.hookState(c, open.stateOf(c), 'running'), (msg) => log.warn(g, msg));
    const status = await started.value.exited;
    return status.code ?? 128 + (status.signal ? constants.signals[status.signal] : 0);
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}

/** `run`: see the module. */
async function run(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('run', argv, { ...create.CREATE_FLAGS, detach: { kind: 'bool', alias: ['d'] }, keep: { kind: 'bool' }, 'no-subreaper': { kind: 'bool' } });
  if (p.has('help')) return state.usage('run [-d] [--keep] [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot] [--preserve-fds N] ID', 'create and start a container');
  const r = create.request('run', p);
  if (p.has('detach')) {
    if (p.has('keep')) throw new log.RuntimeError('--detach and --keep exclude each other');
    const { c } = await create.createContainer(g, r);
    return lifecycle.start(g, [c.id]);
  }
  if (r.consoleSocket !== undefined) throw new log.RuntimeError('linuxns-runtime run failed: cannot use console socket if runc will not detach or allocate tty');
  if (r.preserveFds) throw new log.RuntimeError('--preserve-fds needs run -d (or create and start)');
  const spec = create.readSpec(r.bundle);
  const all = hooks.checkHooks(spec.hooks);
  const gated = (['prestart', 'createRuntime', 'createContainer', 'startContainer'] as const).filter((h) => all[h]?.length);
  if (gated.length) throw new log.RuntimeError(`run in the foreground cannot run ${gated.join(', ')} hooks (they need create's gate): use run -d, or create and start`);
  const c = await create.recordContainer(g, r, spec, false);
  let status: number;
  try {
    status = await foreground(g, c, terminal.consoleOf(spec.process, undefined));
  } catch (e) {
    if (!p.has('keep')) await c.destroy();
    throw e;
  }
  if (!p.has('keep')) {
    const s = open.stateOf(c);
    const d = await c.destroy();
    if (d.isErr()) throw open.failure(d.error);
    if (all.poststop?.length) hooks.runHooks('poststop', all, lifecycle.hookState(c, s, 'stopped'), (msg) => log.warn(g, msg));
  }
  return status;
}

export = { run };
