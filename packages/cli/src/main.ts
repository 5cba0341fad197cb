#!/usr/bin/env node
/**
 * The `linuxns` command: global options, then one subcommand per module in
 * `commands/`. Every subcommand returns its exit status or throws a
 * UsageError/CommandError, printed here as one line.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { settings } from './args.js';
import { help, report, UsageError } from './output.js';

const usage = `Usage:
 linuxns [--debug] <command> [options] [arguments]

Linux namespaces: list them, enter them, make them, pin them.

Commands:
 ls       list namespaces (lsns)
 tree     show the user and pid namespace hierarchies
 exec     run a command in existing namespaces (nsenter)
 run      run a command in new namespaces (unshare)
 pin      keep a process's namespace alive on a file
 unpin    undo a pin
 netns    named network namespaces: add, del, list, exec (ip netns)
 mount    bind-mount inside a process's mount namespace
 umount   unmount inside a process's mount namespace
 container  OCI bundles run as containers, like runc (create, start, run...)

Options:
 -h, --help       display this help ('linuxns <command> --help' for each)
 -V, --version    display the version
     --debug      print error details (JSON) after an error's message

Exit status: 1 when linuxns itself fails or is misused; exec, run, netns
exec, container run and container exec pass on the command's own status.
`;

type Command = (argv: readonly string[]) => Promise<number>;

// Loaded on use: --help and --version do not pay for loading core.
const COMMANDS: Readonly<Record<string, Command>> = {
  ls: async (argv) => (await import('./commands/ls.js')).ls(argv),
  tree: async (argv) => (await import('./commands/tree.js')).tree(argv),
  exec: async (argv) => (await import('./commands/exec.js')).exec(argv),
  run: async (argv) => (await import('./commands/run.js')).run(argv),
  pin: async (argv) => (await import('./commands/pin.js')).pin(argv),
  unpin: async (argv) => (await import('./commands/pin.js')).unpin(argv),
  netns: async (argv) => (await import('./commands/netns.js')).netns(argv),
  mount: async (argv) => (await import('./commands/mount.js')).mount(argv),
  umount: async (argv) => (await import('./commands/mount.js')).umount(argv),
  container: async (argv) => (await import('./commands/container.js')).container(argv),
};

/** The version line, as util-linux tools print theirs. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `linuxns from @linuxns/cli ${pkg.version}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-'); i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') return help(usage);
    if (a === '-V' || a === '--version') return help(version());
    if (a !== '--debug') throw new UsageError('', `unknown option '${a}'`);
    settings.debug = true;
  }
  const name = argv[i];
  if (name === undefined) throw new UsageError('', 'missing a command: ls, tree, exec, run, pin, unpin, netns, mount, umount or container');
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw new UsageError('', `unknown command '${name}'`);
  return command(argv.slice(i + 1));
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.exitCode = report(e, settings.debug);
}
