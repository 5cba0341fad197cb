/**
 * The mirror of packages/helper-c/src/protocol.h: how a request becomes the
 * helper's argv (the grammar of request.h and request-oci.h there), and how
 * its status channel reads. Every value here that the
 * header also declares has the header's name and value (test/helper-mirror.test.js
 * compares them). Change both or neither.
 *
 * @module
 */
import type { NamespaceType } from '../namespace/kind.js';

/** The word of a status line `PID <n>`: the command's pid, as the caller's pid namespace numbers it. */
export const STATUS_PID = 'PID';
/** The status line `READY`: with a gate, the command is set up and waits for it (always after PID). */
export const STATUS_READY = 'READY';
/** The word of a status line `ERR <step> <syscall> <errno>`: a setup step failed, the command was not run. */
export const STATUS_ERR = 'ERR';
/** Bytes of a status line at most, its newline included. */
export const MAX_STATUS_LINE = 256;
/** The byte the caller writes on the gate (`--gate-fd`) to let the command exec (end of file cancels it). */
export const GATE_OPEN = 'G';

/** The step of `ERR` lines for a `--join` (also the step of spawn's direct path when joining fails). */
export const STEP_JOIN = 'join';
/** The step of `ERR` lines for a pin (the keeper's bind mount, or opening the namespace). */
export const STEP_PIN = 'pin';
/** The step of `ERR` lines for the exec itself (also the step of spawn's direct path when the command cannot start). */
export const STEP_EXEC = 'exec';
/** The step of `ERR` lines for writing `oomScoreAdj` (first thing, with the caller's privileges). */
export const STEP_OOM_SCORE_ADJ = 'oom-score-adj';
/** The step of `ERR` lines for `ioPriority` (ioprio_set, first thing). */
export const STEP_IOPRIO = 'ioprio';
/** The step of `ERR` lines for `seccomp`: reading the program, or installing it. */
export const STEP_SECCOMP = 'seccomp';
/** The step of `ERR` lines for `apparmorProfile` and `selinuxLabel` (the exec's labels). */
export const STEP_LSM = 'lsm';
/** The step of `ERR` lines for `devices` and `devSymlinks`. */
export const STEP_DEVICES = 'devices';
/** The step of `ERR` lines for writing a `sysctl`. */
export const STEP_SYSCTL = 'sysctl';
/** The step of `ERR` lines for `scheduler` (sched_setattr). */
export const STEP_SCHEDULER = 'scheduler';
/** The step of `ERR` lines for `console`: connecting its socket, the pty, sending the master. */
export const STEP_CONSOLE = 'console';
/** The step of `ERR` lines for `personality`. */
export const STEP_PERSONALITY = 'personality';

/** Most ranges one uid or gid map may have (the kernel's limit). */
export const MAX_IDMAP = 340;
/** A map's text ("IN OUT COUNT\n" lines) must be shorter: the kernel takes it in one write of less than a page. */
export const IDMAP_TEXT_LIMIT = 4096;
/** Most `--env` entries. */
export const MAX_ENV = 1024;
/** Most supplementary groups. */
export const MAX_GROUPS = 64;
/** Most `--fd` entries (extra fds for the command). */
export const MAX_FDS = 64;
/** Most extra mounts. */
export const MAX_MOUNTS = 64;
/** Most masked paths, and most read-only paths (each). */
export const MAX_PATHS = 64;
/** Most cgroups joined (one per hierarchy). */
export const MAX_CGROUPS = 16;
/** Most sysctls. */
export const MAX_SYSCTL = 64;
/** Most device nodes. */
export const MAX_DEVICES = 128;
/** Most propagation changes of one mount (runc's options: `rprivate`, `rslave`...). */
export const MAX_MOUNT_PROPAGATION = 4;
/** Bytes of a seccomp program at most (4096 instructions of 8 bytes, the kernel's BPF_MAXINSNS). */
export const MAX_SECCOMP_BYTES = 32768;

/** One id range, in OCI runtime-spec names. */
export interface IdRange {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

/**
 * One extra mount: [type ('' for a bind), MS_* flags set (MS_BIND, MS_REC for rbind, ro...), source, target
 * inside the rootfs, filesystem data, MS_* flags cleared (rw, suid...), propagation changes in order (MS_PRIVATE
 * | MS_REC...), MOUNT_ATTR_* set and cleared on every mount of the tree (rro...), MOUNT_EXT_*].
 */
export type HelperMount = readonly [string, number, string, string, string, number, readonly number[], number, number, number];

/** A {@link HelperMount} extension: runc's `tmpcopyup`. */
export const MOUNT_EXT_COPYUP = 0x1;

/** A validated request, ready to become argv. */
export interface HelperRequest {
  readonly statusFd: number;
  /** An fd PROGRAM reads one byte from before exec, after writing READY (spawn's `beforeExec`). */
  readonly gateFd?: number;
  /** [type, fd in the helper] */
  readonly join: ReadonlyArray<readonly [NamespaceType, number]>;
  readonly create: readonly NamespaceType[];
  readonly uidMappings: readonly IdRange[];
  readonly gidMappings: readonly IdRange[];
  readonly setgroups?: 'allow' | 'deny';
  readonly hostname?: string;
  readonly domainname?: string;
  readonly cwd?: string;
  readonly envClear: boolean;
  readonly mountProc?: boolean;
  readonly monotonic?: number;
  readonly boottime?: number;
  /** Nanoseconds (1..999999999) added to `monotonic` or `boottime`. */
  readonly monotonicNsec?: number;
  readonly boottimeNsec?: number;
  /** [RLIMIT_* number, soft, hard]; -1 is unlimited. */
  readonly rlimits?: ReadonlyArray<readonly [number, number, number]>;
  readonly setsid?: boolean;
  readonly pdeathsig?: number;
  readonly groups?: readonly number[];
  readonly gid?: number;
  readonly uid?: number;
  readonly noNewPrivs?: boolean;
  readonly preserveCredentials?: boolean;
  readonly root?: string;
  /** A name (recursive), or an MS_* mask of one propagation type (OCI's rootfsPropagation, runc's meaning). */
  readonly propagation?: 'private' | 'slave' | 'shared' | 'unchanged' | number;
  /** [target fd in PROGRAM, source fd in the helper] */
  readonly fds?: ReadonlyArray<readonly [number, number]>;
  /** Masks (bit n = CAP number n) of the sets to keep; absent sets are left as they are. */
  readonly caps?: Readonly<Partial<Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', bigint>>>;
  /** [type, absolute path]: new namespaces to bind-mount on paths of the caller's mount namespace (one per type). */
  readonly pins?: ReadonlyArray<readonly [NamespaceType, string]>;
  /** Becomes uid and gid 0 of the new user namespace once its maps are written. */
  readonly usernsRoot?: boolean;
  /** File the helper writes "PID STARTTIME\n" to once PROGRAM's exec succeeded (PROGRAM is then forked; empty until then, and after an ERR). */
  readonly pidFile?: string;
  /** PROGRAM outlives the helper: its parent writes the pid file and exits once it waits at its gate (or exec'd). */
  readonly detach?: boolean;
  /** cgroup.procs files the helper joins first thing (every process of the request lands there). */
  readonly cgroups?: readonly string[];
  /** The root filesystem of a container (see "Root filesystem" in request-oci.h). */
  readonly rootfs?: string;
  /** A writable overlay on the rootfs, upper and work on a tmpfs of this many bytes (0: the tmpfs default). */
  readonly rootfsOverlay?: number;
  readonly rootfsReadonly?: boolean;
  readonly noPivot?: boolean;
  readonly mountDev?: boolean;
  readonly mountSys?: boolean;
  /** The extra mounts (see {@link HelperMount}). */
  readonly mounts?: readonly HelperMount[];
  readonly maskedPaths?: readonly string[];
  readonly readonlyPaths?: readonly string[];
  /** -1000 to 1000, written first thing (with the caller's privileges). */
  readonly oomScoreAdj?: number;
  /** The ioprio_set(2) value: class << 13 | priority. */
  readonly ioprio?: number;
  readonly umask?: number;
  /** The personality(2) persona (PER_LINUX32 is 8). */
  readonly personality?: number;
  /** struct sched_attr's [policy, flags, nice, priority, runtime, deadline, period]. */
  readonly scheduler?: readonly [number, number, number, number, bigint, bigint, bigint];
  /** [path under /proc/sys, value], written after the mounts, before the masked and read-only paths. */
  readonly sysctl?: ReadonlyArray<readonly [string, string]>;
  /** [fd the program's bytes come on, seccomp(2) flags]. */
  readonly seccomp?: readonly [number, number];
  /** Nodes made after the mounts: [type, major, minor, mode, uid, gid, path inside the rootfs]. */
  readonly devices?: ReadonlyArray<readonly ['c' | 'b' | 'p', number, number, number, number, number, string]>;
  /** /dev/ptmx a link to pts/ptmx, and the fd, stdin, stdout, stderr (core) links, after the devices. */
  readonly devSymlinks?: boolean;
  readonly apparmor?: string;
  readonly selinuxLabel?: string;
  readonly mountLabel?: string;
  /** The console socket's path (`--console`): the command's pty master is sent there. */
  readonly console?: string;
  /** The pty's master to the helper, which relays it to its own stdio (`--console-relay`). */
  readonly consoleRelay?: boolean;
  /** [rows, columns] of that pty (`--console-size`). */
  readonly consoleSize?: readonly [number, number];
  readonly env: ReadonlyArray<readonly [string, string]>;
  readonly command: string;
  readonly args: readonly string[];
}

/** The helper's argv for `req` (the grammar of request.h and request-oci.h). */
export function encodeRequest(req: HelperRequest): string[] {
  const a = [`--status-fd=${req.statusFd}`];
  if (req.gateFd !== undefined) a.push(`--gate-fd=${req.gateFd}`);
  for (const [type, fd] of req.join) a.push(`--join=${type}:${fd}`);
  for (const type of req.create) a.push(`--create=${type}`);
  for (const r of req.uidMappings) a.push(`--uid-map=${r.containerID}:${r.hostID}:${r.size}`);
  for (const r of req.gidMappings) a.push(`--gid-map=${r.containerID}:${r.hostID}:${r.size}`);
  if (req.setgroups) a.push(`--setgroups=${req.setgroups}`);
  if (req.hostname !== undefined) a.push(`--hostname=${req.hostname}`);
  if (req.domainname !== undefined) a.push(`--domainname=${req.domainname}`);
  if (req.cwd !== undefined) a.push(`--cwd=${req.cwd}`);
  if (req.envClear) a.push('--env-clear');
  for (const [k, v] of req.env) a.push(`--env=${k}=${v}`);
  if (req.mountProc) a.push('--mount-proc');
  if (req.monotonic !== undefined) a.push(`--monotonic=${req.monotonic}`);
  if (req.boottime !== undefined) a.push(`--boottime=${req.boottime}`);
  if (req.monotonicNsec !== undefined) a.push(`--monotonic-nsec=${req.monotonicNsec}`);
  if (req.boottimeNsec !== undefined) a.push(`--boottime-nsec=${req.boottimeNsec}`);
  for (const [res, soft, hard] of req.rlimits ?? []) a.push(`--rlimit=${res}:${soft}:${hard}`);
  if (req.setsid) a.push('--setsid');
  if (req.pdeathsig !== undefined) a.push(`--pdeathsig=${req.pdeathsig}`);
  if (req.groups !== undefined) a.push(`--groups=${req.groups.join(',')}`);
  if (req.gid !== undefined) a.push(`--gid=${req.gid}`);
  if (req.uid !== undefined) a.push(`--uid=${req.uid}`);
  if (req.noNewPrivs) a.push('--no-new-privs');
  if (req.preserveCredentials) a.push('--preserve-credentials');
  if (req.root !== undefined) a.push(`--root=${req.root}`);
  if (req.propagation !== undefined) a.push(`--propagation=${typeof req.propagation === 'number' ? req.propagation.toString(16) : req.propagation}`);
  for (const [target, source] of req.fds ?? []) a.push(`--fd=${target}:${source}`);
  for (const [set, mask] of Object.entries(req.caps ?? {})) a.push(`--cap-${set}=${mask.toString(16)}`);
  for (const [type, path] of req.pins ?? []) a.push(`--pin=${type}:${path}`);
  if (req.usernsRoot) a.push('--userns-root');
  if (req.pidFile !== undefined) a.push(`--pid-file=${req.pidFile}`);
  if (req.detach) a.push('--detach');
  for (const file of req.cgroups ?? []) a.push(`--cgroup=${file}`);
  if (req.rootfs !== undefined) a.push(`--rootfs=${req.rootfs}`);
  if (req.rootfsOverlay !== undefined) a.push(`--rootfs-overlay=${req.rootfsOverlay}`);
  if (req.rootfsReadonly) a.push('--rootfs-readonly');
  if (req.noPivot) a.push('--no-pivot');
  if (req.mountDev) a.push('--mount-dev');
  if (req.mountSys) a.push('--mount-sys');
  for (const [type, flags, source, target, data, clear, propagation, rset, rclr, ext] of req.mounts ?? []) {
    const hex = (n: number): string => n.toString(16);
    const fields = [type, hex(flags), source, target, data, hex(clear), propagation.map(hex).join(','), hex(rset), hex(rclr), ...(ext ? [hex(ext)] : [])];
    a.push(`--mount=${fields.map(escapeField).join(':')}`);
  }
  for (const p of req.maskedPaths ?? []) a.push(`--mask=${p}`);
  for (const p of req.readonlyPaths ?? []) a.push(`--readonly-path=${p}`);
  if (req.oomScoreAdj !== undefined) a.push(`--oom-score-adj=${req.oomScoreAdj}`);
  if (req.ioprio !== undefined) a.push(`--ioprio=${req.ioprio}`);
  if (req.umask !== undefined) a.push(`--umask=${req.umask.toString(8)}`);
  if (req.personality !== undefined) a.push(`--personality=${req.personality.toString(16)}`);
  if (req.scheduler !== undefined) a.push(`--scheduler=${req.scheduler.join(':')}`);
  for (const [path, value] of req.sysctl ?? []) a.push(`--sysctl=${path.replace(/%/g, '%25').replace(/=/g, '%3D')}=${value}`);
  if (req.seccomp !== undefined) a.push(`--seccomp=${req.seccomp[0]}:${req.seccomp[1]}`);
  for (const [type, major, minor, mode, uid, gid, path] of req.devices ?? []) a.push(`--device=${type}:${major}:${minor}:${mode.toString(8)}:${uid}:${gid}:${path}`);
  if (req.devSymlinks) a.push('--dev-symlinks');
  if (req.apparmor !== undefined) a.push(`--apparmor=${req.apparmor}`);
  if (req.selinuxLabel !== undefined) a.push(`--selinux-label=${req.selinuxLabel}`);
  if (req.mountLabel !== undefined) a.push(`--mount-label=${req.mountLabel}`);
  if (req.console !== undefined) a.push(`--console=${req.console}`);
  if (req.consoleRelay) a.push('--console-relay');
  if (req.consoleSize !== undefined) a.push(`--console-size=${req.consoleSize[0]}:${req.consoleSize[1]}`);
  a.push('--', req.command, ...req.args);
  return a;
}

/** A field of --mount: ':' and '%' written as %3A and %25 (the helper decodes every %XX). */
export function escapeField(field: string): string {
  return field.replace(/%/g, '%25').replace(/:/g, '%3A');
}
