/**
 * `linuxns run`: run a command in new namespaces, like `unshare`, through
 * core's spawn({ create, pin, ... }).
 *
 * @module
 */
import { resolve } from 'node:path';
import { NAMESPACE_TYPES, type IdRange, type NamespaceType, type SpawnOptions } from '@linuxns/core';
import { parse, type OptionSpecs } from '../args.js';
import { runCommand } from '../child.js';
import { help, UsageError } from '../output.js';

export const usage = `Usage:
 linuxns run [options] [--] [<command> [<argument>...]]

Run a command in new namespaces, like unshare. The default command is
$SHELL (else /bin/sh); with no namespace option it runs in ours. The exit
status is the command's, or 128 + the signal that killed it; 127 when it
cannot be found. With a new pid namespace the command is its pid 1
(unshare --fork --pid).

Options:
     --net[=PIN]        new network namespace; with =PIN, pinned at file PIN
                        (it outlives the command: 'linuxns unpin PIN')
     --uts[=PIN]        new UTS namespace (hostname, domain name)
     --ipc[=PIN]        new System V IPC namespace
     --mnt[=PIN]        new mount namespace (propagation private)
     --pid[=PIN]        new pid namespace
     --user[=PIN]       new user namespace
     --cgroup[=PIN]     new cgroup namespace
     --time[=PIN]       new time namespace
     --map-root-user    map root inside to our uid and gid (implies --user;
                        writes setgroups deny, as unshare -r does)
     --map-users=INNER:OUTER:COUNT
                        map COUNT uids from OUTER (ours) to INNER (inside);
                        repeatable; implies --user. NOTE the order: inside
                        first, like OCI's containerID:hostID:size. util-linux
                        2.38's unshare --map-users=OUTER,INNER,COUNT puts the
                        outer uid first: unshare --map-users=100000,0,65536
                        is linuxns run --map-users=0:100000:65536
     --map-groups=INNER:OUTER:COUNT
                        the same for gids
     --setgroups=allow|deny
                        control setgroups(2) in the new user namespace
     --hostname=NAME    set the hostname (implies --uts)
     --mount-proc       mount a fresh /proc (implies --mnt; needs --pid)
     --monotonic=SECS   offset of CLOCK_MONOTONIC (implies --time)
     --boottime=SECS    offset of CLOCK_BOOTTIME (implies --time)
 -h, --help             display this help
     --debug            print error details (JSON) after the message

As unshare: 'unshare -n -u CMD' is 'linuxns run --net --uts -- CMD';
'unshare --net=/run/netns/blue true' is
'linuxns run --net=/run/netns/blue -- true'.
`;

const OPTIONS: OptionSpecs = {
  ...Object.fromEntries(NAMESPACE_TYPES.map((t) => [t, { kind: 'optional' }])),
  'map-root-user': { kind: 'flag' },
  'map-users': { kind: 'value', multiple: true },
  'map-groups': { kind: 'value', multiple: true },
  setgroups: { kind: 'value' },
  hostname: { kind: 'value' },
  'mount-proc': { kind: 'flag' },
  monotonic: { kind: 'value' },
  boottime: { kind: 'value' },
};

/** `INNER:OUTER:COUNT` as an IdRange, or a UsageError that shows the form. */
function range(option: string, text: string): IdRange {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (!m) throw new UsageError('run', `--${option} takes INNER:OUTER:COUNT (e.g. 0:100000:65536), got '${text}'`);
  return { containerID: Number(m[1]), hostID: Number(m[2]), size: Number(m[3]) };
}

/** A whole number of seconds (may be negative). */
function seconds(option: string, text: string): number {
  if (!/^[-+]?\d{1,13}$/.test(text)) throw new UsageError('run', `--${option} takes a whole number of seconds, got '${text}'`);
  return Number(text);
}

/** `linuxns run ARGV...`: resolves to the command's exit status. */
export async function run(argv: readonly string[]): Promise<number> {
  const p = parse('run', argv, OPTIONS, true);
  if (p.has('help')) return help(usage);
  const create = new Set<NamespaceType>(NAMESPACE_TYPES.filter((t) => p.has(t)));
  const pin: Partial<Record<NamespaceType, string>> = {};
  for (const t of NAMESPACE_TYPES) {
    const path = p.value(t);
    if (path === undefined) continue;
    if (path === '') throw new UsageError('run', `--${t}= needs a file to pin on`);
    pin[t] = resolve(path);
  }
  const uidMappings = p.values('map-users').map((r) => range('map-users', r));
  const gidMappings = p.values('map-groups').map((r) => range('map-groups', r));
  const mapRootUser = p.has('map-root-user');
  if (mapRootUser && (uidMappings.length > 0 || gidMappings.length > 0)) throw new UsageError('run', '--map-root-user and --map-users/--map-groups exclude each other: use --map-users=0:UID:1 with more ranges');
  if (mapRootUser || uidMappings.length > 0 || gidMappings.length > 0) create.add('user');
  const setgroups = p.value('setgroups');
  if (setgroups !== undefined && setgroups !== 'allow' && setgroups !== 'deny') throw new UsageError('run', `--setgroups takes allow or deny, got '${setgroups}'`);
  if (setgroups !== undefined && !create.has('user')) throw new UsageError('run', '--setgroups applies to a new user namespace: add --user (or a --map option)');
  const hostname = p.value('hostname');
  if (hostname !== undefined) create.add('uts');
  const mountProc = p.has('mount-proc');
  if (mountProc && !create.has('pid')) throw new UsageError('run', '--mount-proc mounts the /proc of a new pid namespace: add --pid');
  if (mountProc) create.add('mnt');
  const offsets: { monotonic?: number; boottime?: number } = {};
  for (const clock of ['monotonic', 'boottime'] as const) {
    const text = p.value(clock);
    if (text === undefined) continue;
    offsets[clock] = seconds(clock, text);
    create.add('time');
  }

  const options: SpawnOptions = {
    create: [...create],
    ...(Object.keys(pin).length > 0 ? { pin } : {}),
    ...(mapRootUser ? { mapRootUser } : {}),
    ...(uidMappings.length > 0 ? { uidMappings } : {}),
    ...(gidMappings.length > 0 ? { gidMappings } : {}),
    ...(setgroups !== undefined ? { setgroups } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
    ...(mountProc ? { mountProc } : {}),
    ...(Object.keys(offsets).length > 0 ? { timeOffsets: offsets } : {}),
  };
  return runCommand('run', p.command, options);
}
