/**
 * {@link spawn}: a process started by the C helper inside joined and new
 * namespaces, with id maps and setup done between fork and exec. Setup
 * failures come back as data (`spawn-setup-failed`: step, syscall, errno),
 * never confused with the command's own exit status, which passes through
 * exactly.
 *
 * @module
 */
import { spawn as spawnProcess, type ChildProcess, type StdioNull, type StdioPipe } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { errnoName, errnoNumber } from '../errors/errno.js';
import { syscallError } from '../errors/from-errno.js';
import type { NsError, NsErrorBase } from '../errors/ns-error.js';
import { NamespaceHandle } from '../namespace/handle.js';
import { NAMESPACE_TYPES, isNamespaceType, type NamespaceType } from '../namespace/kind.js';
import { openNamespace, openProcessNamespace } from '../namespace/open.js';
import { identityOfPath, sameNamespace } from '../namespace/identity.js';
import { checkPid } from '../namespace/paths.js';
import { locateHelper } from './locate.js';
import { prepareTarget } from '../thread/target.js';
import { enterSync, SYNC_TYPES } from '../thread/enter-sync.js';
import { dupCloexec } from '../ffi/syscall.js';
import { MS_BIND, MS_PRIVATE, MS_RDONLY, MS_REC, MS_SHARED } from '../ffi/mount-flags.js';
import { serializeThrown } from '../thread/serialize.js';
import { decodeStatus, encodeRequest, MAX_IDMAP, type IdRange } from './protocol.js';

/** What to join: namespaces by type (a path, a pid or a handle), or a pid for all of its namespaces that differ from ours. */
export type JoinTarget = Partial<Record<NamespaceType, string | number | NamespaceHandle>> | number;

/** One stdio stream of the command: a pipe to this process, this process's own, none, or an fd. */
export type StdioValue = StdioPipe | 'inherit' | StdioNull | number;

export type { IdRange };

/** Options of {@link spawn}. */
export interface SpawnOptions<E extends NsErrorBase = NsError> {
  /** Existing namespaces to join (opened before anything is joined; the user namespace after the others). */
  readonly join?: JoinTarget;
  /** New namespaces to create; a new user namespace first, so that it owns the others. */
  readonly create?: readonly NamespaceType[];
  /** uid ranges of the new user namespace (needs `create` to include `'user'`). */
  readonly uidMappings?: readonly IdRange[];
  /** gid ranges of the new user namespace. */
  readonly gidMappings?: readonly IdRange[];
  /** Written to `/proc/PID/setgroups` before the gid map. */
  readonly setgroups?: 'allow' | 'deny';
  /** Maps root inside to the caller's euid/egid outside, like `unshare --map-root-user` (and, like it, writes setgroups `'deny'` unless `setgroups` says otherwise). */
  readonly mapRootUser?: boolean;
  /** Hostname inside (needs a new uts namespace, as in libcontainer). */
  readonly hostname?: string;
  /** NIS domain name inside (needs a new uts namespace). */
  readonly domainname?: string;
  /** Working directory of the command. */
  readonly cwd?: string;
  /** Environment variables; with `envMode: 'replace'` the only ones. */
  readonly env?: Readonly<Record<string, string>>;
  /** `'extend'` (default) adds `env` to this process's environment; `'replace'` uses `env` alone. */
  readonly envMode?: 'extend' | 'replace';
  /** stdin, stdout, stderr: each `'pipe'` (default), `'inherit'`, `'ignore'` or an fd. */
  readonly stdio?: StdioValue | readonly [StdioValue, StdioValue, StdioValue];
  /** Mounts a fresh /proc for the new pid namespace (needs `create` with `'mnt'` and `'pid'`), like `unshare --mount-proc`; with `rootfs`, on the rootfs's `/proc`. */
  readonly mountProc?: boolean;
  /** Clock offsets of a new time namespace, in seconds (needs `create` with `'time'`); visible in `/proc/self/timens_offsets`. */
  readonly timeOffsets?: { readonly monotonic?: number; readonly boottime?: number };
  /** Resource limits by name (`nofile`, `nproc`, `core`...): `{ soft, hard }`, `Infinity` for unlimited. */
  readonly rlimits?: Readonly<Partial<Record<RlimitName, { readonly soft: number; readonly hard: number }>>>;
  /** Starts a new session (setsid). */
  readonly newSession?: boolean;
  /** Sets PR_SET_NO_NEW_PRIVS before exec. */
  readonly noNewPrivileges?: boolean;
  /**
   * After joining a user namespace (`join.user`), keep the caller's ids instead
   * of becoming root in it, like `nsenter --preserve-credentials`: needed to
   * join a namespace that does not map uid or gid 0. Only with `join.user`.
   */
  readonly preserveCredentials?: boolean;
  /** Signal the command gets when the thread that started it dies (see the threading guide). */
  readonly parentDeathSignal?: NodeJS.Signals;
  /** The ids the command runs as, set after every privileged step. `groups` replaces the supplementary groups. */
  readonly user?: { readonly uid?: number; readonly gid?: number; readonly groups?: readonly number[] };
  /** chroot into this directory (then chdir to `/`, then to `cwd` if given). */
  readonly root?: string;
  /** Propagation of a new mount namespace: `'private'` (the default, like unshare), `'slave'`, `'shared'` or `'unchanged'`. */
  readonly mountPropagation?: 'private' | 'slave' | 'shared' | 'unchanged';
  /** Extra fds for the command: `{ 5: fd }` gives it this process's `fd` as its fd 5 (targets >= 3). No other fd reaches it. */
  readonly fds?: Readonly<Record<number, number>>;
  /**
   * Capabilities to keep, by set, as names (`'CAP_NET_ADMIN'` or `'net_admin'`). A set left out
   * is left as it is; `bounding: []` drops every capability from the bounding set. Applied after
   * the ids (with keep-caps across the id change; the bounding set is dropped before them), so a
   * non-root `user` can keep what it needs through `ambient`.
   */
  readonly capabilities?: Readonly<Partial<Record<CapabilitySet, readonly string[]>>>;
  /**
   * Keeps new namespaces alive after the command exits, like `unshare --net=FILE`: each type
   * (it must be in `create`) is bind-mounted on an absolute path of the caller's mount
   * namespace. A missing file is created (empty, mode 0444; its directory must exist); a path
   * that is already a mount point (a pin...) fails with `EBUSY`. pid and time are pinned through
   * `pid_for_children` and `time_for_children`: the command's `/proc/self/ns/pid` and `time`.
   * The pins exist once `spawn` resolves; if the spawn fails, none is left and files it created
   * are removed. A failed pin is `spawn-setup-failed` with step `'pin'`. A mnt pin cannot
   * propagate into its own namespace: with `mountPropagation` `'shared'` or `'unchanged'` on a
   * shared mount it fails with `EINVAL` (util-linux#289). Undo a pin with {@link unpinNamespace}.
   *
   * @example
   * ```ts
   * import { openNamespace, spawn, unpinNamespace } from '@linuxns/core';
   * const r = await spawn('ip', ['link', 'set', 'lo', 'up'], { create: ['net', 'uts'], pin: { net: '/run/netns/lab', uts: '/run/lab-uts' } });
   * if (r.isOk()) await r.value.exited; // the namespaces outlive the command
   * const net = openNamespace('/run/netns/lab', 'net'); // also: ip netns exec lab ...
   * if (net.isOk()) net.value.close();
   * unpinNamespace('/run/netns/lab');
   * unpinNamespace('/run/lab-uts');
   * ```
   */
  readonly pin?: Readonly<Partial<Record<NamespaceType, string>>>;
  /**
   * Become root (uid and gid 0) of the new user namespace as soon as its maps are written,
   * before the other namespaces and the mounts are made, so that what the setup creates (a
   * tmpfs, an overlay's upper layer) belongs to a mapped id. Needs `create` with `'user'` and 0
   * mapped in both maps.
   */
  readonly usernsRoot?: boolean;
  /**
   * cgroup directories (cgroup v2, or one per v1 hierarchy) to run in: the helper writes itself
   * into `cgroup.procs` of each before anything else, so the command and everything it forks
   * live there from the start.
   */
  readonly cgroups?: readonly string[];
  /**
   * A file (absolute path; created or truncated at once) where the helper writes
   * `"PID STARTTIME\n"` in one write once the command's exec has succeeded, before `spawn`
   * resolves (STARTTIME is field 22 of `/proc/PID/stat`, which tells a reused pid apart). Empty
   * means no running command yet (still being set up, or setup failed): a record that survives
   * the death of the caller.
   */
  readonly pidFile?: string;
  /**
   * A container root filesystem (needs a new mount namespace): a bind of `path` on itself, or a
   * writable overlay on a tmpfs; then `/proc` (with `mountProc`), `/dev` (`mountDev`), `/sys`
   * (`mountSys`), `mounts`, `maskedPaths`, `readonlyPaths`, the read-only remount, and
   * `pivot_root` into it, all by the command's process before exec. Excludes `root`.
   *
   * @example
   * ```ts
   * import { spawn } from '@linuxns/core';
   * const r = await spawn('/bin/sh', ['-c', 'hostname; ls /'], {
   *   create: ['mnt', 'pid', 'uts', 'ipc', 'net'], hostname: 'box',
   *   rootfs: { path: '/srv/busybox', readonly: true }, mountProc: true, mountDev: true, mountSys: true,
   *   maskedPaths: ['/proc/kcore'], readonlyPaths: ['/proc/sys'], envMode: 'replace', env: { PATH: '/bin' },
   * });
   * if (r.isOk()) console.log(await r.value.exited);
   * ```
   */
  readonly rootfs?: RootfsOptions;
  /** A tmpfs on the rootfs's `/dev` with null, zero, full, random, urandom and tty bound from the caller's `/dev`, and the usual symlinks (needs `rootfs`). */
  readonly mountDev?: boolean;
  /** sysfs read-only on the rootfs's `/sys` (a read-only bind of the caller's `/sys` where the kernel refuses a sysfs); needs `rootfs`. */
  readonly mountSys?: boolean;
  /** Extra mounts inside the rootfs, in order, after `/proc`, `/dev` and `/sys` (needs `rootfs`). */
  readonly mounts?: readonly MountSpec[];
  /** Paths hidden inside: `/dev/null` bound over a file, an empty read-only tmpfs over a directory; missing ones are skipped (needs a new mount namespace). */
  readonly maskedPaths?: readonly string[];
  /** Paths made read-only inside by a read-only bind on themselves; missing ones are skipped (needs a new mount namespace). */
  readonly readonlyPaths?: readonly string[];
  /**
   * Called once the command's process is set up completely (namespaces joined and made, maps,
   * mounts, ids, capabilities, fds) and waits just before its exec, with its pid as this process
   * numbers it, so `/proc/PID/ns/*` are its namespaces. The command execs only once the Result
   * is ok. An error becomes spawn's error (a throw or a rejection: `task-failed`), and the
   * process exits without running the command: pins undone, `pidFile` left empty, nothing left
   * running. For what must be done from outside before the command runs, such as configuring a
   * network namespace owned by a new user namespace, which only the helper can make. A process
   * killed while the hook runs looks like a command killed at its start (as after any setup
   * process killed by a signal): spawn resolves, `exited` reports the signal, pins stay.
   *
   * @example
   * ```ts
   * import { spawn } from '@linuxns/core';
   * import { ok } from 'neverthrow';
   * const r = await spawn('ip', ['-o', 'link'], {
   *   create: ['user', 'net'], mapRootUser: true,
   *   beforeExec: (pid) => {
   *     console.log(`configure /proc/${pid}/ns/net now: the command has not started`);
   *     return ok(undefined);
   *   },
   * });
   * if (r.isOk()) console.log(await r.value.exited);
   * ```
   */
  readonly beforeExec?: (pid: number) => Result<void, E> | PromiseLike<Result<void, E>>;
}

/**
 * The root filesystem of {@link SpawnOptions.rootfs}: made in the new mount
 * namespace by the command's own process before exec, then entered by
 * `pivot_root` (LinuxKit's prepare, runc's pivot).
 */
export interface RootfsOptions {
  /** Absolute path of the root directory (a busybox tree, an unpacked image...). */
  readonly path: string;
  /** Remount the root read-only once every other mount is made. */
  readonly readonly?: boolean;
  /**
   * A writable overlay instead of a bind: `path` is the lower layer, upper and work live on a
   * tmpfs (of `size` bytes; the tmpfs default if left out) mounted in the new mount namespace
   * only. Writes never reach `path` and vanish with the namespace.
   */
  readonly overlay?: boolean | { readonly size?: number };
  /** `false`: chroot instead of pivot_root (the old root stays mounted inside). Default `true`. */
  readonly pivotRoot?: boolean;
}

/**
 * An extra mount of {@link SpawnOptions.mounts}, in OCI runtime-spec names:
 * `options` are mount flags (`ro`, `nosuid`, `nodev`, `noexec`, `bind`,
 * `rbind`, `rprivate`...) and, for the rest, filesystem data (`size=1m`).
 */
export interface MountSpec {
  /** Where, inside the root filesystem (absolute; created if missing). */
  readonly destination: string;
  /** Filesystem type (`tmpfs`, `proc`...); leave out for a bind. */
  readonly type?: string;
  /** A path of the caller's for a bind, else the filesystem's source (`tmpfs`). */
  readonly source?: string;
  readonly options?: readonly string[];
}

/** MS_* flags (sys/mount.h) by OCI option name; `clear` options only undo a flag. */
const MS_UNBINDABLE = 0x20000;
const MS_SLAVE = 0x80000;
const MOUNT_FLAGS: Readonly<Record<string, number>> = {
  ro: MS_RDONLY, nosuid: 0x2, nodev: 0x4, noexec: 0x8, sync: 0x10, dirsync: 0x80, noatime: 0x400, nodiratime: 0x800,
  bind: MS_BIND, rbind: MS_BIND | MS_REC, unbindable: MS_UNBINDABLE, runbindable: MS_UNBINDABLE | MS_REC, private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC, slave: MS_SLAVE, rslave: MS_SLAVE | MS_REC, shared: MS_SHARED, rshared: MS_SHARED | MS_REC,
  relatime: 0x200000, strictatime: 0x1000000,
};
const CLEAR_FLAGS = new Set(['rw', 'suid', 'dev', 'exec', 'async', 'atime', 'diratime', 'norelatime', 'nostrictatime']);

/** A mount's options as [flags, data]; or the error. */
function mountFlags(m: MountSpec, i: number): NsError | [number, string] {
  let flags = 0;
  const data: string[] = [];
  for (const o of m.options ?? []) {
    if (typeof o !== 'string') return bad('mounts', `mounts[${i}].options must be strings`);
    if (o === 'remount') return bad('mounts', `mounts[${i}]: option "remount" is not supported`);
    const f = MOUNT_FLAGS[o];
    if (f !== undefined) flags |= f;
    else if (!CLEAR_FLAGS.has(o)) data.push(o);
  }
  if (m.type === 'bind') flags |= MS_BIND;
  return [flags, data.join(',')];
}

/** Validates the root filesystem options: the helper request fields, or the error. */
function rootfsSettings(o: SpawnOptions, creating: ReadonlySet<NamespaceType>): NsError | Partial<import('./protocol.js').HelperRequest> {
  const out: Record<string, unknown> = {};
  const abs = (option: string, p: unknown): NsError | undefined =>
    typeof p === 'string' && p.startsWith('/') && !p.includes('\0') ? undefined : bad(option, `${option} must be an absolute path, got ${JSON.stringify(p)}`);
  if (o.usernsRoot) {
    if (!creating.has('user')) return bad('usernsRoot', "usernsRoot needs a new user namespace: add 'user' to create");
    out.usernsRoot = true;
  }
  if (o.pidFile !== undefined) {
    const e = abs('pidFile', o.pidFile);
    if (e) return e;
    out.pidFile = o.pidFile;
  }
  if (o.cgroups !== undefined) {
    if (!isArray(o.cgroups) || o.cgroups.length > 16) return bad('cgroups', 'cgroups must be at most 16 cgroup directories');
    for (const [i, dir] of o.cgroups.entries()) {
      const e = abs(`cgroups[${i}]`, dir);
      if (e) return e;
    }
    out.cgroups = o.cgroups.map((dir) => `${dir.replace(/\/+$/, '')}/cgroup.procs`);
  }
  const inside = ['mountDev', 'mountSys', 'mounts'] as const;
  if (o.rootfs === undefined) {
    for (const k of inside) if (o[k] !== undefined && o[k] !== false) return bad(k, `${k} needs a rootfs`);
  } else {
    if (!creating.has('mnt')) return bad('rootfs', "rootfs needs a new mount namespace: add 'mnt' to create");
    if (o.root !== undefined) return bad('rootfs', 'rootfs (pivot_root) and root (chroot) exclude each other');
    const r = o.rootfs;
    const e = abs('rootfs.path', r.path);
    if (e) return e;
    out.rootfs = r.path;
    if (r.overlay) {
      const size = typeof r.overlay === 'object' ? (r.overlay.size ?? 0) : 0;
      if (!Number.isSafeInteger(size) || size < 0) return bad('rootfs', `rootfs.overlay.size must be a whole number of bytes, got ${String(size)}`);
      out.rootfsOverlay = size;
    }
    if (r.readonly) out.rootfsReadonly = true;
    if (r.pivotRoot === false) out.noPivot = true;
    if (o.mountDev) out.mountDev = true;
    if (o.mountSys) out.mountSys = true;
    const mounts: Array<[string, number, string, string, string]> = [];
    for (const [i, m] of (o.mounts ?? []).entries()) {
      const e3 = abs(`mounts[${i}].destination`, m?.destination);
      if (e3) return e3;
      if (m.destination.split('/').includes('..')) return bad('mounts', `mounts[${i}].destination must not contain "..", got ${JSON.stringify(m.destination)}`);
      const f = mountFlags(m, i);
      if (!Array.isArray(f)) return f;
      if (f[0] & MS_BIND) {
        if (abs(`mounts[${i}].source`, m.source)) return bad('mounts', `mounts[${i}] is a bind: its source must be an absolute path, got ${JSON.stringify(m.source)}`);
      } else if (!m.type) {
        return bad('mounts', `mounts[${i}] needs a type, or the option "bind"`);
      }
      mounts.push([f[0] & MS_BIND ? '' : (m.type ?? ''), f[0], m.source ?? m.type ?? 'none', m.destination, f[1]]);
    }
    if (mounts.length > 64) return bad('mounts', `at most 64 mounts, got ${mounts.length}`);
    if (mounts.length) out.mounts = mounts;
  }
  for (const k of ['maskedPaths', 'readonlyPaths'] as const) {
    const list = o[k];
    if (list === undefined) continue;
    if (!creating.has('mnt')) return bad(k, `${k} need a new mount namespace: add 'mnt' to create`);
    if (!isArray(list) || list.length > 64) return bad(k, `${k} must be at most 64 absolute paths`);
    for (const [i, p] of list.entries()) {
      const e = abs(`${k}[${i}]`, p);
      if (e) return e;
    }
    if (list.length) out[k] = list;
  }
  return out;
}

/** The capability sets of {@link SpawnOptions.capabilities}. */
export type CapabilitySet = 'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient';

/** CAP_* names by number (linux/capability.h). */
const CAP_NAMES = [
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace',
  'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write',
  'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
];

function capMask(set: string, names: readonly string[]): bigint | NsError {
  if (!isArray(names)) return bad('capabilities', `capabilities.${set} must be an array of capability names`);
  let mask = 0n;
  for (const n of names) {
    const i = typeof n === 'string' ? CAP_NAMES.indexOf(n.toLowerCase().replace(/^cap_/, '')) : -1;
    if (i < 0) return bad('capabilities', `unknown capability ${JSON.stringify(n)} in capabilities.${set}`);
    mask |= 1n << BigInt(i);
  }
  return mask;
}

/** Resource names of {@link SpawnOptions.rlimits}, as in `RLIMIT_*` (lower case). */
export type RlimitName =
  | 'cpu' | 'fsize' | 'data' | 'stack' | 'core' | 'rss' | 'nproc' | 'nofile'
  | 'memlock' | 'as' | 'locks' | 'sigpending' | 'msgqueue' | 'nice' | 'rtprio' | 'rttime';

const RLIMITS: readonly RlimitName[] = ['cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile', 'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime'];

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 0xffffffff;

/** Validates the process settings; the helper request fields, or the error. */
function processSettings(o: SpawnOptions, creating: ReadonlySet<NamespaceType>): NsError | Partial<import('./protocol.js').HelperRequest> {
  const out: Record<string, unknown> = {};
  if (o.mountProc) {
    if (!creating.has('mnt') || !creating.has('pid')) return bad('mountProc', "mountProc needs new mnt and pid namespaces: add 'mnt' and 'pid' to create");
    out.mountProc = true;
  }
  if (o.timeOffsets !== undefined) {
    if (!creating.has('time')) return bad('timeOffsets', "time offsets need a new time namespace: add 'time' to create");
    for (const k of ['monotonic', 'boottime'] as const) {
      const v = o.timeOffsets[k];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || Math.abs(v) > 2 ** 40) return bad('timeOffsets', `timeOffsets.${k} must be a whole number of seconds, got ${v}`);
      out[k] = v;
    }
  }
  if (o.rlimits !== undefined) {
    const list: Array<[number, number, number]> = [];
    for (const [name, lim] of Object.entries(o.rlimits)) {
      const res = RLIMITS.indexOf(name as RlimitName);
      if (res < 0) return bad('rlimits', `unknown resource ${JSON.stringify(name)}: one of ${RLIMITS.join(', ')}`);
      const conv = (v: number): number => (v === Infinity ? -1 : v);
      const soft = conv(lim.soft);
      const hard = conv(lim.hard);
      if (![soft, hard].every((v) => v === -1 || (Number.isInteger(v) && v >= 0))) return bad('rlimits', `rlimits.${name} needs whole soft and hard values (or Infinity)`);
      if (hard !== -1 && (soft === -1 || soft > hard)) return bad('rlimits', `rlimits.${name}: soft ${lim.soft} is above hard ${lim.hard}`);
      list.push([res, soft, hard]);
    }
    out.rlimits = list;
  }
  if (o.newSession) out.setsid = true;
  if (o.noNewPrivileges) out.noNewPrivs = true;
  if (o.preserveCredentials) out.preserveCredentials = true;
  if (o.parentDeathSignal !== undefined) {
    const n = (osConstants.signals as Record<string, number>)[o.parentDeathSignal];
    if (n === undefined) return bad('parentDeathSignal', `unknown signal ${JSON.stringify(o.parentDeathSignal)}`);
    out.pdeathsig = n;
  }
  if (o.user !== undefined) {
    const { uid, gid, groups } = o.user;
    if (uid !== undefined && !isId(uid)) return bad('user', `user.uid must be an id from 0 to 4294967294, got ${String(uid)}`);
    if (gid !== undefined && !isId(gid)) return bad('user', `user.gid must be an id from 0 to 4294967294, got ${String(gid)}`);
    if (groups !== undefined && (!isArray(groups) || !groups.every(isId) || groups.length > 64)) return bad('user', 'user.groups must be at most 64 ids');
    if (uid !== undefined) out.uid = uid;
    if (gid !== undefined) out.gid = gid;
    if (groups !== undefined) out.groups = groups;
  }
  if (o.root !== undefined) {
    if (typeof o.root !== 'string' || !o.root.startsWith('/')) return bad('root', `root must be an absolute path, got ${JSON.stringify(o.root)}`);
    out.root = o.root;
  }
  if (o.mountPropagation !== undefined) {
    if (!creating.has('mnt')) return bad('mountPropagation', "mountPropagation applies to a new mount namespace: add 'mnt' to create");
    if (!['private', 'slave', 'shared', 'unchanged'].includes(o.mountPropagation)) return bad('mountPropagation', `mountPropagation must be private, slave, shared or unchanged, got ${JSON.stringify(o.mountPropagation)}`);
    out.propagation = o.mountPropagation;
  }
  if (o.capabilities !== undefined) {
    const caps: Record<string, bigint> = {};
    for (const [set, names] of Object.entries(o.capabilities)) {
      if (!['bounding', 'effective', 'permitted', 'inheritable', 'ambient'].includes(set)) return bad('capabilities', `unknown capability set ${JSON.stringify(set)}`);
      const m = capMask(set, names ?? []);
      if (typeof m !== 'bigint') return m;
      caps[set] = m;
    }
    out.caps = caps;
  }
  return out;
}

/** Validates `pin`: [type, path] in the order given, or the error. Only new namespaces are pinned. */
function pinList(pin: SpawnOptions['pin'], creating: ReadonlySet<NamespaceType>): NsError | Array<readonly [NamespaceType, string]> {
  if (pin === undefined) return [];
  if (typeof pin !== 'object' || pin === null || isArray(pin)) throw new TypeError('pin must be an object of namespace type -> absolute path');
  const list: Array<readonly [NamespaceType, string]> = [];
  for (const [type, path] of Object.entries(pin)) {
    if (!isNamespaceType(type)) return { kind: 'unknown-namespace-type', value: type, message: `unknown namespace type ${JSON.stringify(type)} in pin` };
    if (!creating.has(type)) return bad('pin', `pin.${type} needs a new ${type} namespace: add '${type}' to create (pin a namespace that exists with pinNamespace)`);
    if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) return bad('pin', `pin.${type} must be an absolute path, got ${JSON.stringify(path)}`);
    const twin = list.find(([, p]) => p === path);
    if (twin) return bad('pin', `pin.${twin[0]} and pin.${type} are both ${JSON.stringify(path)}`);
    list.push([type, path]);
  }
  return list;
}

/** The message of a failed setup step, with a hint where the cause is usually one thing. */
/** A `spawn-setup-failed` error: the helper's (or the direct path's) failed step. */
function setupFailed(command: string, step: string, syscall: string, code: string, pins: ReadonlyArray<readonly [NamespaceType, string]> = [], message?: string): NsError {
  return { kind: 'spawn-setup-failed', step, syscall, code, errno: errnoNumber(code), message: message ?? setupMessage(command, step, syscall, code, pins) };
}

function setupMessage(command: string, step: string, syscall: string, code: string, pins: ReadonlyArray<readonly [NamespaceType, string]>): string {
  let m = `setting up ${JSON.stringify(command)} failed at step ${step}: ${syscall} gave ${code}`;
  if (step === 'exec' && code === 'ENOENT') return `${m} (no such command)`;
  if (step !== 'pin') return m;
  m += ` (pinning ${pins.map(([t, p]) => `${t} on ${JSON.stringify(p)}`).join(', ')})`;
  if (code === 'EBUSY') m += ': a pin path is already a mount point (a pin? unpinNamespace it first)';
  else if (code === 'ENOENT') m += ': the directory of a pin path does not exist (it is not created)';
  else if (code === 'EINVAL' && pins.some(([t]) => t === 'mnt')) {
    m += ": a mount namespace cannot be pinned on a mount that propagates into it (util-linux#289): keep mountPropagation 'private', or pin on a private mount";
  }
  return m;
}

/** How a command ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A command started by {@link spawn}. */
export interface NsChild {
  /** The command's pid, as this process's pid namespace numbers it. */
  readonly pid: number;
  /** The command's stdin, with stdio `'pipe'`; else null. */
  readonly stdin: Writable | null;
  /**
   * The command's stdout, with stdio `'pipe'`; else null. It keeps what the command wrote until
   * it is read, also after {@link NsChild.exited}. While the command runs, output nobody reads
   * fills the pipe and the command waits, as with `child_process`; once it has exited, the rest
   * is read in, whatever its size. Destroying the stream drops the rest of the output (the pipe
   * is drained, so a writer does not get EPIPE) and `exited` no longer waits for it.
   */
  readonly stdout: Readable | null;
  /** The command's stderr, with stdio `'pipe'`, as {@link NsChild.stdout}; else null. */
  readonly stderr: Readable | null;
  /**
   * Sends a signal (to the command; through the helper when it supervises one). As pid 1 of a
   * new pid namespace the command ignores signals it has no handler for, as under
   * `unshare --fork`: `'SIGKILL'` always works (it ends the helper, and the command dies with it).
   */
  kill(signal?: NodeJS.Signals | number): boolean;
  /**
   * Resolves once the command has ended and been reaped (with it, the helper that supervised
   * it, if any) and everything it wrote to a `'pipe'` stdout and stderr has come in: like Node's
   * `'close'` event, not `'exit'`. A `'data'` listener attached before `exited` is read has been
   * given all of the output when it resolves (each read of `exited` gives a promise that settles
   * after what is already queued, such as the start of that listener's flow), and a stream read
   * only afterwards still holds all of it. Every pipe linuxns made for the command is closed by
   * then, but for a stream the caller destroyed, which is not waited for.
   *
   * It waits for end of file on stdout and stderr, so a process the command left behind that
   * still holds one (a daemon started in the background with the same stdout) delays `exited`
   * until it closes that pipe or exits, as it delays Node's `'close'`. Give such a command stdio
   * `'ignore'`, `'inherit'` or an fd, or destroy the stream. Never rejects.
   */
  readonly exited: Promise<ExitStatus>;
}

const bad = (option: string, message: string): NsError => ({ kind: 'invalid-option', option, message });

/** Array.isArray without its narrowing to any[]. */
const isArray: (value: unknown) => boolean = Array.isArray;

function checkRanges(option: string, ranges: readonly IdRange[]): NsError | undefined {
  if (!isArray(ranges)) throw new TypeError(`${option} must be an array of { containerID, hostID, size }`);
  if (ranges.length === 0) return bad(option, `${option} is empty: give at least one range, or leave it out`);
  if (ranges.length > MAX_IDMAP) return bad(option, `${option} has ${ranges.length} ranges; the kernel takes at most ${MAX_IDMAP}`);
  for (const [i, r] of ranges.entries()) {
    for (const f of ['containerID', 'hostID', 'size'] as const) {
      const v = r?.[f];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) return bad(option, `${option}[${i}].${f} must be an integer from 0 to 4294967295, got ${String(v)}`);
    }
    if (r.size === 0) return bad(option, `${option}[${i}].size must be at least 1`);
    // The kernel refuses an extent that reaches 4294967295, (uid_t)-1, which is no id (map_write in kernel/user_namespace.c).
    if (r.containerID + r.size > 0xffffffff || r.hostID + r.size > 0xffffffff) return bad(option, `${option}[${i}] runs past 4294967294 (4294967295 is (uid_t)-1, no id)`);
  }
  // The kernel takes a map in one write shorter than a page (4096 bytes), as "IN OUT COUNT\n" lines (the helper's parse.c checks the same).
  const bytes = ranges.reduce((n, r) => n + `${r.containerID} ${r.hostID} ${r.size}\n`.length, 0);
  if (bytes >= 4096) return bad(option, `${option} takes ${bytes} bytes as a map file; the kernel takes less than 4096 in one write: use fewer or larger ranges`);
  for (const key of ['containerID', 'hostID'] as const) {
    const sorted = [...ranges].sort((a, b) => a[key] - b[key]);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      if (sorted[i]![key] < prev[key] + prev.size) return bad(option, `${option}: ranges overlap in ${key} (${prev[key]}+${prev.size} and ${sorted[i]![key]})`);
    }
  }
  return undefined;
}

/** Opens what to join. The caller closes every handle returned (also on error: the partial list). */
function openJoins(join: JoinTarget | undefined, handles: Array<[NamespaceType, NamespaceHandle]>): NsError | undefined {
  if (join === undefined) return undefined;
  if (typeof join === 'number') {
    checkPid(join);
    for (const type of NAMESPACE_TYPES) {
      const h = openProcessNamespace(join, type);
      if (h.isErr()) return h.error;
      const mine = identityOfPath(`/proc/self/ns/${type}`, type);
      if (mine.isOk() && sameNamespace(mine.value, h.value)) h.value.close();
      else handles.push([type, h.value]);
    }
    return undefined;
  }
  // The same validation as every other target (paths, pids, handles); 'new' belongs in create.
  const prepared = prepareTarget(join, NAMESPACE_TYPES, 'spawn', false);
  if (prepared.isErr()) return prepared.error;
  for (const e of prepared.value.entries) {
    let h: Result<NamespaceHandle, NsError>;
    if ('path' in e) h = openNamespace(e.path, e.type);
    else if ('fd' in e) h = dupCloexec(e.fd, { namespace: e.type }).map((fd) => NamespaceHandle.adopt(fd, e.type));
    else return bad('join', `join.${e.type} is 'new': put ${e.type} in create instead`);
    if (h.isErr()) return h.error;
    handles.push([e.type, h.value]);
  }
  return undefined;
}

/**
 * The command's stdout or stderr as the caller gets it, and when all of it has
 * come in. Node's ChildProcess drains, and drops, every pipe nobody reads as
 * soon as the process exits; spawn resolves only after the status channel
 * ends, when a quick command may already be gone, and the caller may await
 * something else before reading. Forwarding into a PassThrough from the start
 * keeps the output until it is read.
 *
 * While the process runs, a full PassThrough pauses the pipe (the command
 * waits, as with an unread child_process pipe). Once it has exited
 * (`exit` resolved), the rest is read in without that limit: the process can
 * write no more, and `exited` waits for the pipe's end of file, which would
 * never come while a caller who reads only after `exited` holds it paused.
 *
 * `delivered` resolves once the pipe has reached end of file and is closed,
 * every byte written into the PassThrough (and so emitted to a 'data' listener
 * that was attached), or once the caller destroyed the PassThrough before
 * then: the rest is then drained and dropped in the background (the writer is
 * not cut off with EPIPE), and nobody waits for it.
 */
function keepOutput(src: Readable | null, exit: Promise<unknown>): { stream: Readable | null; delivered: Promise<void> } {
  if (!src) return { stream: null, delivered: Promise.resolve() };
  const out = new PassThrough();
  let exitedAlready = false;
  src.on('data', (chunk: Buffer) => {
    if (out.destroyed) return; // the caller closed it: drained and dropped
    if (!out.write(chunk) && !exitedAlready) src.pause();
  });
  out.on('drain', () => src.resume());
  src.once('end', () => out.end());
  src.once('error', (e) => out.destroy(e));
  const delivered = new Promise<void>((resolve) => {
    src.once('close', resolve);
    out.once('close', () => {
      if (src.readableEnded) return;
      src.resume();
      resolve();
    });
  });
  void exit.then(() => {
    exitedAlready = true;
    src.resume();
  });
  return { stream: out, delivered };
}

/** Resolves once `stream` (a pipe of the child's beyond its stdin) is closed; at once when there is none. */
function closedOf(stream: Readable | Writable | null | undefined): Promise<void> {
  if (!stream || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/**
 * How `sub` ends, as {@link NsChild.exited} reports it and as spawn's error
 * paths wait for it. `exited`: the process has exited and been reaped (its
 * 'exit'), the stdout and stderr pipes are delivered (see {@link keepOutput}),
 * and every other pipe made for it (the helper's status channel and gate) is
 * closed. `closed`: that, with the pipes of streams the caller destroyed
 * closed too, for the error paths, which leave no fd behind.
 */
function endingOf(sub: ChildProcess): { stdout: Readable | null; stderr: Readable | null; exited: Promise<ExitStatus>; closed: Promise<ExitStatus> } {
  const exit = new Promise<ExitStatus>((r) => sub.once('exit', (code, signal) => r({ code, signal })));
  const stdout = keepOutput(sub.stdout, exit);
  const stderr = keepOutput(sub.stderr, exit);
  const others = sub.stdio.slice(3).map((s) => closedOf(s as Readable | null));
  const exited = Promise.all([exit, stdout.delivered, stderr.delivered, ...others]).then(([status]) => status);
  const closed = Promise.all([exited, closedOf(sub.stdout), closedOf(sub.stderr)]).then(([status]) => status);
  return { stdout: stdout.stream, stderr: stderr.stream, exited, closed };
}

/**
 * The NsChild of `sub`, whose command has pid `pid`. `exited` is a getter: a
 * 'data' listener attached just before `await child.exited` makes its stream
 * flow only on the next tick, and a promise that had already resolved would
 * run the caller's continuation before that (microtasks run before ticks),
 * the output still in the stream's buffer. Each read gives a promise that
 * settles a turn of the event loop (setImmediate) after `ended`, so after
 * everything queued when it was read.
 */
function nsChild(pid: number, sub: ChildProcess, stdout: Readable | null, stderr: Readable | null, ended: Promise<ExitStatus>): NsChild {
  return {
    pid,
    stdin: sub.stdin,
    stdout,
    stderr,
    kill: (signal?: NodeJS.Signals | number) => sub.kill(signal),
    get exited(): Promise<ExitStatus> {
      return ended.then((status) => new Promise<ExitStatus>((resolve) => setImmediate(resolve, status)));
    },
  };
}

function stdioOf(stdio: SpawnOptions['stdio']): [StdioValue, StdioValue, StdioValue] {
  if (stdio === undefined) return ['pipe', 'pipe', 'pipe'];
  if (Array.isArray(stdio)) {
    if (stdio.length !== 3) throw new TypeError('stdio must be one value or [stdin, stdout, stderr]');
    return [stdio[0], stdio[1], stdio[2]] as [StdioValue, StdioValue, StdioValue];
  }
  return [stdio as StdioValue, stdio as StdioValue, stdio as StdioValue];
}

/**
 * The fast path of {@link spawn}, when nothing needs the helper: only joins of
 * thread-joinable types (net, uts, ipc, cgroup), stdio and env. The calling
 * thread joins them for the one synchronous `child_process.spawn` call
 * (libuv forks and execs within it, so the child starts inside them) and is
 * back before this returns — no helper process, no second exec. Errors have
 * the helper's shapes: `spawn-setup-failed` at `join` or `exec`.
 */
function spawnDirect(
  command: string,
  args: readonly string[],
  stdio: [StdioValue, StdioValue, StdioValue],
  env: NodeJS.ProcessEnv,
  handles: ReadonlyArray<readonly [NamespaceType, NamespaceHandle]>,
  closeAll: () => void,
): ResultAsync<NsChild, NsError> {
  let sub: ChildProcess | undefined;
  let thrown: unknown;
  const entered = enterSync(Object.fromEntries(handles), () => {
    try {
      sub = spawnProcess(command, args, { stdio: [...stdio], env });
    } catch (e) {
      thrown = e; // reported below, once the thread is back
    }
  });
  closeAll();
  if (entered.isErr()) {
    const e = entered.error;
    return new ResultAsync(Promise.resolve(err('code' in e && typeof e.code === 'string' ? setupFailed(command, 'join', 'setns', e.code) : e)));
  }
  if (sub === undefined) {
    const x = thrown as NodeJS.ErrnoException | undefined;
    return new ResultAsync(Promise.resolve(err(syscallError(x?.syscall ?? 'spawn', x?.code ?? 'EINVAL', { path: command }))));
  }
  const child = sub;
  const { stdout, stderr, exited } = endingOf(child);
  return new ResultAsync(
    new Promise<Result<NsChild, NsError>>((resolve) => {
      if (child.pid !== undefined) {
        resolve(ok(nsChild(child.pid, child, stdout, stderr, exited)));
        return;
      }
      // libuv reports a failed exec (ENOENT, EACCES...) as an 'error' on the next tick.
      child.once('error', (e: NodeJS.ErrnoException) => {
        stdout?.destroy();
        stderr?.destroy();
        resolve(err(setupFailed(command, 'exec', 'execvp', typeof e.code === 'string' ? e.code : 'EIO')));
      });
    }),
  );
}

/**
 * Starts `command` with `args` inside the namespaces of `options`, set up by
 * the C helper before exec. When nothing needs the helper — only joins of
 * net, uts, ipc or cgroup namespaces, with stdio and env — the calling thread
 * joins them just for the synchronous fork and exec of the command and is
 * back before `spawn` returns: no helper process, no second exec. Resolves
 * once the command is running (its `pid` known), or to the error that stopped it: bad options (`invalid-option`),
 * a join target that is not a namespace, or a setup step that failed in the
 * helper (`spawn-setup-failed` with `step`, `syscall` and `code`); in every
 * error case nothing is left running and no fd stays open.
 *
 * @example
 * ```ts
 * import { spawn } from '@linuxns/core';
 * const r = await spawn('sh', ['-c', 'id -u; hostname; echo $$'], {
 *   create: ['user', 'uts', 'pid', 'mnt'], mapRootUser: true, hostname: 'box',
 * });
 * if (r.isErr()) console.error(r.error.message);
 * else { r.value.stdout?.pipe(process.stdout); console.log(await r.value.exited); } // 0, box, 1
 * ```
 */
export function spawn<E extends NsErrorBase = NsError>(command: string, args: readonly string[] = [], options: SpawnOptions<E> = {}): ResultAsync<NsChild, NsError | E> {
  // The hook's errors pass through as spawn's own: only their type differs.
  return spawnAny(command, args, options as unknown as SpawnOptions);
}

function spawnAny(command: string, args: readonly string[], options: SpawnOptions): ResultAsync<NsChild, NsError> {
  if (typeof command !== 'string' || command.length === 0) throw new TypeError('command must be a non-empty string');
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw new TypeError('args must be an array of strings');
  const fail = (e: NsError): ResultAsync<NsChild, NsError> => new ResultAsync(Promise.resolve(err(e)));

  const create = [...(options.create ?? [])];
  for (const t of create) if (!isNamespaceType(t)) return fail({ kind: 'unknown-namespace-type', value: String(t), message: `unknown namespace type ${JSON.stringify(t)} in create` });
  const creating = new Set(create);
  let uidMappings = options.uidMappings;
  let gidMappings = options.gidMappings;
  if (options.mapRootUser) {
    if (uidMappings || gidMappings) return fail(bad('mapRootUser', 'mapRootUser and explicit uidMappings/gidMappings exclude each other'));
    uidMappings = [{ containerID: 0, hostID: process.geteuid?.() ?? 0, size: 1 }];
    gidMappings = [{ containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 }];
  }
  for (const [name, ranges] of [['uidMappings', uidMappings], ['gidMappings', gidMappings]] as const) {
    if (ranges === undefined) continue;
    if (!creating.has('user')) {
      const option = options.mapRootUser ? 'mapRootUser' : name;
      return fail(bad(option, `${option} needs a new user namespace: add 'user' to create`));
    }
    const e = checkRanges(name, ranges);
    if (e) return fail(e);
  }
  if (options.setgroups !== undefined && !creating.has('user')) return fail(bad('setgroups', "setgroups needs a new user namespace: add 'user' to create"));
  if (options.setgroups !== undefined && options.setgroups !== 'allow' && options.setgroups !== 'deny') throw new TypeError("setgroups must be 'allow' or 'deny'");
  for (const o of ['hostname', 'domainname'] as const) {
    if (options[o] !== undefined && !creating.has('uts')) return fail(bad(o, `${o} needs a new uts namespace (setting it in a shared one would change the host's): add 'uts' to create`));
  }
  const envMode = options.envMode ?? 'extend';
  const env = Object.entries(options.env ?? {});
  for (const [k, v] of env) {
    if (k === '' || k.includes('=') || typeof v !== 'string') return fail(bad('env', `env entry ${JSON.stringify(k)} must be a name without '=' and a string value`));
  }
  const stdio = stdioOf(options.stdio);
  const settings = processSettings(options, creating);
  if ('kind' in settings) return fail(settings);
  const pins = pinList(options.pin, creating);
  if ('kind' in pins) return fail(pins);
  const fsSettings = rootfsSettings(options, creating);
  if ('kind' in fsSettings) return fail(fsSettings);

  const extra: Array<[number, number]> = [];
  for (const [target, source] of Object.entries(options.fds ?? {})) {
    const t = Number(target);
    if (!Number.isInteger(t) || t < 3 || t > 1023) return fail(bad('fds', `fds: target ${target} must be an fd number from 3 to 1023 (0-2 are stdio)`));
    if (!Number.isInteger(source) || source < 0) throw new TypeError(`fds[${target}] must be an fd number, got ${String(source)}`);
    extra.push([t, source]);
  }
  const handles: Array<[NamespaceType, NamespaceHandle]> = [];
  const closeAll = (): void => handles.forEach(([, h]) => h.close());
  const joinError = openJoins(options.join, handles);
  if (joinError) {
    closeAll();
    return fail(joinError);
  }
  for (const [type] of handles) {
    if (creating.has(type)) {
      closeAll();
      return fail(bad('join', `${type} is both joined and created`));
    }
  }
  if (options.preserveCredentials && !handles.some(([type]) => type === 'user')) {
    closeAll();
    return fail(bad('preserveCredentials', 'preserveCredentials is about joining a user namespace: join.user (or a pid in another user namespace) is needed'));
  }
  if (options.beforeExec !== undefined && typeof options.beforeExec !== 'function') {
    closeAll();
    throw new TypeError(`beforeExec must be a function, got ${typeof options.beforeExec}`);
  }
  const needsHelper =
    options.beforeExec !== undefined ||
    create.length > 0 ||
    handles.some(([type]) => !SYNC_TYPES.includes(type)) ||
    Object.keys(settings).length > 0 ||
    Object.keys(fsSettings).length > 0 ||
    pins.length > 0 ||
    extra.length > 0 ||
    options.cwd !== undefined;
  if (!needsHelper) {
    // No copy of the environment unless something is added to it or it is replaced.
    const childEnv = envMode === 'replace' ? Object.fromEntries(env) : env.length > 0 ? { ...process.env, ...Object.fromEntries(env) } : process.env;
    return spawnDirect(command, args, stdio, childEnv, handles, closeAll);
  }
  const helper = locateHelper();
  if (helper.isErr()) {
    closeAll();
    return fail(helper.error);
  }

  // The gate, a socket of its own after the other inherited fds: end of file on it, rather than a byte, tells the command not to run.
  const gateFd = options.beforeExec ? 4 + handles.length + extra.length : undefined;
  const argv = encodeRequest({
    statusFd: 3,
    ...(gateFd !== undefined ? { gateFd } : {}),
    join: handles.map(([type], i) => [type, 4 + i] as const),
    create,
    uidMappings: uidMappings ?? [],
    gidMappings: gidMappings ?? [],
    ...(options.setgroups !== undefined ? { setgroups: options.setgroups } : options.mapRootUser ? { setgroups: 'deny' as const } : {}),
    ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
    ...(options.domainname !== undefined ? { domainname: options.domainname } : {}),
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    envClear: envMode === 'replace',
    env,
    ...settings,
    ...fsSettings,
    fds: extra.map(([target], i) => [target, 4 + handles.length + i] as const),
    pins,
    command,
    args,
  });

  let sub: ChildProcess;
  try {
    sub = spawnProcess(helper.value, argv, { stdio: [...stdio, 'pipe', ...handles.map(([, h]) => h.fd), ...extra.map(([, source]) => source), ...(gateFd !== undefined ? ['pipe' as const] : [])] });
  } catch (e) {
    // Node throws at once for what it refuses itself (e.g. an stdio fd that is not open).
    const x = e as NodeJS.ErrnoException;
    return fail(syscallError(x.syscall ?? 'spawn', x.code ?? 'EINVAL', { path: helper.value }));
  } finally {
    closeAll(); // the helper has its own copies now
  }
  const { stdout, stderr, exited, closed } = endingOf(sub);

  return new ResultAsync(
    new Promise<Result<NsChild, NsError>>((resolve) => {
      let status = '';
      const channel = sub.stdio[3] as Readable;
      channel.setEncoding('latin1');
      // beforeExec: called at READY; the command waits for a byte on the gate, end of file makes it give up.
      const gate = gateFd !== undefined ? (sub.stdio[gateFd] as Writable) : undefined;
      gate?.on('error', () => {}); // the helper may be gone by the time the gate is written
      let gateDone: Promise<NsError | undefined> | undefined;
      const openGate = async (pid: number): Promise<NsError | undefined> => {
        let r: unknown;
        try {
          r = await options.beforeExec!(pid);
        } catch (e) {
          r = err(serializeThrown(e));
        }
        const result = isResult(r) ? r : err(bad('beforeExec', `beforeExec must return a Result (or a promise of one), got ${r === null ? 'null' : typeof r}`));
        if (result.isOk()) {
          gate!.end('G');
          return undefined;
        }
        gate!.destroy();
        return result.error;
      };
      channel.on('data', (d: string) => {
        status += d;
        if (gate && gateDone === undefined) {
          const r = decodeStatus(status);
          if (r.ready && r.pid !== undefined && !r.error) gateDone = openGate(r.pid);
        }
      });
      sub.once('error', (e: NodeJS.ErrnoException) => {
        resolve(err({ kind: 'helper-not-found', path: helper.value, fix: 'reinstall @linuxns/helper-c', message: `could not start the helper ${helper.value}: ${e.message}` }));
      });
      channel.once('end', () => void onEnd());
      const onEnd = async (): Promise<void> => {
        const report = decodeStatus(status);
        // A refused gate: the command gave up (ERR gate), and the caller's own error is the answer.
        const gateError = gateDone ? await gateDone : undefined;
        if (gateError) {
          stdout?.destroy();
          stderr?.destroy();
          await closed;
          resolve(err(gateError));
          return;
        }
        if (report.error || report.pid === undefined) {
          const e = report.error ?? { step: 'protocol', syscall: 'read', errno: 71 /* EPROTO */ };
          const code = errnoName(e.errno);
          stdout?.destroy(); // nothing to read: the command never ran
          stderr?.destroy();
          void closed.then(() =>
            resolve(
              err(
                setupFailed(command, e.step, e.syscall, code, pins, report.garbage !== undefined ? `the helper broke its protocol (it said ${JSON.stringify(report.garbage)})` : undefined),
              ),
            ),
          );
          return;
        }
        const pid = report.pid;
        resolve(ok(nsChild(pid, sub, stdout, stderr, exited)));
      };
    }),
  );
}

/** A neverthrow Result (an Ok or an Err, from any copy of the library). */
function isResult(v: unknown): v is Result<unknown, NsError> {
  return typeof v === 'object' && v !== null && typeof (v as { isOk?: unknown }).isOk === 'function' && ('value' in v || 'error' in v);
}
