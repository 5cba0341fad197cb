/**
 * `linuxns pin TYPE PID PATH` and `linuxns unpin PATH`: keep a namespace
 * alive on a file (a bind mount, as `ip netns add` and `unshare --net=FILE`
 * make), and undo it.
 *
 * @module
 */
import { resolve } from 'node:path';
import { parseNamespaceType, pin as pinNs, unpin as unpinNs } from '@linuxns/core';
import { parse, pidArg, positionals } from '../args.js';
import { failed, help, UsageError } from '../output.js';

export const pinUsage = `Usage:
 linuxns pin [options] TYPE PID PATH

Pin the TYPE namespace of process PID on PATH (a bind mount of
/proc/PID/ns/TYPE), so that it lives on after every process in it exits.
Missing directories are created; PATH is created as an empty file, or may be
one. TYPE: mnt net pid user uts ipc cgroup time. Undo with 'linuxns unpin'.

Options:
 -h, --help        display this help
     --debug       print error details (JSON) after the message

As util-linux: 'touch PATH; mount --bind /proc/PID/ns/TYPE PATH'.
`;

export const unpinUsage = `Usage:
 linuxns unpin [options] PATH

Undo a pin (made by 'linuxns pin', 'linuxns run --TYPE=PIN', 'ip netns add',
'unshare --net=FILE'...): unmount it and remove the file. A path on which no
namespace is pinned is left alone (exit status 1).

Options:
 -h, --help        display this help
     --debug       print error details (JSON) after the message

As util-linux: 'umount PATH; rm PATH'.
`;

/** `linuxns pin TYPE PID PATH`: exit status 0 once pinned. */
export function pin(argv: readonly string[]): number {
  const p = parse('pin', argv, {});
  if (p.has('help')) return help(pinUsage);
  const [typeText, pidText, path] = positionals('pin', p, ['TYPE', 'PID', 'PATH']) as [string, string, string];
  const type = parseNamespaceType(typeText);
  if (type.isErr()) throw new UsageError('pin', type.error.message);
  const pid = pidArg('pin', 'PID', pidText);
  const r = pinNs({ pid, type: type.value }, resolve(path));
  if (r.isErr()) throw failed('pin', r.error);
  return 0;
}

/** `linuxns unpin PATH`: exit status 0 once unpinned. */
export function unpin(argv: readonly string[]): number {
  const p = parse('unpin', argv, {});
  if (p.has('help')) return help(unpinUsage);
  const [path] = positionals('unpin', p, ['PATH']) as [string];
  const r = unpinNs(resolve(path));
  if (r.isErr()) throw failed('unpin', r.error);
  return 0;
}
