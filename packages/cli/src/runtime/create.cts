/**
 * `create` and `run`: a container from an OCI bundle, its init set up and
 * waiting at its gate (`create`), which `start` lets run; or created and
 * started at once (`run -d`), or run in the foreground to its end (`run`).
 * The bundle goes through the library's `fromOciSpec`: a field it refuses
 * makes create fail with that field named, in the log engines read.
 *
 * @module
 */
import nodeFs = require('node:fs');
const { readFileSync, renameSync, rmSync, writeFileSync } = nodeFs;
import nodePath = require('node:path');
const { dirname, join, resolve } = nodePath;
import type { Container, ContainerFailure } from '@linuxns/container/light';
import flags = require('./flags.cjs');
import hooks = require('./hooks.cjs');
import lifecycle = require('./lifecycle.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import terminal = require('./terminal.cjs');
import type { Globals, Hooks } from './types.js';

/** The flags create and run share. */
const CREATE_FLAGS = {
  bundle: { kind: 'value', alias: ['b'] },
  'pid-file': { kind: 'value' },
  'console-socket': { kind: 'value' },
  'no-pivot': { kind: 'bool' },
  'no-new-keyring': { kind: 'bool' },
  'preserve-fds': { kind: 'value' },
} as const;

/** What a create was asked for. */
interface CreateRequest {
  /** The command that asked: `create` or `run` (runc names it in some errors). */
  readonly command: string;
  readonly id: string;
  readonly bundle: string;
  readonly pidFile?: string;
  readonly consoleSocket?: string;
  readonly noPivot: boolean;
  readonly preserveFds: number;
}

function request(command: string, p: ReturnType<typeof flags.parseFlags>): CreateRequest {
  const id = state.exactlyOne(command, p.args);
  const preserve = p.value('preserve-fds') ?? '0';
  if (!/^\d+$/.test(preserve)) throw new log.RuntimeError(`invalid --preserve-fds ${JSON.stringify(preserve)}`);
  const pidFile = p.value('pid-file');
  const consoleSocket = p.value('console-socket');
  return {
    command,
    id,
    bundle: resolve(p.value('bundle') ?? '.'),
    ...(pidFile !== undefined ? { pidFile: resolve(pidFile) } : {}),
    ...(consoleSocket !== undefined ? { consoleSocket: resolve(consoleSocket) } : {}),
    noPivot: p.has('no-pivot'),
    preserveFds: Number(preserve),
  };
}

/**
 * The library's error of a create as runc words it where engines read it (a missing program: podman's exit 127;
 * a console socket it could not connect to).
 */
function createFailure(e: ContainerFailure, args: readonly string[] | undefined, consoleSocket?: string): InstanceType<typeof log.RuntimeError> {
  let cause: ContainerFailure | undefined = e;
  while (cause && cause.kind === 'container-system-error') cause = cause.cause;
  const dial = cause?.kind === 'spawn-setup-failed' && consoleSocket !== undefined ? terminal.dialFailure(cause, consoleSocket) : undefined;
  if (dial !== undefined) return new log.RuntimeError(`linuxns-runtime create failed: ${dial}`, 1, e);
  if (cause?.kind === 'spawn-setup-failed' && cause.step === 'exec') {
    const what = cause.code === 'ENOENT' ? 'executable file not found in $PATH' : cause.code === 'EACCES' ? 'permission denied' : cause.message;
    return new log.RuntimeError(`linuxns-runtime create failed: unable to start container process: exec: ${JSON.stringify(args?.[0] ?? '')}: ${what}`, 1, e);
  }
  if (e.kind === 'container-id-in-use') return new log.RuntimeError('container with given ID already exists', 1, e);
  return new log.RuntimeError(`linuxns-runtime create failed: ${e.message}`, 1, e);
}

/** Writes `text` to `path` atomically (a temp file beside it, renamed over it), as runc writes its pid file. */
function writeAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new log.RuntimeError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** The bundle's config.json, parsed. */
function readSpec(bundle: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(join(bundle, 'config.json'), 'utf8');
  } catch (e) {
    throw new log.RuntimeError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'JSON specification file config.json not found' : `cannot read ${join(bundle, 'config.json')}: ${(e as Error).message}`);
  }
  try {
    const spec = JSON.parse(text) as unknown;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new Error('not an object');
    return spec as Record<string, unknown>;
  } catch (e) {
    throw new log.RuntimeError(`config.json of ${bundle} is not a JSON object: ${(e as Error).message}`);
  }
}

/**
 * Records the container of `r` from its bundle's `spec`: checked by the
 * library (what it refuses named), written under the root, its hooks kept in
 * `hooks.json`. Nothing runs yet.
 */
async function recordContainer(g: Globals, r: CreateRequest, spec: Record<string, unknown>, detach = true): Promise<Container> {
  const allHooks = hooks.checkHooks(spec.hooks);
  const proc = typeof spec.process === 'object' && spec.process !== null ? (spec.process as Record<string, unknown>) : undefined;
  terminal.checkTerminal(`linuxns-runtime ${r.command} failed: `, proc?.terminal === true, detach, r.consoleSocket);
  // What the runtime handles itself goes (the terminal: see createContainer); the library takes the rest, and names
  // what it refuses. (a systemd cgroupsPath, slice:prefix:name, is expanded by the library with or without --systemd-cgroup)
  const rest = Object.fromEntries(Object.entries(spec).filter(([k]) => k !== 'hooks'));
  const libSpec = {
    ...rest,
    ...(proc ? { process: terminal.withoutTerminal(proc) } : {}),
  };
  const lib = await open.library();
  const converted = lib.fromOciSpec(libSpec, r.bundle);
  if (converted.isErr()) throw new log.RuntimeError(`linuxns-runtime create failed: ${converted.error.message}`, 1, converted.error);
  const config = r.noPivot ? { ...converted.value, rootfs: { ...converted.value.rootfs, pivotRoot: false } } : converted.value;
  const annotations = typeof spec.annotations === 'object' && spec.annotations !== null ? (spec.annotations as Record<string, string>) : undefined;
  const made = new lib.Factory(open.rootOf(g)).create(r.id, config, { bundle: r.bundle, ...(annotations ? { annotations } : {}) });
  if (made.isErr()) throw createFailure(made.error, config.process?.args);
  const c = made.value;
  try {
    if (Object.keys(allHooks).length) writeAtomic(open.fileOf(c, hooks.HOOKS_FILE), JSON.stringify(allHooks));
  } catch (e) {
    await c.destroy();
    throw e;
  }
  return c;
}

/**
 * Creates the container of `r`: recorded (see {@link recordContainer}), its
 * init started and waiting at its gate, the prestart, createRuntime and
 * createContainer hooks run, the pid file written. Any failure deletes what
 * was made (runc leaves nothing of a failed create).
 */
async function createContainer(g: Globals, r: CreateRequest): Promise<{ c: Container; pid: number; hooks: Hooks }> {
  const spec = readSpec(r.bundle);
  const c = await recordContainer(g, r, spec);
  const console = terminal.consoleOf(spec.process, r.consoleSocket);
  const allHooks = hooks.readHooks(c.dir);
  const lock = await open.lock(c);
  try {
    const fds = Object.fromEntries(Array.from({ length: r.preserveFds }, (_, k) => [3 + k, 3 + k]));
    const started = await c.createInit(undefined, { stdio: 'inherit', ...(r.preserveFds ? { fds } : {}), ...(console ? { console } : {}) });
    if (started.isErr()) throw createFailure(started.error, c.config?.process?.args, console?.socket);
    const s = open.stateOf(c);
    const hookState = lifecycle.hookState(c, s, 'creating');
    hooks.runHooks('prestart', allHooks, hookState);
    hooks.runHooks('createRuntime', allHooks, hookState);
    if (allHooks.createContainer?.length) {
      const inside = require('./hooks-inside.cjs') as typeof import('./hooks-inside.cjs');
      await inside.runHooksInside(c, 'createContainer', lifecycle.hookState(c, s, 'created'));
    }
    if (r.pidFile !== undefined) writeAtomic(r.pidFile, String(started.value));
    return { c, pid: started.value, hooks: allHooks };
  } catch (e) {
    const gone = await c.destroy();
    if (gone.isErr()) log.debug(g, `cleaning up the failed create: ${gone.error.message}`);
    throw e;
  } finally {
    lock.release();
  }
}

/** `create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID`. */
async function create(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('create', argv, CREATE_FLAGS);
  if (p.has('help')) return state.usage('create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot] [--preserve-fds N] ID', 'create a container from an OCI bundle: its init set up and waiting for start');
  await createContainer(g, request('create', p));
  return 0;
}

export = { CREATE_FLAGS, recordContainer, createContainer, create, request, readSpec, writeAtomic, createFailure };
