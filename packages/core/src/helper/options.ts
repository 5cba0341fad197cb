/**
 * The options of {@link spawn}: what to join and create, the id maps, and
 * the settings of the command's process, checked by
 * {@link validateSpawnOptions} before anything is made.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import type { NsError, NsErrorBase } from '../errors/ns-error.js';
import type { NamespaceHandle } from '../namespace/handle.js';
import type { NamespaceType } from '../namespace/kind.js';
import type { StdioNull, StdioPipe } from 'node:child_process';
import type { CapabilitySet, RlimitName } from './names.js';
import type { SpawnConsole } from './console.js';
import type { ContainerSpawnOptions } from './options-container.js';
import type { IdRange } from './protocol.js';

/** What to join: namespaces by type (a path, a pid or a handle), or a pid for all of its namespaces that differ from ours. */
export type JoinTarget = Partial<Record<NamespaceType, string | number | NamespaceHandle>> | number;

/** One stdio stream of the command: a pipe to this process, this process's own, none, or an fd. */
export type StdioValue = StdioPipe | 'inherit' | StdioNull | number;

export type { IdRange };

/** A clock offset with nanoseconds: `secs` (may be negative) plus `nanosecs` (0..999999999). */
export interface TimeOffset {
  readonly secs: number;
  readonly nanosecs?: number;
}

/** Options of {@link spawn}: these, and the container settings of {@link ContainerSpawnOptions}. */
export interface SpawnOptions<E extends NsErrorBase = NsError> extends ContainerSpawnOptions {
  /** Existing namespaces to join (opened before anything is joined; the user namespace after the others). */
  readonly join?: JoinTarget;
  /** New namespaces to create; a new user namespace first, so that it owns the others. */
  readonly create?: readonly NamespaceType[];
  /**
   * uid ranges of the new user namespace (needs `create` to include `'user'`). The command keeps
   * the caller's ids, which show inside as the overflow uid and gid 65534 (`nobody`) when no
   * range holds them, as after `unshare --map-users`: `user: { uid: 0, gid: 0, groups: [] }`
   * makes it root there.
   */
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
  /**
   * Clock offsets of a new time namespace (needs `create` with `'time'`): whole seconds, or `{ secs, nanosecs }`
   * (nanosecs 0..999999999, added to secs, as runtime-spec's `linux.timeOffsets`); visible in `/proc/self/timens_offsets`.
   *
   * @example
   * ```ts
   * import { spawn } from '@linuxns/core';
   * // CLOCK_MONOTONIC 1.5 s ahead, CLOCK_BOOTTIME 10 s ahead, for the process and its children.
   * await spawn('cat', ['/proc/self/timens_offsets'], { create: ['time'], timeOffsets: { monotonic: { secs: 1, nanosecs: 500000000 }, boottime: 10 } });
   * ```
   */
  readonly timeOffsets?: { readonly monotonic?: number | TimeOffset; readonly boottime?: number | TimeOffset };
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
   * import { ok, safeTry } from 'neverthrow';
   * import { openNamespace, spawn, unpinNamespace } from '@linuxns/core';
   * const r = await safeTry(async function* () {
   *   const child = yield* spawn('ip', ['link', 'set', 'lo', 'up'], { create: ['net', 'uts'], pin: { net: '/run/netns/lab', uts: '/run/lab-uts' } });
   *   await child.exited;                                    // the namespaces outlive the command
   *   const net = yield* openNamespace('/run/netns/lab', 'net'); // also: ip netns exec lab ...
   *   net.close();
   *   return ok(undefined);
   * });
   * if (r.isErr()) console.error(`${r.error.kind}: ${r.error.message}`);
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
   * import { ok, ResultAsync } from 'neverthrow';
   * const status = await spawn('ip', ['-o', 'link'], {
   *   create: ['user', 'net'], mapRootUser: true,
   *   beforeExec: (pid) => {
   *     console.log(`configure /proc/${pid}/ns/net now: the command has not started`);
   *     return ok(undefined);
   *   },
   * }).andThen((child) => ResultAsync.fromSafePromise(child.exited));
   * status.match((s) => console.log(s), (e) => console.error(e.message)); // { code: 0, signal: null }
   * ```
   */
  readonly beforeExec?: (pid: number) => Result<void, E> | PromiseLike<Result<void, E>>;
  /**
   * A gate of the caller's own: an fd of this process (a FIFO opened read-write, say) that the
   * command, once set up completely, reads one byte from just before its exec (any byte; end of
   * file cancels it, as a refused `beforeExec` does). Whoever writes that byte lets it run: this
   * process, or another that opens the FIFO later (an OCI runtime's `start`). Excludes
   * `beforeExec`.
   */
  readonly gateFd?: number;
  /**
   * The command outlives the helper and this process, as an OCI runtime's container init does:
   * once it waits at `gateFd` (or, without one, once it has exec'd) the helper writes `pidFile`
   * and exits 0, and `spawn` resolves. The command has no parent-death signal then: it is
   * reparented to this process's nearest child subreaper (a container engine's conmon or shim,
   * which reaps it) or to init. At a gate, a command that cannot be found or run is refused at
   * once (`spawn-setup-failed`, step `exec`), since no one would hear of it later. `exited` and
   * `kill` are the helper's: use the pid and stdio `'inherit'` or fds. Needs `pidFile`; excludes
   * `pin`, `parentDeathSignal` and `beforeExec`.
   *
   * @example
   * ```ts
   * import { execFileSync } from 'node:child_process';
   * import { constants, openSync, writeFileSync } from 'node:fs';
   * import { spawn } from '@linuxns/core';
   * execFileSync('mkfifo', ['/run/box.gate']);
   * const gate = openSync('/run/box.gate', constants.O_RDWR);
   * const r = await spawn('sh', ['-c', 'echo $$'], {
   *   create: ['pid', 'mnt'], pidFile: '/run/box.pid', gateFd: gate, detach: true, stdio: 'inherit',
   * });
   * if (r.isOk()) writeFileSync('/run/box.gate', 'G'); // later, from any process: it prints 1
   * else console.error(r.error.message);
   * ```
   */
  readonly detach?: boolean;
  /** A terminal for the command, its master sent to a console socket (see {@link SpawnConsole}). */
  readonly console?: SpawnConsole;
}
