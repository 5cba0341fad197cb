/**
 * `linuxns netns add|del|list|exec`: named network namespaces in
 * `/run/netns`, interchangeable with `ip netns`.
 *
 * @module
 */
import { addNetns, deleteNetns, listNetns, netnsPath, openNetns } from '@linuxns/core';
import { parse, positionals } from '../args.js';
import { runCommand } from '../child.js';
import { CommandError, failed, help, inode, printJson, UsageError } from '../output.js';

export const usage = `Usage:
 linuxns netns add NAME
 linuxns netns del NAME
 linuxns netns list [-J]
 linuxns netns exec NAME [--] [<command> [<argument>...]]

Named network namespaces, pinned at /run/netns/NAME like ip netns does them:
each command works on the other's. A NAME has no '/' and is not '.' or '..'.

 add     create a network namespace named NAME (ip netns add)
 del     remove the name; the namespace goes once nothing is in it
         (ip netns delete; 'delete' is accepted too)
 list    the names, one a line (ip netns list); -J, --json: JSON, as
         [{"name": NAME, "ns": INODE}] (ip -j netns list has "name" too)
 exec    run a command (default $SHELL, else /bin/sh) in it; its exit
         status is the command's. Unlike ip netns exec it only enters the
         network namespace: /sys is not remounted and /etc/netns/NAME is not
         bound over /etc.

Options:
 -h, --help        display this help
     --debug       print error details (JSON) after the message
`;

/** The NAME argument, checked the way core and iproute2 check it. */
function nameArg(command: string, name: string): string {
  try {
    netnsPath(name);
  } catch (e) {
    throw new UsageError(command, (e as Error).message);
  }
  return name;
}

async function add(argv: readonly string[]): Promise<number> {
  const p = parse('netns add', argv, {});
  if (p.has('help')) return help(usage);
  const [name] = positionals('netns add', p, ['NAME']) as [string];
  const h = await addNetns(nameArg('netns add', name));
  if (h.isErr()) throw failed('netns add', h.error);
  h.value.close();
  return 0;
}

function del(argv: readonly string[]): number {
  const p = parse('netns del', argv, {});
  if (p.has('help')) return help(usage);
  const [name] = positionals('netns del', p, ['NAME']) as [string];
  const r = deleteNetns(nameArg('netns del', name));
  if (r.isErr() && r.error.kind === 'not-found') throw new CommandError('netns del', `no network namespace named '${name}' ('linuxns netns list' shows them)`, r.error);
  if (r.isErr()) throw failed('netns del', r.error);
  return 0;
}

function list(argv: readonly string[]): number {
  const p = parse('netns list', argv, { json: { kind: 'flag', short: 'J' } });
  if (p.has('help')) return help(usage);
  positionals('netns list', p, []);
  const r = listNetns();
  if (r.isErr()) throw failed('netns list', r.error);
  if (p.has('json')) printJson(r.value.map((ns) => ({ name: ns.name, ns: inode(ns.ino) })));
  else process.stdout.write(r.value.map((ns) => `${ns.name}\n`).join(''));
  return 0;
}

async function execIn(argv: readonly string[]): Promise<number> {
  const p = parse('netns exec', argv, {}, true);
  if (p.has('help')) return help(usage);
  const [name, ...rest] = p.command;
  if (name === undefined) throw new UsageError('netns exec', 'missing NAME');
  const words = rest[0] === '--' ? rest.slice(1) : rest;
  const h = openNetns(nameArg('netns exec', name));
  if (h.isErr() && h.error.kind === 'not-found') {
    throw new CommandError('netns exec', `no network namespace named '${name}' ('linuxns netns list' shows them)`, h.error);
  }
  if (h.isErr()) throw failed('netns exec', h.error);
  try {
    return await runCommand('netns exec', words, { join: { net: h.value } }); // joined by the handle just opened, not reopened by path
  } finally {
    h.value.close();
  }
}

const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[]) => number | Promise<number>>> = {
  add,
  del,
  delete: del,
  list,
  exec: execIn,
};

/** `linuxns netns SUBCOMMAND ARGV...`: dispatches to add, del, list or exec. */
export function netns(argv: readonly string[]): number | Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) throw new UsageError('netns', 'missing a subcommand: add, del, list or exec');
  if (sub === '--help' || sub === '-h') return help(usage);
  // Own properties only: 'toString', 'constructor' or '__proto__' are not subcommands.
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (run === undefined) throw new UsageError('netns', `unknown subcommand '${sub}': add, del, list or exec`);
  return run(rest);
}
