/**
 * `linuxns container create|start|run|state|list|kill|delete|exec`:
 * containers of `@linuxns/container` from OCI bundles, driven like runc
 * drives its own (`--root`, `--bundle`, the same subcommands and the same
 * state fields).
 *
 * @module
 */
import { resolve } from 'node:path';
import { Factory, type Container, type ContainerState, type ProcessConfig } from '@linuxns/container';
import type { ContainerFailure } from '@linuxns/container';
import { parse, positionals, settings, type OptionSpecs, type Parsed } from '../args.js';
import { CommandError, failed, help, printJson, printTable, UsageError } from '../output.js';
import { passThrough, signalArg } from './container-process.js';

/** Where containers are kept without `--root` (runc: /run/runc). Not /run/linuxns-container: the library mounts id-mapped rootfs there. */
export const DEFAULT_ROOT = '/run/linuxns-containers';

/** The PATH of a process whose config sets no env (the library's default too). */
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const usage = `Usage:
 linuxns container [--root DIR] create [-b DIR] ID
 linuxns container [--root DIR] start ID
 linuxns container [--root DIR] run [-b DIR] [--keep] ID
 linuxns container [--root DIR] state ID
 linuxns container [--root DIR] list [-J | -q]
 linuxns container [--root DIR] kill ID [SIGNAL]
 linuxns container [--root DIR] delete [-f] ID
 linuxns container [--root DIR] exec [options] ID [--] <command> [<arg>...]

Containers from OCI bundles (DIR/config.json, as 'runc spec' writes it, with
process.terminal false), kept under the root directory like runc keeps its
own. An ID is letters, digits and _ + - . (at most 128).

 create  check the bundle and record the container: it is 'created'. Unlike
         runc, no process exists yet: start makes the init.
 start   start the init of a created container; it is 'running' and keeps
         running after linuxns exits, with start's stdin, stdout, stderr
 run     create, start, wait: the exit status is the init's (128 + signal
         when one killed it); the container is deleted after, unless --keep.
         SIGINT, SIGTERM, SIGHUP and SIGQUIT are passed on to the init
 state   the state as JSON: id, pid (0 unless running), status (creating,
         created, running, stopped), bundle, rootfs, created
 list    ID PID STATUS BUNDLE CREATED, one container a line
 kill    send SIGNAL (default SIGTERM; KILL, SIGKILL and 9 alike) to the init
 delete  kill what is left and remove every trace of it; a running container
         needs -f
 exec    run a command in every namespace and the cgroup of a running
         container, with the env, cwd and user of its process unless given;
         its exit status is the command's (127: not found, 126: cannot run)

Options:
     --root DIR     the root directory (default ${DEFAULT_ROOT}); also
                    accepted after the subcommand
 -b, --bundle DIR   the bundle (create, run; default: the current directory)
     --keep         run: keep the container (stopped) after it exits
 -J, --json         list: JSON, an array of what state prints
 -q, --quiet        list: the ids only
 -f, --force        delete: kill a running container first; an ID that does
                    not exist is not an error (as with runc)
 -e, --env K=V      exec: set a variable (repeatable)
     --cwd DIR      exec: the working directory inside
 -u, --user U[:G]   exec: the uid (and gid) to run as
 -h, --help         display this help
     --debug        print error details (JSON) after the message
`;

const ROOT: OptionSpecs = { root: { kind: 'value' } };

/** The factory of `--root` (the one given to the subcommand, else to `container`, else the default). */
function factoryOf(p: Parsed, root: string | undefined): Factory {
  const dir = p.value('root') ?? root ?? DEFAULT_ROOT;
  if (dir === '') throw new UsageError('container', '--root needs a directory');
  return new Factory(resolve(dir));
}

/** The container `id` of `factory`, or a one-line error (`not found` with a pointer to list). */
function load(command: string, factory: Factory, id: string): Container {
  const c = factory.load(id);
  if (c.isErr()) throw loadError(command, factory, c.error);
  return c.value;
}

function loadError(command: string, factory: Factory, e: ContainerFailure): CommandError {
  if (e.kind === 'container-not-found') {
    return new CommandError(command, `container '${e.id}' does not exist under ${factory.root} ('linuxns container list' shows them)`, e);
  }
  return failed(command, e);
}

function stateOf(command: string, c: Container): ContainerState {
  const s = c.state();
  if (s.isErr()) throw failed(command, s.error);
  return s.value;
}

/** runc's state fields (pid 0 unless running, as runc prints a stopped one). */
function stateJson(s: ContainerState): Record<string, unknown> {
  return {
    id: s.id,
    pid: s.status === 'running' ? (s.pid ?? 0) : 0,
    status: s.status,
    bundle: s.bundle ?? '',
    rootfs: s.rootfs ?? '',
    created: s.created ?? '',
    ...(s.missing !== undefined ? { missing: s.missing } : {}),
  };
}


function create(argv: readonly string[], root: string | undefined): number {
  const p = parse('container create', argv, { ...ROOT, bundle: { kind: 'value', short: 'b' } });
  if (p.has('help')) return help(usage);
  const [id] = positionals('container create', p, ['ID']) as [string];
  const factory = factoryOf(p, root);
  const c = factory.createFromBundle(id, resolve(p.value('bundle') ?? '.'));
  if (c.isErr()) throw failed('container create', c.error);
  return 0;
}

async function start(argv: readonly string[], root: string | undefined): Promise<number> {
  const p = parse('container start', argv, ROOT);
  if (p.has('help')) return help(usage);
  const [id] = positionals('container start', p, ['ID']) as [string];
  const c = load('container start', factoryOf(p, root), id);
  const r = await c.start(undefined, { stdio: 'inherit' });
  if (r.isErr()) throw failed('container start', r.error);
  // The init runs on without us (as when a caller of start exits): do not wait for it.
  process.exit(0);
}

async function run(argv: readonly string[], root: string | undefined): Promise<number> {
  const p = parse('container run', argv, { ...ROOT, bundle: { kind: 'value', short: 'b' }, keep: { kind: 'flag' } });
  if (p.has('help')) return help(usage);
  const [id] = positionals('container run', p, ['ID']) as [string];
  const factory = factoryOf(p, root);
  const made = factory.createFromBundle(id, resolve(p.value('bundle') ?? '.'));
  if (made.isErr()) throw failed('container run', made.error);
  const c = made.value;
  const keep = p.has('keep');
  let status: number;
  try {
    // The init has a session of its own: the terminal's signals reach it only through us.
    status = await passThrough('container run', () => c.start(undefined, { stdio: 'inherit' }), ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP']);
  } catch (e) {
    // The run's own error is the one reported (a start that failed left the container created).
    if (!keep) await c.destroy();
    throw e;
  }
  if (!keep) {
    const d = await c.destroy();
    if (d.isErr()) throw failed('container run', d.error, 'delete');
  }
  return status;
}

function state(argv: readonly string[], root: string | undefined): number {
  const p = parse('container state', argv, ROOT);
  if (p.has('help')) return help(usage);
  const [id] = positionals('container state', p, ['ID']) as [string];
  printJson(stateJson(stateOf('container state', load('container state', factoryOf(p, root), id))));
  return 0;
}

function list(argv: readonly string[], root: string | undefined): number {
  const p = parse('container list', argv, { ...ROOT, json: { kind: 'flag', short: 'J' }, quiet: { kind: 'flag', short: 'q' } });
  if (p.has('help')) return help(usage);
  positionals('container list', p, []);
  const factory = factoryOf(p, root);
  const ids = factory.list();
  if (ids.isErr()) throw failed('container list', ids.error);
  if (p.has('quiet')) {
    process.stdout.write(ids.value.map((id) => `${id}\n`).join(''));
    return 0;
  }
  const states: Array<Record<string, unknown>> = [];
  for (const id of ids.value) {
    const c = factory.load(id);
    // Deleted meanwhile: not listed. Any other error is reported.
    if (c.isErr() && c.error.kind === 'container-not-found') continue;
    if (c.isErr()) throw failed('container list', c.error);
    const s = c.value.state();
    if (s.isErr() && s.error.kind === 'container-not-found') continue;
    if (s.isErr()) throw failed('container list', s.error);
    states.push(stateJson(s.value));
  }
  if (p.has('json')) printJson(states);
  else printTable(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED'], states.map((s) => [s.id, s.pid, s.status, s.bundle, s.created].map(String)), new Set([1]));
  return 0;
}

function kill(argv: readonly string[], root: string | undefined): number {
  const p = parse('container kill', argv, ROOT);
  if (p.has('help')) return help(usage);
  if (p.positionals.length === 0) throw new UsageError('container kill', 'missing ID');
  if (p.positionals.length > 2) throw new UsageError('container kill', `unexpected argument '${p.positionals[2]}'`);
  const [id, sig] = p.positionals as [string, string | undefined];
  const signal = sig === undefined ? 'SIGTERM' : signalArg('container kill', sig);
  const r = load('container kill', factoryOf(p, root), id).signal(signal);
  if (r.isErr()) throw failed('container kill', r.error);
  return 0;
}

async function del(argv: readonly string[], root: string | undefined): Promise<number> {
  const p = parse('container delete', argv, { ...ROOT, force: { kind: 'flag', short: 'f' } });
  if (p.has('help')) return help(usage);
  const [id] = positionals('container delete', p, ['ID']) as [string];
  const factory = factoryOf(p, root);
  const c = factory.load(id);
  if (c.isErr() && c.error.kind === 'container-not-found' && p.has('force')) return 0;
  if (c.isErr()) throw loadError('container delete', factory, c.error);
  const s = stateOf('container delete', c.value);
  if (s.status === 'running' && !p.has('force')) {
    throw new CommandError('container delete', `container '${id}' is running: kill it first, or delete it with -f`, {
      kind: 'container-wrong-status',
      id,
      status: s.status,
      operation: 'delete',
      message: `cannot delete container ${id}: it is running`,
    });
  }
  const d = await c.value.destroy();
  if (d.isErr() && !(d.error.kind === 'container-not-found' && p.has('force'))) throw failed('container delete', d.error);
  return 0;
}

/** `--user UID[:GID]`. */
function userArg(text: string): { uid: number; gid?: number } {
  const m = /^([0-9]{1,10})(?::([0-9]{1,10}))?$/.exec(text);
  if (m === null || Number(m[1]) > 0xfffffffe || (m[2] !== undefined && Number(m[2]) > 0xfffffffe)) {
    throw new UsageError('container exec', `--user takes UID or UID:GID (numbers), got '${text}'`);
  }
  return { uid: Number(m[1]), ...(m[2] !== undefined ? { gid: Number(m[2]) } : {}) };
}

async function execIn(argv: readonly string[], root: string | undefined): Promise<number> {
  const p = parse('container exec', argv, { ...ROOT, env: { kind: 'value', short: 'e', multiple: true }, cwd: { kind: 'value' }, user: { kind: 'value', short: 'u' } }, true);
  if (p.has('help')) return help(usage);
  const [id, ...rest] = p.command;
  if (id === undefined) throw new UsageError('container exec', 'missing ID');
  const words = rest[0] === '--' ? rest.slice(1) : rest;
  if (words.length === 0) throw new UsageError('container exec', 'missing the command to run');
  for (const e of p.values('env')) if (!/^[^=]+=/.test(e)) throw new UsageError('container exec', `--env takes KEY=VALUE, got '${e}'`);
  const cwd = p.value('cwd');
  if (cwd !== undefined && !cwd.startsWith('/')) throw new UsageError('container exec', `--cwd needs an absolute path, got '${cwd}'`);
  const user = p.value('user');
  const c = load('container exec', factoryOf(p, root), id);
  // As runc exec: the container's process settings, with the command and what was given over them.
  const base: Partial<ProcessConfig> = c.config?.process ?? {};
  const given = p.values('env');
  const env = given.length ? [...(base.env ?? [DEFAULT_PATH]), ...given] : base.env;
  const proc: ProcessConfig = {
    ...base,
    args: words,
    ...(env !== undefined ? { env } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
    ...(user !== undefined ? { user: userArg(user) } : {}),
  };
  return passThrough('container exec', () => c.exec(proc, { stdio: 'inherit' }), ['SIGTERM', 'SIGHUP']);
}

type Sub = (argv: readonly string[], root: string | undefined) => number | Promise<number>;

const SUBCOMMANDS: Readonly<Record<string, Sub>> = { create, start, run, state, list, kill, delete: del, exec: execIn };
const NAMES = 'create, start, run, state, list, kill, delete or exec';

/** `linuxns container [--root DIR] SUBCOMMAND ARGV...`: dispatches to create, start, run, state, list, kill, delete or exec. */
export function container(argv: readonly string[]): number | Promise<number> {
  // Options before the subcommand, as runc's global ones: --root, --debug, --help.
  let i = 0;
  let root: string | undefined;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return help(usage);
    if (a === '--debug') settings.debug = true;
    else if (a === '--root') {
      root = argv[++i];
      if (root === undefined) throw new UsageError('container', `option '--root' needs a value`);
    } else if (a.startsWith('--root=')) root = a.slice('--root='.length);
    else throw new UsageError('container', `unknown option '${a}' (before the subcommand: --root, --debug)`);
  }
  const sub = argv[i];
  if (sub === undefined) throw new UsageError('container', `missing a subcommand: ${NAMES}`);
  // Own properties only: 'toString', 'constructor' or '__proto__' are not subcommands.
  const command = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (command === undefined) throw new UsageError('container', `unknown subcommand '${sub}': ${NAMES}`);
  return command(argv.slice(i + 1), root);
}
