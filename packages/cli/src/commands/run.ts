/**
 * `linuxns run`: run a command in new namespaces, like `unshare`, through
 * core's spawn({ create, pin, ... }). unshare's own options are taken with
 * their meaning, so that an unshare command line works as it is.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { posix, resolve } from 'node:path';
import { NAMESPACE_TYPES, type IdRange, type NamespaceType, type SpawnOptions } from '@linuxns/core';
import { idArg, parse, typeOptions, type OptionSpecs, type Parsed } from '../args.js';
import { runCommand } from '../child.js';
import { help, UsageError } from '../output.js';

export const usage = `Usage:
 linuxns run [options] [--] [<command> [<argument>...]]

Run a command in new namespaces, like unshare, whose options it takes with
their meaning. The default command is $SHELL (else /bin/sh); with no
namespace option it runs in ours. The exit status is the command's, or
128 + the signal that killed it; 127 when it cannot be found. With a new
pid namespace the command is its pid 1 (unshare --fork --pid).

Options:
 -m, --mnt[=PIN]        new mount namespace (propagation private); with
                        =PIN, pinned at file PIN, as for each type (it
                        outlives the command: 'linuxns unpin PIN');
                        --mount is the same option
 -u, --uts[=PIN]        new UTS namespace (hostname, domain name)
 -i, --ipc[=PIN]        new System V IPC namespace
 -n, --net[=PIN]        new network namespace
 -p, --pid[=PIN]        new pid namespace
 -U, --user[=PIN]       new user namespace
 -C, --cgroup[=PIN]     new cgroup namespace
 -T, --time[=PIN]       new time namespace
 -f, --fork             accepted: linuxns always forks (with a new pid
                        namespace, the command is its pid 1)
 -r, --map-root-user    map root inside to our uid and gid (writes setgroups
                        deny, as unshare -r does)
 -c, --map-current-user map our uid and gid to themselves inside
     --map-user=UID|NAME
                        map our uid to UID inside (a name from /etc/passwd)
     --map-group=GID|NAME
                        map our gid to GID inside (a name from /etc/group;
                        writes setgroups deny)
     --map-users=OUTER,INNER,COUNT
     --map-users=INNER:OUTER:COUNT
                        map COUNT uids from OUTER (ours) to INNER (inside):
                        unshare's order with commas, inside first with
                        colons (OCI's containerID:hostID:size), so
                        --map-users=100000,0,65536 is
                        --map-users=0:100000:65536. Repeatable. With one of
                        the four options above, its id is mapped first and
                        taken out of the ranges, as unshare does
     --map-groups=OUTER,INNER,COUNT|INNER:OUTER:COUNT
                        the same for gids. Every --map option implies
                        --user
     --setgroups=allow|deny
                        control setgroups(2) in the new user namespace
 -S, --setuid UID       run the command as UID (inside the new user
                        namespace). A map without our own uid leaves the
                        command uid 65534 (nobody) there: -S 0 makes it root
 -G, --setgid GID       run the command as GID, without supplementary groups
 -R, --root DIR         change the root directory to DIR (chroot), then to /
 -w, --wd DIR           change the working directory to DIR (after -R)
     --hostname=NAME    set the hostname (implies --uts)
     --mount-proc[=/proc]
                        mount a fresh /proc (implies --mnt; needs --pid);
                        with -R, DIR's /proc
     --propagation slave|shared|private|unchanged
                        propagation of the new mount namespace's mounts
     --kill-child[=SIGNAL]
                        send SIGNAL (default KILL) to the command when
                        linuxns dies
     --monotonic=SECS   offset of CLOCK_MONOTONIC (implies --time)
     --boottime=SECS    offset of CLOCK_BOOTTIME (implies --time)
 -h, --help             display this help
     --debug            print error details (JSON) after the message

Short options group as unshare's do: 'unshare -nu CMD' is
'linuxns run -nu -- CMD' ('--' is needed only before a command that starts
with '-'). 'unshare --net=/run/netns/blue true' is
'linuxns run --net=/run/netns/blue -- true'. Refused: --map-auto and
--map-users=auto (no /etc/subuid here), --keep-caps.
`;

const MAP_AUTO = 'linuxns does not read /etc/subuid and /etc/subgid: give the ranges with --map-users/--map-groups=OUTER,INNER,COUNT';

const OPTIONS: OptionSpecs = {
  ...typeOptions(NAMESPACE_TYPES, true),
  fork: { kind: 'flag', short: 'f' },
  'map-root-user': { kind: 'flag', short: 'r' },
  'map-current-user': { kind: 'flag', short: 'c' },
  'map-user': { kind: 'value' },
  'map-group': { kind: 'value' },
  'map-users': { kind: 'value', multiple: true },
  'map-groups': { kind: 'value', multiple: true },
  'map-auto': { kind: 'flag', refused: MAP_AUTO },
  setgroups: { kind: 'value' },
  setuid: { kind: 'value', short: 'S' },
  setgid: { kind: 'value', short: 'G' },
  root: { kind: 'value', short: 'R' },
  wd: { kind: 'value', short: 'w' },
  hostname: { kind: 'value' },
  'mount-proc': { kind: 'optional' },
  propagation: { kind: 'value' },
  'kill-child': { kind: 'optional' },
  'keep-caps': { kind: 'flag', refused: "linuxns run sets no capabilities (the library's spawn({ capabilities }) keeps chosen ones)" },
  monotonic: { kind: 'value' },
  boottime: { kind: 'value' },
};

/** A range of `--map-users`/`--map-groups`: unshare's `OUTER,INNER,COUNT` or linuxns's `INNER:OUTER:COUNT`. */
function range(option: string, text: string): IdRange {
  const inside = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text);
  if (inside) return { containerID: Number(inside[1]), hostID: Number(inside[2]), size: Number(inside[3]) };
  const outside = /^(\d{1,10}),(\d{1,10}),(\d{1,10})$/.exec(text);
  if (outside) return { containerID: Number(outside[2]), hostID: Number(outside[1]), size: Number(outside[3]) };
  if (text === 'auto') throw new UsageError('run', `--${option}=auto is not supported: ${MAP_AUTO}`);
  throw new UsageError('run', `--${option} takes OUTER,INNER,COUNT as unshare (e.g. 100000,0,65536) or INNER:OUTER:COUNT (e.g. 0:100000:65536), got '${text}'`);
}

/**
 * The id of a user (`/etc/passwd`) or group (`/etc/group`) name, else of a
 * number, as unshare's --map-user/--map-group read them: the name first.
 */
function idOf(option: string, text: string, file: '/etc/passwd' | '/etc/group'): number {
  let entries = '';
  try {
    entries = readFileSync(file, 'utf8');
  } catch {
    /* no such file: numbers only */
  }
  for (const line of entries.split('\n')) {
    const [name, , id] = line.split(':');
    if (name === text && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  if (/^\d{1,10}$/.test(text) && Number(text) <= 4294967294) return Number(text);
  throw new UsageError('run', `--${option} takes a number or a name in ${file}, got '${text}'`);
}

/**
 * `ranges` with the single id `inner` (inside) mapped to `outer` first, each
 * range giving up the ids the single one takes on either side: unshare's
 * rule for a --map-user (-r, -c...) beside --map-users, kept to its last
 * quirk so that both write the same map (a range that `outer` or `inner`
 * touches, its end included, maps one id fewer; its ids around them are
 * paired in order).
 */
function withSingle(ranges: readonly IdRange[], outer: number, inner: number): IdRange[] {
  const out: IdRange[] = [{ containerID: inner, hostID: outer, size: 1 }];
  for (const r of ranges) {
    const size = r.size - ((outer >= r.hostID && outer <= r.hostID + r.size) || (inner >= r.containerID && inner <= r.containerID + r.size) ? 1 : 0);
    const outerOffset = Math.min(outer > r.hostID ? outer - r.hostID : 0, size);
    const innerOffset = Math.min(inner > r.containerID ? inner - r.containerID : 0, size);
    const lo = { hostID: r.hostID, containerID: r.containerID, size: Math.min(innerOffset, outerOffset) };
    const past = (id: number, taken: number): number => (id === taken ? id + 1 : id);
    const midHost = past(lo.hostID + lo.size, outer);
    const midContainer = past(lo.containerID + lo.size, inner);
    const mid = { hostID: midHost, containerID: midContainer, size: Math.abs(outerOffset - innerOffset) };
    const hi = { hostID: past(mid.hostID + mid.size, outer), containerID: past(mid.containerID + mid.size, inner), size: size - lo.size - mid.size };
    out.push(...[lo, mid, hi].filter((part) => part.size > 0));
  }
  return out;
}

/** The uid and gid maps and setgroups that the --map options ask for, in unshare's terms; `undefined` for no map. */
function idMaps(p: Parsed): { uid: IdRange[]; gid: IdRange[]; setgroups?: 'deny' } | undefined {
  const uid: { ranges: IdRange[]; single?: number } = { ranges: [] };
  const gid: { ranges: IdRange[]; single?: number } = { ranges: [] };
  const euid = process.geteuid?.() ?? 0;
  const egid = process.getegid?.() ?? 0;
  let any = false;
  // In the order given: of -r, -c, --map-user and --map-group, the last one says each side's id.
  for (const { name, value } of p.order) {
    any ||= name.startsWith('map-');
    if (name === 'map-root-user') [uid.single, gid.single] = [0, 0];
    else if (name === 'map-current-user') [uid.single, gid.single] = [euid, egid];
    else if (name === 'map-user' && value !== undefined) uid.single = idOf(name, value, '/etc/passwd');
    else if (name === 'map-group' && value !== undefined) gid.single = idOf(name, value, '/etc/group');
    else if (name === 'map-users' && value !== undefined) uid.ranges.push(range(name, value));
    else if (name === 'map-groups' && value !== undefined) gid.ranges.push(range(name, value));
  }
  if (!any) return undefined;
  const map = (side: typeof uid, outer: number): IdRange[] =>
    side.single === undefined ? side.ranges : side.ranges.length > 0 ? withSingle(side.ranges, outer, side.single) : [{ containerID: side.single, hostID: outer, size: 1 }];
  // A lone gid written as unshare writes it, after setgroups deny (an unprivileged gid_map needs it).
  const single = gid.ranges.length === 0 && gid.single !== undefined;
  return { uid: map(uid, euid), gid: map(gid, egid), ...(single ? { setgroups: 'deny' as const } : {}) };
}

/** A whole number of seconds (may be negative). */
function seconds(option: string, text: string): number {
  if (!/^[-+]?\d{1,13}$/.test(text)) throw new UsageError('run', `--${option} takes a whole number of seconds, got '${text}'`);
  return Number(text);
}

/** A signal name as unshare's --kill-child takes it (`TERM`, `sigterm`...). */
function signalName(text: string): NodeJS.Signals {
  const name = `SIG${text.toUpperCase().replace(/^SIG/, '')}`;
  if (!Object.hasOwn(constants.signals, name)) throw new UsageError('run', `--kill-child takes a signal name (KILL, TERM...), got '${text}'`);
  return name as NodeJS.Signals;
}

const PROPAGATIONS = ['slave', 'shared', 'private', 'unchanged'] as const;

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
  const maps = idMaps(p);
  if (maps !== undefined) create.add('user');
  const setgroups = p.value('setgroups');
  if (setgroups !== undefined && setgroups !== 'allow' && setgroups !== 'deny') throw new UsageError('run', `--setgroups takes allow or deny, got '${setgroups}'`);
  if (setgroups !== undefined && !create.has('user')) throw new UsageError('run', '--setgroups applies to a new user namespace: add --user (or a --map option)');
  const hostname = p.value('hostname');
  if (hostname !== undefined) create.add('uts');
  const mountProc = p.has('mount-proc');
  const procDir = p.value('mount-proc');
  if (procDir !== undefined && posix.normalize(`${procDir}/`) !== '/proc/') throw new UsageError('run', `--mount-proc mounts the new /proc on /proc only, got '${procDir}'`);
  if (mountProc && !create.has('pid')) throw new UsageError('run', '--mount-proc mounts the /proc of a new pid namespace: add --pid');
  if (mountProc) create.add('mnt');
  const offsets: { monotonic?: number; boottime?: number } = {};
  for (const clock of ['monotonic', 'boottime'] as const) {
    const text = p.value(clock);
    if (text === undefined) continue;
    offsets[clock] = seconds(clock, text);
    create.add('time');
  }
  // -S and -G: set last, after the maps, as unshare's setuid and setgroups(0)+setgid.
  const setuid = p.value('setuid');
  const setgid = p.value('setgid');
  const user = {
    ...(setuid !== undefined ? { uid: idArg('run', '--setuid', setuid) } : {}),
    ...(setgid !== undefined ? { gid: idArg('run', '--setgid', setgid), groups: [] } : {}),
  };
  const propagation = p.value('propagation');
  if (propagation !== undefined && !(PROPAGATIONS as readonly string[]).includes(propagation)) throw new UsageError('run', `--propagation takes slave, shared, private or unchanged, got '${propagation}'`);
  // -R: a chroot; with --mount-proc, the proc goes on DIR's /proc (unshare mounts it after the chroot), which spawn does with a rootfs entered by chroot.
  const rootText = p.value('root');
  const root = rootText !== undefined ? resolve(rootText) : undefined;
  const wd = p.value('wd');
  const killChild = p.has('kill-child') ? signalName(p.value('kill-child') ?? 'KILL') : undefined;

  const options: SpawnOptions = {
    create: [...create],
    ...(Object.keys(pin).length > 0 ? { pin } : {}),
    ...(maps !== undefined && maps.uid.length > 0 ? { uidMappings: maps.uid } : {}),
    ...(maps !== undefined && maps.gid.length > 0 ? { gidMappings: maps.gid } : {}),
    ...(setgroups === 'allow' || setgroups === 'deny' ? { setgroups } : maps?.setgroups !== undefined ? { setgroups: maps.setgroups } : {}),
    ...(Object.keys(user).length > 0 ? { user } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
    ...(mountProc ? { mountProc } : {}),
    ...(root !== undefined ? (mountProc ? { rootfs: { path: root, pivotRoot: false } } : { root }) : {}),
    ...(wd !== undefined ? { cwd: wd } : {}),
    // As unshare, --propagation means something only for a new mount namespace.
    ...(propagation !== undefined && create.has('mnt') ? { mountPropagation: propagation as (typeof PROPAGATIONS)[number] } : {}),
    ...(killChild !== undefined ? { parentDeathSignal: killChild } : {}),
    ...(Object.keys(offsets).length > 0 ? { timeOffsets: offsets } : {}),
  };
  return runCommand('run', p.command, options);
}
