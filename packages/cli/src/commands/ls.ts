/**
 * `linuxns ls [-t TYPE] [-p PID] [-J]`: every namespace, like `lsns`, plus
 * the pins (PATH) and the namespaces only a pin, an fd or another namespace
 * holds, which lsns 2.38 leaves out.
 *
 * @module
 */
import { listNamespaces, parseNamespaceType, type NamespaceInfo } from '@linuxns/core';
import { parse, pidArg, positionals } from '../args.js';
import { failed, help, inode, printJson, printTable, UsageError } from '../output.js';

export const usage = `Usage:
 linuxns ls [options]

List namespaces, like lsns: NS TYPE NPROCS PID USER COMMAND, and PATH
(the pins: nsfs bind mounts such as /run/netns/NAME) when one is pinned.
Unlike lsns 2.38, namespaces that no process is in (held by a pin, an open
fd, or as the owner or parent of another) are listed too, NPROCS 0.

Options:
 -t, --type TYPE   only namespaces of this type: mnt net pid user uts ipc
                   cgroup time (or the OCI names mount, network)
 -p, --task PID    only the namespaces of this process
 -J, --json        JSON output, with lsns -J's field names: ns type nprocs
                   pid user command, plus nsfs (pins, as lsns's NSFS
                   column), pns (parent) and ons (owner)
 -h, --help        display this help
     --debug       print error details (JSON) after the message
`;

/** One namespace as `lsns -J` prints it (null where lsns has no value); also tree's JSON nodes. */
export function namespaceRecord(ns: NamespaceInfo): Record<string, unknown> {
  return {
    ns: inode(ns.ino),
    type: ns.type,
    nprocs: ns.nprocs,
    pid: ns.pid ?? null,
    user: ns.user ?? null,
    command: ns.command ?? null,
    nsfs: ns.paths.length > 0 ? ns.paths.join('\n') : null,
    pns: inode(ns.parent),
    ons: inode(ns.owner),
  };
}

/** `linuxns ls ARGV...`: prints the namespaces; exit status 0. */
export function ls(argv: readonly string[]): number {
  const p = parse('ls', argv, { type: { kind: 'value', short: 't' }, task: { kind: 'value', short: 'p' }, json: { kind: 'flag', short: 'J' } });
  if (p.has('help')) return help(usage);
  positionals('ls', p, []);
  const typeText = p.value('type');
  const parsed = typeText === undefined ? undefined : parseNamespaceType(typeText);
  if (parsed?.isErr()) throw new UsageError('ls', parsed.error.message);
  const type = parsed?.isOk() ? parsed.value : undefined;
  const pid = p.has('task') ? pidArg('ls', '--task', p.value('task')) : undefined;
  const list = listNamespaces({ ...(type !== undefined ? { type } : {}), ...(pid !== undefined ? { pid } : {}) });
  if (list.isErr()) throw failed('ls', list.error);
  if (p.has('json')) {
    printJson({ namespaces: list.value.map(namespaceRecord) });
    return 0;
  }
  const pinned = list.value.some((ns) => ns.paths.length > 0);
  const headers = ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', ...(pinned ? ['PATH'] : []), 'COMMAND'];
  const rows = list.value.map((ns) => [
    String(ns.ino),
    ns.type,
    String(ns.nprocs),
    ns.pid === undefined ? '' : String(ns.pid),
    ns.user ?? '',
    ...(pinned ? [ns.paths.join(',')] : []),
    ns.command ?? '',
  ]);
  printTable(headers, rows, new Set([0, 2, 3]));
  return 0;
}
