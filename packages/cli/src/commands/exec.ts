/**
 * `linuxns exec`: run a command in namespaces that exist, like `nsenter`,
 * through core's spawn({ join }). nsenter's own options are taken with
 * their meaning, so that an nsenter command line works as it is.
 *
 * @module
 */
import { readlinkSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { NAMESPACE_TYPES, openDifferingNamespaces, type NamespaceHandle, type NamespaceType, type SpawnOptions } from '@linuxns/core';
import { idArg, parse, pidArg, requireProcess, typeOptions, type OptionSpecs, type Parsed } from '../args.js';
import { runCommand } from '../child.js';
import { CommandError, failed, help, UsageError } from '../output.js';

export const usage = `Usage:
 linuxns exec [options] [--] [<command> [<argument>...]]

Run a command in namespaces of another process or pinned ones, like nsenter,
whose options it takes with their meaning. The default command is $SHELL
(else /bin/sh). The exit status is the command's, or 128 + the signal that
killed it; 127 when it cannot be found.

Options:
 -t, --target PID       the process whose namespaces a bare --TYPE means
 -a, --all              every namespace of --target that differs from ours
                        (types this kernel lacks are skipped)
 -m, --mnt[=PATH]       enter a mount namespace: the target's, or PATH
                        (--mount is the same option)
 -u, --uts[=PATH]       enter a UTS namespace (hostname, domain name)
 -i, --ipc[=PATH]       enter a System V IPC namespace
 -n, --net[=PATH]       enter a network namespace
 -p, --pid[=PATH]       enter a pid namespace (the command is forked into it)
 -U, --user[=PATH]      enter a user namespace, and become root in it
 -C, --cgroup[=PATH]    enter a cgroup namespace
 -T, --time[=PATH]      enter a time namespace
 -S, --setuid UID       run as UID (in an entered user namespace: instead
                        of root)
 -G, --setgid GID       run as GID, without supplementary groups
     --preserve-credentials
                        keep our uid and gids in the entered user namespace
 -r, --root[=DIR]       change the root directory to DIR, or to the
                        target's (then the working directory to /)
 -w, --wd[=DIR]         change the working directory to DIR, or to the
                        target's
 -W, --wdns DIR         change the working directory to DIR as seen inside
                        (after the namespaces and --root)
 -h, --help             display this help
     --debug            print error details (JSON) after the message

A short option's value is attached, as nsenter's: '-n/run/netns/blue';
'-nm' is '--net=m'. 'nsenter -t PID -n -m CMD' is
'linuxns exec -t PID -n -m -- CMD' ('--' is needed only before a command
that starts with '-'). nsenter opens --root=DIR and --wd=DIR before it
enters a mount namespace, linuxns after: with one entered, they are refused
(-W is inside). Refused: -F/--no-fork (the command is always a new
process), -Z/--follow-context (no SELinux).
`;

const OPTIONS: OptionSpecs = {
  target: { kind: 'value', short: 't' },
  all: { kind: 'flag', short: 'a' },
  'preserve-credentials': { kind: 'flag' },
  ...typeOptions(NAMESPACE_TYPES, false),
  setuid: { kind: 'value', short: 'S' },
  setgid: { kind: 'value', short: 'G' },
  root: { kind: 'optional', short: 'r' },
  wd: { kind: 'optional', short: 'w' },
  wdns: { kind: 'value', short: 'W' },
  'no-fork': { kind: 'flag', short: 'F', refused: 'linuxns starts the command as a new process, always (it cannot exec it in its own)' },
  'follow-context': { kind: 'flag', short: 'Z', refused: 'linuxns sets no SELinux context' },
};

/** A directory of process `pid` (`root`, `cwd`), as the process sees it in its own mount namespace. */
function targetDir(pid: number, which: 'root' | 'cwd'): string {
  let path: string;
  try {
    path = readlinkSync(`/proc/${pid}/${which}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'an error';
    throw new CommandError('exec', `cannot read the ${which === 'root' ? 'root' : 'working'} directory of process ${pid}: readlink /proc/${pid}/${which} gave ${code}`);
  }
  if (!path.startsWith('/') || path.endsWith(' (deleted)')) throw new CommandError('exec', `the ${which === 'root' ? 'root' : 'working'} directory of process ${pid} is gone ('${path}')`);
  return path;
}

/**
 * spawn's `root` and `cwd` for nsenter's -r, -w and -W. spawn resolves both
 * after the namespaces are entered, nsenter -r and -w before: the same when
 * no mount namespace is entered; else only the target's own directories,
 * found by path inside its mount namespace, mean the same.
 */
function directories(p: Parsed, pid: number | undefined, mnt: unknown, targetsMnt: boolean): Pick<SpawnOptions, 'root' | 'cwd'> {
  const wdns = p.value('wdns');
  const [rootDir, wdDir] = [p.value('root'), p.value('wd')];
  if (p.has('wd') && wdns !== undefined) throw new UsageError('exec', '--wd and --wdns exclude each other (as in nsenter)');
  if (rootDir === '' || wdDir === '') throw new UsageError('exec', `--${rootDir === '' ? 'root' : 'wd'}= needs a directory (or give it bare for the target's)`);
  if (!p.has('root') && !p.has('wd')) return wdns !== undefined ? { cwd: wdns } : {};
  const which = p.has('root') ? '--root' : '--wd';
  if ((p.has('root') && rootDir === undefined) || (p.has('wd') && wdDir === undefined)) {
    if (pid === undefined) throw new UsageError('exec', `a bare ${which} means the target's directory: give --target PID (or ${which}=DIR)`);
  }
  if (mnt !== undefined && (rootDir !== undefined || wdDir !== undefined)) {
    throw new UsageError('exec', `${rootDir !== undefined ? '--root' : '--wd'}=DIR with a mount namespace entered: nsenter opens DIR before it enters, linuxns can only resolve it inside (use --wdns=DIR for a working directory inside)`);
  }
  if (mnt !== undefined && !targetsMnt) throw new UsageError('exec', `a bare ${which} is the target's directory, which linuxns finds only in the target's own mount namespace: enter it with a bare --mnt or --all, not a path`);
  if (p.has('root') && p.has('wd') && (rootDir !== undefined || wdDir !== undefined)) {
    throw new UsageError('exec', '--wd with --root: nsenter leaves the working directory outside the new root, linuxns changes it inside: use --wdns=DIR (inside the new root), or both bare for the target\'s');
  }
  const out: { root?: string; cwd?: string } = {};
  if (p.has('root')) out.root = rootDir !== undefined ? resolve(rootDir) : mnt === undefined ? `/proc/${pid}/root` : targetDir(pid!, 'root');
  if (p.has('wd')) {
    if (wdDir !== undefined) out.cwd = resolve(wdDir);
    else if (!p.has('root')) out.cwd = mnt === undefined ? `/proc/${pid}/cwd` : targetDir(pid!, 'cwd');
    else {
      // Both the target's: its working directory as seen from its root.
      const [root, cwd] = [targetDir(pid!, 'root'), targetDir(pid!, 'cwd')];
      const rel = posix.relative(root, cwd);
      if (rel.startsWith('..')) throw new CommandError('exec', `the working directory of process ${pid} ('${cwd}') is outside its root directory ('${root}')`);
      out.cwd = `/${rel}`;
    }
  }
  if (wdns !== undefined) out.cwd = wdns;
  return out;
}

/** `linuxns exec ARGV...`: resolves to the command's exit status. */
export async function exec(argv: readonly string[]): Promise<number> {
  const p = parse('exec', argv, OPTIONS, true);
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
  const setuid = p.value('setuid');
  const setgid = p.value('setgid');
  const uid = setuid !== undefined ? idArg('exec', '--setuid', setuid) : undefined;
  const gid = setgid !== undefined ? idArg('exec', '--setgid', setgid) : undefined;
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
    const dirs = directories(p, pid, join.mnt, join.mnt !== undefined && (join.mnt === pid || join.mnt === theirs.mnt));
    // Like nsenter, --preserve-credentials means nothing without a user namespace to enter.
    const preserve = p.has('preserve-credentials') && join.user !== undefined;
    // -S and -G as nsenter: set last; -G drops the supplementary groups, which entering a user
    // namespace (without --preserve-credentials) has done already, as nsenter, failing quietly.
    const dropped = join.user !== undefined && !preserve;
    const user = { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid, ...(dropped ? {} : { groups: [] }) } : {}) };
    return await runCommand('exec', p.command, {
      join,
      ...(preserve ? { preserveCredentials: true } : {}),
      ...(Object.keys(user).length > 0 ? { user } : {}),
      ...dirs,
    });
  } finally {
    for (const h of Object.values(theirs)) h.close(); // spawn gave the helper its own copies
  }
}
