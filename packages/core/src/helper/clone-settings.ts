/**
 * The process settings that {@link spawn}'s in-process path (clone.ts)
 * applies itself: which of the helper request's fields it serves, their
 * conversion, with a new user namespace's maps, to liblinuxns's
 * `struct lns_settings` (everything computed here,
 * so that the child only makes system calls), and the error of each of
 * lns_spawn's steps in the helper's words (step and syscall), so that both
 * paths fail alike.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { errnoName } from '../errors/errno.js';
import type { NsError } from '../errors/ns-error.js';
import { LNS_STEP, type LnsSettings } from '../ffi/liblinuxns.js';
import { MS_PRIVATE, MS_REC, MS_SHARED, MS_SLAVE } from '../ffi/mount-flags.js';
import type { IdRange } from './protocol.js';
import { setupFailed } from './setup-failed.js';
import type { ValidatedSpawn } from './validate.js';

/** The helper request's fields lns_spawn applies; a spawn with any other goes to the helper. */
export const CLONE_SETTINGS: ReadonlySet<string> = new Set([
  'hostname', 'domainname', 'cwd', 'root', 'umask', 'rlimits', 'setsid', 'pdeathsig',
  'uid', 'gid', 'groups', 'caps', 'noNewPrivs', 'propagation', 'preserveCredentials', 'usernsRoot',
  'monotonic', 'boottime', 'monotonicNsec', 'boottimeNsec',
]);

const PROPAGATION: Record<string, number> = { private: MS_REC | MS_PRIVATE, slave: MS_REC | MS_SLAVE, shared: MS_REC | MS_SHARED, unchanged: 0 };
const ALL = 0xffff_ffff_ffff_ffffn;

let lastCap: number | undefined;
/** /proc/sys/kernel/cap_last_cap, read once (the helper's fallback, CAP_LAST_CAP 40, when it cannot be read). */
function capLast(): number {
  if (lastCap === undefined) {
    try {
      lastCap = Number.parseInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'latin1'), 10);
    } catch {
      lastCap = 40;
    }
  }
  return lastCap;
}

/** An id map as the kernel reads it: one "inside outside count" line per range. */
const mapText = (ranges: readonly IdRange[]): string => ranges.map((r) => `${r.containerID} ${r.hostID} ${r.size}\n`).join('');

/** timens_offsets' text, as the helper writes it: "clock secs nanosecs" for each clock given, in one write. */
function timeOffsets(s: ValidatedSpawn['settings']): string {
  const line = (clock: string, secs?: number, nsec?: number): string => (secs === undefined && nsec === undefined ? '' : `${clock} ${secs ?? 0} ${nsec ?? 0}\n`);
  return line('monotonic', s.monotonic, s.monotonicNsec) + line('boottime', s.boottime, s.boottimeNsec);
}

/** `v.settings` (fields of {@link CLONE_SETTINGS} only) and a new user namespace's maps as lns_spawn takes them; null when there are none. */
export function lnsSettings(v: ValidatedSpawn): LnsSettings | null {
  const user = v.create.includes('user');
  if (Object.keys(v.settings).length === 0 && !user) return null; // a new time namespace without offsets needs none either
  const s = v.settings;
  const creatingMnt = v.create.includes('mnt');
  const rlimits = s.rlimits ?? [];
  const caps = s.caps;
  const propagation = s.propagation ?? 'private';
  return {
    hostname: s.hostname ?? null,
    domainname: s.domainname ?? null,
    root: s.root ?? null,
    cwd: s.cwd ?? null,
    propagation: !creatingMnt ? 0 : typeof propagation === 'number' ? propagation : PROPAGATION[propagation]!,
    umask: s.umask ?? -1,
    setsid: s.setsid ? 1 : 0,
    pdeathsig: s.pdeathsig ?? 0,
    no_new_privs: s.noNewPrivs ? 1 : 0,
    nrlimit: rlimits.length,
    rlimits: rlimits.length > 0 ? BigInt64Array.from(rlimits.flat(), BigInt) : null,
    ngroups: s.groups === undefined ? -1 : s.groups.length,
    groups: s.groups === undefined || s.groups.length === 0 ? null : Uint32Array.from(s.groups),
    gid: s.gid ?? -1,
    uid: s.uid ?? -1,
    preserve_credentials: s.preserveCredentials ? 1 : 0,
    has_caps: caps === undefined ? 0 : 1,
    last_cap: caps === undefined ? 0 : capLast(),
    // Absent sets are kept whole, as the helper's parser has them (the kernel then keeps what the process has).
    cap_bounding: caps?.bounding ?? ALL,
    cap_effective: caps?.effective ?? ALL,
    cap_permitted: caps?.permitted ?? ALL,
    cap_inheritable: caps?.inheritable ?? ALL,
    cap_ambient: caps?.ambient ?? 0n,
    setgroups: user ? (v.setgroups ?? null) : null,
    uid_map: user ? mapText(v.uidMappings) : null,
    gid_map: user ? mapText(v.gidMappings) : null,
    userns_root: s.usernsRoot ? 1 : 0,
    time_offsets: timeOffsets(s),
  };
}

/** Each lns_spawn step: [the helper's step, the syscall it names]. */
const STEPS = new Map<number, readonly [string, string]>([
  [LNS_STEP.JOIN, ['join', 'setns']],
  [LNS_STEP.JOIN_PID, ['join', 'setns']],
  [LNS_STEP.SETGROUPS, ['setgroups', 'write']],
  [LNS_STEP.UID_MAP, ['uid_map', 'write']],
  [LNS_STEP.GID_MAP, ['gid_map', 'write']],
  [LNS_STEP.SYNC, ['sync', 'pipe2']],
  [LNS_STEP.USERNS_ROOT, ['ids', 'setresuid']],
  [LNS_STEP.TIME, ['create', 'unshare']],
  [LNS_STEP.TIME_OFFSETS, ['time-offsets', 'write']],
  [LNS_STEP.JOIN_SETGROUPS, ['join', 'setgroups']],
  [LNS_STEP.JOIN_SETRESGID, ['join', 'setresgid']],
  [LNS_STEP.JOIN_SETRESUID, ['join', 'setresuid']],
  [LNS_STEP.PROPAGATION, ['propagation', 'mount']],
  [LNS_STEP.STDIO, ['fds', 'dup2']],
  [LNS_STEP.EXEC, ['exec', 'execvp']],
  [LNS_STEP.WATCH, ['fork', 'epoll_ctl']],
  [LNS_STEP.HOSTNAME, ['hostname', 'sethostname']],
  [LNS_STEP.DOMAINNAME, ['domainname', 'setdomainname']],
  [LNS_STEP.RLIMIT, ['rlimit', 'setrlimit']],
  [LNS_STEP.SETSID, ['setsid', 'setsid']],
  [LNS_STEP.DEATHSIG, ['prctl', 'prctl']],
  [LNS_STEP.ROOT, ['root', 'chroot']],
  [LNS_STEP.CWD, ['cwd', 'chdir']],
  [LNS_STEP.KEEPCAPS, ['caps', 'prctl']],
  [LNS_STEP.BOUNDING, ['caps', 'prctl']],
  [LNS_STEP.SETGROUPS_IDS, ['ids', 'setgroups']],
  [LNS_STEP.SETRESGID, ['ids', 'setresgid']],
  [LNS_STEP.SETRESUID, ['ids', 'setresuid']],
  [LNS_STEP.CAPGET, ['caps', 'capget']],
  [LNS_STEP.CAPSET, ['caps', 'capset']],
  [LNS_STEP.AMBIENT, ['caps', 'prctl']],
  [LNS_STEP.NO_NEW_PRIVS, ['prctl', 'prctl']],
]);

/** The error of lns_spawn's result `r` (< 0), as the helper would have reported it. */
export function cloneStepError(command: string, r: number): NsError {
  const [step, syscall] = STEPS.get((-r) >> 16) ?? ['create', 'clone'];
  return setupFailed(command, step, syscall, errnoName((-r) & 0xffff));
}
