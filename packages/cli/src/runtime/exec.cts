/**
 * `exec [--process FILE] [-d] [--pid-file FILE] [flags] ID [CMD...]`: a
 * process in every namespace and the cgroup of a container, from a
 * runtime-spec process JSON (what conmon and containerd's shim pass) or from
 * the command line over the container's own process settings, as runc does.
 * Detached, the process outlives this command (reparented to the caller's
 * subreaper) and its pid goes to `--pid-file`; in the foreground its exit
 * status is this command's.
 *
 * @module
 */
import nodeFs = require('node:fs');
const { readFileSync, rmSync } = nodeFs;
import nodeOs = require('node:os');
const { constants } = nodeOs;
import nodePath = require('node:path');
const { join, resolve } = nodePath;
import type { Container, ProcessConfig } from '@linuxns/container/light';
import create = require('./create.cjs');
import flags = require('./flags.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import tty = require('./terminal.cjs');
import type { Globals, Parsed } from './types.js';

const EXEC_FLAGS = {
  process: { kind: 'value', alias: ['p'] },
  detach: { kind: 'bool', alias: ['d'] },
  'pid-file': { kind: 'value' },
  tty: { kind: 'bool', alias: ['t'] },
  'console-socket': { kind: 'value' },
  cwd: { kind: 'value' },
  env: { kind: 'values', alias: ['e'] },
  user: { kind: 'value', alias: ['u'] },
  'additional-gids': { kind: 'values', alias: ['g'] },
  cap: { kind: 'values', alias: ['c'] },
  'no-new-privs': { kind: 'bool' },
  'preserve-fds': { kind: 'value' },
  'ignore-paused': { kind: 'bool' },
  apparmor: { kind: 'value' },
  'process-label': { kind: 'value' },
  cgroup: { kind: 'value' },
} as const;

/** An id of `--user` or `--additional-gids`. */
function id(what: string, text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 0xfffffffe) throw new log.RuntimeError(`invalid ${what} ${JSON.stringify(text)}: a number`);
  return Number(text);
}

/** The process from the command line: the container's own settings, with the command and what the flags give over them. */
function fromFlags(c: Container, p: Parsed): ProcessConfig {
  const args = p.args.slice(1);
  if (!args.length) throw new log.RuntimeError('exec args cannot be empty');
  const base: Partial<ProcessConfig> = c.config?.process ?? {};
  const env = [...(base.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']), ...p.values('env')];
  const cwd = p.value('cwd');
  const user = p.value('user');
  const gids = p.values('additional-gids').map((x) => id('additional gid', x));
  let u = base.user;
  if (user !== undefined) {
    const [uid, gid] = user.split(':');
    u = { uid: id('uid', uid ?? ''), ...(gid !== undefined ? { gid: id('gid', gid) } : {}) };
  }
  if (gids.length) u = { ...u, additionalGids: gids };
  const caps = p.values('cap');
  let capabilities = base.capabilities;
  if (caps.length) {
    // As runc: the added capabilities join every set of the container's process.
    const sets: Record<string, readonly string[] | undefined> = Array.isArray(capabilities) ? { bounding: capabilities, effective: capabilities, permitted: capabilities } : { ...(capabilities as Record<string, readonly string[]> | undefined) };
    capabilities = Object.fromEntries(['bounding', 'effective', 'permitted', 'ambient', 'inheritable'].map((k): [string, string[]] => [k, [...new Set([...(sets[k] ?? []), ...caps])]]));
  }
  return {
    ...base,
    args,
    env,
    ...(cwd !== undefined ? { cwd } : {}),
    ...(u !== undefined ? { user: u } : {}),
    ...(capabilities !== undefined ? { capabilities } : {}),
    ...(p.has('no-new-privs') ? { noNewPrivileges: true } : {}),
  };
}

/** `exec`: see the module. A failure is runc's: `exec failed: ...`, status 255. */
async function exec(g: Globals, argv: readonly string[]): Promise<number> {
  try {
    return await execCommand(g, argv);
  } catch (e) {
    if (!(e instanceof log.RuntimeError)) throw e;
    throw new log.RuntimeError(e.message.startsWith('exec failed: ') ? e.message : `exec failed: ${e.message}`, 255, e.detail);
  }
}

async function execCommand(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('exec', argv, EXEC_FLAGS);
  if (p.has('help')) return state.usage('exec [--process FILE] [-d] [--pid-file FILE] [-t] [--console-socket PATH] [--cwd DIR] [-e K=V] [-u UID[:GID]] [--cap CAP] [--no-new-privs] [--preserve-fds N] ID [CMD...]', 'run a process in a container');
  if (p.args.length < 1) throw new log.UsageError('', '"exec" requires a minimum of 1 argument(s)');
  for (const f of ['apparmor', 'process-label', 'cgroup'] as const) if (p.has(f)) throw new log.RuntimeError(`--${f} is not supported by linuxns-runtime`);
  const c = open.open(g, p.args[0]);
  const s = open.stateOf(c);
  if (s.status === 'stopped') throw new log.RuntimeError('cannot exec in a stopped container');
  if (s.status === 'paused' && !p.has('ignore-paused')) throw new log.RuntimeError('cannot exec in a paused container (use --ignore-paused to override)');
  let proc: ProcessConfig;
  let terminal = p.has('tty');
  let consoleSize: unknown;
  const file = p.value('process');
  if (file !== undefined) {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new log.RuntimeError(`cannot read the process of ${file}: ${(e as Error).message}`);
    }
    terminal = json.terminal === true;
    consoleSize = json.consoleSize;
    const lib = await import('@linuxns/container');
    // CAP_MKNOD may be kept as at create: with a new user namespace, or with device rules the cgroup enforces.
    const cfg = c.config;
    const converted = lib.fromOciProcess(tty.withoutTerminal(json), cfg !== undefined && lib.mayKeepMknod(cfg));
    if (converted.isErr()) throw new log.RuntimeError(converted.error.message, 1, converted.error);
    proc = converted.value;
  } else {
    proc = fromFlags(c, p);
  }
  const socket = p.value('console-socket');
  const consoleSocket = socket !== undefined ? resolve(socket) : undefined;
  tty.checkTerminal('', terminal, p.has('detach'), consoleSocket);
  const console = tty.consoleOf({ terminal, consoleSize }, consoleSocket);
  const preserve = p.value('preserve-fds') ?? '0';
  if (!/^\d+$/.test(preserve)) throw new log.RuntimeError(`invalid --preserve-fds ${JSON.stringify(preserve)}`);
  const fds = Object.fromEntries(Array.from({ length: Number(preserve) }, (_, k) => [3 + k, 3 + k]));
  const detach = p.has('detach');
  const pidFile = p.value('pid-file');
  const lock = await open.lock(c);
  let child;
  const helperPidFile = join(c.dir, `.exec-${process.pid}.pid`);
  try {
    const r = await c.exec(proc, { stdio: 'inherit', ...(Number(preserve) ? { fds } : {}), ...(detach ? { detach: true, pidFile: helperPidFile } : {}), ...(console ? { console } : {}) });
    if (r.isErr()) {
      const e = create.createFailure(r.error, proc.args, console?.socket);
      throw new log.RuntimeError(e.message.replace('linuxns-runtime create failed: ', ''), 1, r.error);
    }
    child = r.value;
    const pid = detach ? (readFileSync(helperPidFile, 'utf8').split(' ')[0] ?? String(child.pid)) : String(child.pid);
    if (pidFile !== undefined) create.writeAtomic(pidFile, pid);
    if (detach) return 0;
  } finally {
    rmSync(helperPidFile, { force: true });
    lock.release();
  }
  // The foreground process: signals passed on while it runs, its status ours.
  const forward = (sig: NodeJS.Signals): void => {
    child.kill(sig);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
  for (const sig of signals) process.on(sig, forward);
  try {
    const status = await child.exited;
    return status.code ?? 128 + (status.signal ? constants.signals[status.signal] : 0);
  } finally {
    for (const sig of signals) process.off(sig, forward);
  }
}

export = { exec };
