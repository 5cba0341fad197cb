/**
 * The container config: what `Factory.create` takes and `config.json`
 * keeps. Field names follow the OCI runtime spec where it has one.
 *
 * @module
 */
import type { CapabilitySet, ContainerSpawnOptions, IdRange, IoPriority, NamespaceType, RootfsOptions, SchedulerOptions, SpawnOptions } from '@linuxns/core';
import type { CgroupLimits } from '../cgroup.js';
import type { NetworkConfig } from './network-types.js';

/** A namespace of the container: new (no `path`), or joined by the path of a namespace file. */
export interface NamespaceConfig {
  readonly type: NamespaceType;
  /** Join this namespace (`/proc/PID/ns/net`, `/run/netns/x`...) instead of creating one. */
  readonly path?: string;
}

/**
 * The root filesystem (LinuxKit): a read-only bind, or a writable overlay on a
 * tmpfs; core's {@link RootfsOptions}, which the helper takes, and `idmap`.
 */
export interface RootfsConfig extends RootfsOptions {
  /**
   * Id-mapped rootfs (needs a new user namespace): `path` is bound through an
   * id-mapped mount made with the container's uid/gid mappings
   * (`@linuxns/userns-cache`'s `idmapMount`), so that a tree owned by 0:0 on
   * disk shows as owned by the container's root inside, and what the
   * container writes lands on disk as the ids it has inside (0 inside: 0 on
   * disk). The mount is made at start on
   * `/run/linuxns-container/<hash of the factory root>-<id>` (a path the
   * container's root can reach) and removed by destroy.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
   * const status = await new Factory('/run/linuxns-containers').create('mapped', {
   *   rootfs: { path: '/srv/busybox', idmap: true },  // owned by 0:0 on disk
   *   namespaces: [{ type: 'mnt' }, { type: 'pid' }, { type: 'user' }],
   *   uidMappings: map, gidMappings: map,
   *   process: { args: ['stat', '-c', '%u', '/bin/busybox'] },   // prints 0
   * }).asyncAndThen((c) => c.run());
   * status.match((s) => console.log(s.code), (e) => console.error(e.message)); // 0
   * ```
   */
  readonly idmap?: boolean;
}

/**
 * One rlimit, OCI style: `{ type: 'RLIMIT_NOFILE', soft: 64, hard: 64 }`.
 * Unlimited (RLIM_INFINITY) is `'unlimited'`; `Infinity` is accepted too and
 * kept as `'unlimited'` (JSON has no Infinity: config.json would say null).
 */
export interface RlimitConfig {
  readonly type: string;
  readonly soft: number | 'unlimited';
  readonly hard: number | 'unlimited';
}

/** A process of the container: the init (`start`), or one joining it (`exec`). */
export interface ProcessConfig {
  /** The command and its arguments; `args[0]` is looked up in the container's PATH. */
  readonly args: readonly string[];
  /** `KEY=VALUE` entries: the whole environment (default: a PATH). */
  readonly env?: readonly string[];
  /** Working directory inside (default `/`). */
  readonly cwd?: string;
  /** The ids it runs as, inside (default root), and its umask (OCI's `user.umask`; default: the caller's). */
  readonly user?: { readonly uid?: number; readonly gid?: number; readonly additionalGids?: readonly number[]; readonly umask?: number };
  readonly rlimits?: readonly RlimitConfig[];
  /**
   * Capabilities to keep: a list (kept in the bounding, permitted and effective sets; the rest
   * dropped), or the OCI sets by name. Absent: all of them.
   */
  readonly capabilities?: readonly string[] | Readonly<Partial<Record<CapabilitySet, readonly string[]>>>;
  /** PR_SET_NO_NEW_PRIVS before exec. */
  readonly noNewPrivileges?: boolean;
  /** -1000 to 1000 (lowering it needs CAP_SYS_RESOURCE), core's {@link SpawnOptions.oomScoreAdj}. */
  readonly oomScoreAdj?: number;
  /** sched_setattr(2) before exec (OCI's `process.scheduler`). */
  readonly scheduler?: SchedulerOptions;
  /** ioprio_set(2) before exec (OCI's `process.ioPriority`). */
  readonly ioPriority?: IoPriority;
  /** An AppArmor profile to exec into: refused where AppArmor is not enabled (runc fails there too). */
  readonly apparmorProfile?: string;
  /** An SELinux label to exec with: refused where SELinux is not enabled (runc fails there too). */
  readonly selinuxLabel?: string;
}


/** The cgroup of a container: its path under each hierarchy's root, and its limits. */
export interface CgroupConfig extends CgroupLimits {
  /**
   * Relative to the hierarchy root (default `linuxns-<hash of the factory
   * root>/<id>`); leading and repeated `/` are dropped. Never the root itself
   * (`''`, `'/'`), nor with a `.` or `..` segment. A directory that already
   * exists is taken over only while no process is in it (else create and
   * start refuse it); from then on it is the container's: destroy kills what
   * is in it and removes it.
   */
  readonly path?: string;
}

/**
 * The settings a container shares with core's {@link ContainerSpawnOptions}, field for field (one description of
 * each): extra mounts, device nodes and `/dev` links, root propagation, sysctl, seccomp, personality, the mount
 * label and a new time namespace's clock offsets.
 *
 * @example
 * ```ts
 * import type { SharedSpawnSettings } from '@linuxns/container';
 * const shared: SharedSpawnSettings = { sysctl: { 'net.ipv4.ip_forward': '1' }, devSymlinks: true, rootfsPropagation: 'rslave' };
 * console.log(Object.keys(shared));
 * ```
 */
export type SharedSpawnSettings = Pick<ContainerSpawnOptions, 'mounts' | 'devices' | 'devSymlinks' | 'rootfsPropagation' | 'sysctl' | 'seccomp' | 'personality' | 'mountLabel'> & Pick<SpawnOptions, 'timeOffsets'>;

/**
 * What a container is: namespaces, ids, root filesystem, mounts, cgroup, and its default process. The fields of
 * {@link SharedSpawnSettings} mean what they mean to core's {@link SpawnOptions}; the ones declared here are the container's
 * own, or have its defaults (`mountDev`, `mountSys`, runc's masked and read-only paths).
 */
export interface ContainerConfig extends SharedSpawnSettings {
  readonly rootfs: RootfsConfig;
  /** Namespaces new or joined; a new `mnt` is required (the rootfs is made in it). */
  readonly namespaces: readonly NamespaceConfig[];
  /** uid ranges of a new user namespace (required with one). */
  readonly uidMappings?: readonly IdRange[];
  readonly gidMappings?: readonly IdRange[];
  /** Needs a new uts namespace. */
  readonly hostname?: string;
  readonly domainname?: string;
  /** The init's process when `start` is given none. */
  readonly process?: ProcessConfig;
  /** A fresh /proc (default: with a new pid namespace). */
  readonly mountProc?: boolean;
  /** A minimal /dev (default true). */
  readonly mountDev?: boolean;
  /** /sys read-only (default true). */
  readonly mountSys?: boolean;
  /** Hidden paths (default: runc's list: /proc/kcore, /proc/keys... /sys/firmware). */
  readonly maskedPaths?: readonly string[];
  /** Read-only paths (default: /proc/bus, /proc/fs, /proc/irq, /proc/sys, /proc/sysrq-trigger, libcontainer's restricted ones). */
  readonly readonlyPaths?: readonly string[];
  /** New namespaces to keep alive by a bind mount on these paths (LinuxKit's BindNS); undone by destroy. */
  readonly pins?: Readonly<Partial<Record<NamespaceType, string>>>;
  /** The container's cgroup and limits (default: one without limits); `false`: none. */
  readonly cgroup?: CgroupConfig | false;
  /** Interfaces, addresses and routes (needs a new net namespace). */
  readonly network?: NetworkConfig;
}

