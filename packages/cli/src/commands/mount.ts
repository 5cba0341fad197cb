/**
 * `linuxns mount --target PID SRC DST` and `linuxns umount --target PID
 * PATH`: bind mounts inside another process's mount namespace, without
 * touching ours (core's mountIn and umountIn).
 *
 * @module
 */
import { resolve } from 'node:path';
import { mountIn, umountIn, type NsError } from '@linuxns/core';
import { parse, pidArg, positionals, requireProcess, type Parsed } from '../args.js';
import { CommandError, failed, help, UsageError } from '../output.js';

export const mountUsage = `Usage:
 linuxns mount [options] --target PID SRC DST

Bind-mount SRC on DST inside the mount namespace of process PID, which must
have one of its own (a container, 'linuxns run --mnt'...). SRC and DST are
paths inside that namespace; DST must exist there. Our own mounts are not
touched; nothing stays mounted on error.

Options:
 -t, --target PID       the process whose mount namespace to mount in
     --ro               make the mount read-only
     --recursive        bind the mounts below SRC too (mount --rbind)
     --source-in-caller SRC is a path here, in linuxns's mount namespace
                        (e.g. a host directory shown in a container)
 -h, --help             display this help
     --debug            print error details (JSON) after the message

As util-linux: 'nsenter -t PID -m mount --bind [-o ro] SRC DST'.
`;

export const umountUsage = `Usage:
 linuxns umount [options] --target PID PATH

Unmount PATH inside the mount namespace of process PID. A PATH that is not
mounted there is an error (exit status 1), as with umount.

Options:
 -t, --target PID  the process whose mount namespace to unmount in
 -l, --lazy        detach now, clean up when no longer busy (umount -l)
 -h, --help        display this help
     --debug       print error details (JSON) after the message

As util-linux: 'nsenter -t PID -m umount PATH'.
`;

/** The --target pid, required, of a process that exists. */
function target(command: string, p: Parsed): number {
  if (!p.has('target')) throw new UsageError(command, '--target PID is missing: the process whose mount namespace to work in');
  const pid = pidArg(command, '--target', p.value('target'));
  requireProcess(command, pid, 'linuxns ls -t mnt');
  return pid;
}

/** The error of mountIn/umountIn, said for a person: a target without its own mount namespace is the usual mistake. */
function mountFailed(command: string, pid: number, e: NsError): CommandError {
  if (e.kind !== 'invalid-target') return failed(command, e);
  const tool = command === 'mount' ? 'mount(8)' : 'umount(8)';
  return new CommandError(command, `process ${pid} has no mount namespace of its own (it shares linuxns's): use ${tool} directly, or give the pid of a process with its own (linuxns run --mnt, a container)`, e);
}

/** A path inside the target: absolute, since it means nothing relative to our cwd. */
function inside(command: string, what: string, path: string): string {
  if (!path.startsWith('/')) throw new UsageError(command, `${what} must be an absolute path inside the target, got '${path}'`);
  return path;
}

/** `linuxns mount --target PID SRC DST`: exit status 0 once mounted. */
export async function mount(argv: readonly string[]): Promise<number> {
  const p = parse('mount', argv, {
    target: { kind: 'value', short: 't' },
    ro: { kind: 'flag' },
    recursive: { kind: 'flag' },
    'source-in-caller': { kind: 'flag' },
  });
  if (p.has('help')) return help(mountUsage);
  const pid = target('mount', p);
  const [src, dst] = positionals('mount', p, ['SRC', 'DST']) as [string, string];
  const here = p.has('source-in-caller');
  const source = here ? resolve(src) : inside('mount', 'SRC', src);
  const r = await mountIn(pid, source, inside('mount', 'DST', dst), { readOnly: p.has('ro'), recursive: p.has('recursive'), sourceInCaller: here });
  if (r.isErr()) throw mountFailed('mount', pid, r.error);
  return 0;
}

/** `linuxns umount --target PID PATH`: exit status 0 once unmounted. */
export async function umount(argv: readonly string[]): Promise<number> {
  const p = parse('umount', argv, { target: { kind: 'value', short: 't' }, lazy: { kind: 'flag', short: 'l' } });
  if (p.has('help')) return help(umountUsage);
  const pid = target('umount', p);
  const [path] = positionals('umount', p, ['PATH']) as [string];
  const r = await umountIn(pid, inside('umount', 'PATH', path), { detach: p.has('lazy') });
  if (r.isErr()) throw mountFailed('umount', pid, r.error);
  if (r.value.notMounted.length > 0) throw new CommandError('umount', `${path}: not mounted in the mount namespace of process ${pid}`);
  return 0;
}
