/**
 * `linuxns exec`: run a command in namespaces that exist, like `nsenter`,
 * through core's spawn({ join }).
 *
 * @module
 */
import { resolve } from 'node:path';
import { NAMESPACE_TYPES, openDifferingNamespaces, type NamespaceHandle, type NamespaceType } from '@linuxns/core';
import { parse, pidArg, requireProcess, type OptionSpecs } from '../args.js';
import { runCommand } from '../child.js';
import { CommandError, failed, help, UsageError } from '../output.js';

export const usage = `Usage:
 linuxns exec [options] [--] [<command> [<argument>...]]

Run a command in namespaces of another process or pinned ones, like nsenter.
The default command is $SHELL (else /bin/sh). The exit status is the
command's, or 128 + the signal that killed it; 127 when it cannot be found.

Options:
 -t, --target PID       the process whose namespaces a bare --TYPE means
     --all              every namespace of --target that differs from ours
                        (types this kernel lacks are skipped)
     --net[=PATH]       enter a network namespace: the target's, or PATH
     --mnt[=PATH]       enter a mount namespace
     --uts[=PATH]       enter a UTS namespace (hostname, domain name)
     --ipc[=PATH]       enter a System V IPC namespace
     --pid[=PATH]       enter a pid namespace (the command is forked into it)
     --user[=PATH]      enter a user namespace, and become root in it
     --cgroup[=PATH]    enter a cgroup namespace
     --time[=PATH]      enter a time namespace
     --preserve-credentials
                        keep our uid and gids in the entered user namespace
 -h, --help             display this help
     --debug            print error details (JSON) after the message

As nsenter: 'nsenter -t PID -n -m CMD' is
'linuxns exec -t PID --net --mnt -- CMD'; 'nsenter --net=/run/netns/blue CMD'
is 'linuxns exec --net=/run/netns/blue -- CMD'.
`;

const TYPE_OPTIONS: OptionSpecs = Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'optional' }]));

/** `linuxns exec ARGV...`: resolves to the command's exit status. */
export async function exec(argv: readonly string[]): Promise<number> {
  const p = parse('exec', argv, { target: { kind: 'value', short: 't' }, all: { kind: 'flag' }, 'preserve-credentials': { kind: 'flag' }, ...TYPE_OPTIONS }, true);
  if (p.has('help')) return help(usage);
  const pid = p.has('target') ? pidArg('exec', '--target', p.value('target')) : undefined;
  if (pid !== undefined) requireProcess('exec', pid);
  if (p.has('all') && pid === undefined) throw new UsageError('exec', '--all needs --target PID: the process whose namespaces to enter');

  const join: Partial<Record<NamespaceType, string | number | NamespaceHandle>> = {};
  for (const type of NAMESPACE_TYPES) {
    const path = p.value(type);
    if (path === '') throw new UsageError('exec', `--${type}= needs the path of a namespace file (or give a bare --${type} with --target PID)`);
    if (path !== undefined) join[type] = resolve(path);
    else if (p.has(type)) {
      if (pid === undefined) throw new UsageError('exec', `--${type} without a path needs --target PID (or give --${type}=PATH)`);
      join[type] = pid;
    }
  }
  // --all: the target's namespaces that differ from ours, joined by the handles compared. Like
  // nsenter --all, a type whose link is missing on either side (a kernel without time namespaces...)
  // is skipped.
  let theirs: Partial<Record<NamespaceType, NamespaceHandle>> = {};
  if (p.has('all') && pid !== undefined) {
    const r = openDifferingNamespaces(pid, { skipMissing: true });
    if (r.isErr()) throw failed('exec', r.error);
    theirs = r.value;
  }
  try {
    for (const [type, h] of Object.entries(theirs) as Array<[NamespaceType, NamespaceHandle]>) join[type] ??= h;
    if (Object.keys(join).length === 0) {
      if (p.has('all') && pid !== undefined) requireProcess('exec', pid); // it may have ended meanwhile
      if (p.has('all')) throw new CommandError('exec', `process ${pid} is in the same namespaces as linuxns: nothing to enter`);
      throw new UsageError('exec', 'no namespace to enter: give --all with --target PID, or --net, --mnt... (with --target PID or =PATH)');
    }
    // Like nsenter, --preserve-credentials means nothing without a user namespace to enter.
    const preserve = p.has('preserve-credentials') && join.user !== undefined;
    return await runCommand('exec', p.command, { join, ...(preserve ? { preserveCredentials: true } : {}) });
  } finally {
    for (const h of Object.values(theirs)) h.close(); // spawn gave the helper its own copies
  }
}
