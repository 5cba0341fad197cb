#!/usr/bin/env node
/**
 * `linuxns-runtime`: an OCI runtime with runc's command line, for container
 * engines (podman through conmon, containerd through its runc shim, and so
 * Kubernetes), over `@linuxns/container`. A CommonJS file that loads only
 * what its command needs: the commands engines run on every container
 * (`state`, `start`, `kill`, `delete`...) load the light library, one
 * CommonJS file, and start about as fast as `node -e 0`; `create`, `run` and
 * `exec` load the rest.
 *
 * @module
 */
import log = require('./log.cjs');
import type { Command, Globals } from './types.js';

const USAGE = `Usage:
 linuxns-runtime [global options] command [command options] [arguments...]

An OCI runtime with runc's command line, over @linuxns/container.

Commands:
 create    create a container from a bundle: its init set up and waiting
 start     execute the program of a created container
 run       create and start a container (-d: and leave it running)
 state     output the state of a container as JSON
 list      list the containers (--format table|json, -q)
 kill      send a signal to the init (--all: to every process)
 delete    delete a container (--force: even a running one)
 exec      run a process in a container (--process FILE, -d, --pid-file)
 ps        the processes of a container (--format table|json)
 pause     freeze every process of a container
 resume    thaw a paused container
 update    new cgroup limits (--resources FILE|-, --memory, --pids-limit...)
 events    cgroup stats as JSON (--stats: once)
 features  what this runtime supports (runtime-spec features)
 spec      write a default config.json
 checkpoint, restore   refused: no CRIU support

Global options:
 --root DIR          where the containers' state lives (default /run/linuxns-containers)
 --log FILE          write errors there (engines read it) instead of stderr
 --log-format F      text (default) or json
 --debug             more in the log
 --systemd-cgroup    cgroupsPath is slice:prefix:name (made as systemd would)
 --rootless V        true, false or auto (this runtime runs as root)
 -v, --version       the version
 -h, --help          this help
`;

/** The commands: each module loaded on use. */
const COMMANDS: Readonly<Record<string, () => Command>> = {
  state: () => (require('./state.cjs') as typeof import('./state.cjs')).state,
  list: () => (require('./state.cjs') as typeof import('./state.cjs')).list,
  start: () => (require('./lifecycle.cjs') as typeof import('./lifecycle.cjs')).start,
  kill: () => (require('./lifecycle.cjs') as typeof import('./lifecycle.cjs')).kill,
  delete: () => (require('./lifecycle.cjs') as typeof import('./lifecycle.cjs')).delete,
  pause: () => (require('./lifecycle.cjs') as typeof import('./lifecycle.cjs')).pause,
  resume: () => (require('./lifecycle.cjs') as typeof import('./lifecycle.cjs')).resume,
  ps: () => (require('./observe.cjs') as typeof import('./observe.cjs')).ps,
  events: () => (require('./observe.cjs') as typeof import('./observe.cjs')).events,
  update: () => (require('./update.cjs') as typeof import('./update.cjs')).update,
  create: () => (require('./create.cjs') as typeof import('./create.cjs')).create,
  run: () => (require('./run.cjs') as typeof import('./run.cjs')).run,
  exec: () => (require('./exec.cjs') as typeof import('./exec.cjs')).exec,
  features: () => (require('./info.cjs') as typeof import('./info.cjs')).features,
  spec: () => (require('./info.cjs') as typeof import('./info.cjs')).spec,
  checkpoint: () => (require('./info.cjs') as typeof import('./info.cjs')).checkpoint,
  restore: () => (require('./info.cjs') as typeof import('./info.cjs')).restore,
};

/** Where containers are kept without `--root`: the same root as `linuxns container`'s. */
const DEFAULT_ROOT = '/run/linuxns-containers';

/** The global options before the command (runc's: urfave/cli reads them there), and the command's place. */
function globals(argv: readonly string[]): { g: Globals; at: number; help: boolean; version: boolean } {
  let root = DEFAULT_ROOT;
  let logFile: string | undefined;
  let logFormat: Globals['logFormat'] = 'text';
  let debug = false;
  let systemdCgroup = false;
  let help = false;
  let version = false;
  let i = 0;
  const valueOf = (a: string): string => {
    const eq = a.indexOf('=');
    if (eq >= 0) return a.slice(eq + 1);
    const v = argv[++i];
    if (v === undefined) throw new log.UsageError('', `flag needs an argument: ${a}`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-')) break;
    const name = a.replace(/^--?/, '').split('=')[0]!;
    switch (name) {
      case 'root':
        root = valueOf(a);
        break;
      case 'log':
        logFile = valueOf(a);
        break;
      case 'log-format': {
        const f = valueOf(a);
        if (f !== 'text' && f !== 'json') throw new log.UsageError('', `invalid log-format: ${f}`);
        logFormat = f;
        break;
      }
      case 'debug':
        debug = !/=(false|0|f)$/i.test(a);
        break;
      case 'systemd-cgroup':
        systemdCgroup = !/=(false|0|f)$/i.test(a);
        break;
      case 'rootless': {
        const v = a.includes('=') ? valueOf(a) : argv[i + 1] && ['true', 'false', 'auto'].includes(argv[i + 1]!) ? valueOf(a) : 'true';
        if (v === 'true' && process.getuid?.() !== 0) throw new log.RuntimeError('linuxns-runtime needs root: rootless containers are not supported');
        break;
      }
      case 'criu':
        valueOf(a);
        break;
      case 'h':
      case 'help':
        help = true;
        break;
      case 'v':
      case 'version':
        version = true;
        break;
      default:
        throw new log.UsageError('', `flag provided but not defined: -${name}`);
    }
  }
  return { g: { root, ...(logFile !== undefined ? { log: logFile } : {}), logFormat, debug, systemdCgroup }, at: i, help, version };
}

async function main(argv: readonly string[]): Promise<number> {
  // Errors before the globals are known go to stderr as text.
  let g: Globals = { root: DEFAULT_ROOT, logFormat: 'text', debug: false, systemdCgroup: false };
  try {
    const parsed = globals(argv);
    g = parsed.g;
    if (parsed.version) {
      log.out((require('./info.cjs') as typeof import('./info.cjs')).version());
      return 0;
    }
    const name = argv[parsed.at];
    if (parsed.help || name === undefined || name === 'help') {
      log.out(USAGE);
      return name === undefined && !parsed.help ? 1 : 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new log.UsageError('', `No help topic for '${name}'`);
    log.debug(g, `${name} ${argv.slice(parsed.at + 1).join(' ')}`);
    return await command()(g, argv.slice(parsed.at + 1));
  } catch (e) {
    return log.report(g, e);
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    process.exitCode = log.report({ logFormat: 'text', debug: true }, e);
  },
);
