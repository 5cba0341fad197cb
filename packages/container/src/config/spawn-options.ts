/**
 * Container config → spawn options: the init (new and joined namespaces,
 * the root filesystem, cgroup, pins, pid file) and an exec'd process (the
 * init's namespaces by handle, the same cgroup). The helper does the rest
 * before exec.
 *
 * @module
 */
import { CAPABILITY_NAMES, type CapabilitySet, type NamespaceHandle, type RlimitName, type SpawnConsole, type SpawnOptions, type StdioValue } from '@linuxns/core';
import { DEFAULT_PATH } from './defaults.js';
import type { ContainerConfig, ProcessConfig } from './types.js';
import { mayKeepMknod } from './validate-namespaces.js';

/** Where the process's stdin, stdout and stderr go (default: this process's own). */
export interface ProcessIo {
  readonly stdio?: StdioValue | readonly [StdioValue, StdioValue, StdioValue];
  /**
   * A terminal instead (OCI's `process.terminal`, runc's `--console-socket`): a pty made inside the
   * container, after its mounts, whose slave (the container's `/dev/pts/N`) becomes the process's
   * stdin, stdout, stderr and controlling terminal, and whose master is sent to the unix socket
   * `console.socket` with SCM_RIGHTS (see core's `SpawnConsole`); `height` and `width` are
   * `process.consoleSize`. A socket nobody listens on fails the start and leaves nothing.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns').load('web');
   * if (c.isOk()) {
   *   // An engine listens at /run/web-console.sock (conmon, a containerd shim) and gets the master.
   *   const r = await c.value.exec({ args: ['sh'] }, { console: { socket: '/run/web-console.sock', height: 24, width: 80 } });
   *   if (r.isErr()) console.error(r.error.message);
   * }
   * ```
   */
  readonly console?: SpawnConsole;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The rlimit value for spawn: `Infinity` for unlimited. */
export function rlimitForSpawn(v: number | 'unlimited'): number {
  return v === 'unlimited' ? Infinity : v;
}

/** The resource of an rlimit's `type` as spawn names it: `'RLIMIT_NOFILE'` → `'nofile'`. */
export function rlimitName(type: string): RlimitName {
  return type.toLowerCase().replace(/^rlimit_/, '') as RlimitName;
}

/** The process settings that spawn takes as they are (OCI's shapes). */
export const PROCESS_PASSED = ['oomScoreAdj', 'scheduler', 'ioPriority', 'apparmorProfile', 'selinuxLabel'] as const;

/** The container settings that spawn takes as they are (OCI's shapes). */
export const CONTAINER_PASSED = ['devices', 'devSymlinks', 'rootfsPropagation', 'sysctl', 'seccomp', 'personality', 'mountLabel', 'timeOffsets'] as const;

/** Every capability but CAP_MKNOD. */
const NO_MKNOD = CAPABILITY_NAMES.filter((c) => c !== 'mknod');

/**
 * The process settings of spawn for `p`. `newUser`: the container has a new
 * user namespace; without one, CAP_MKNOD is dropped from the bounding set
 * when the process does not set it (device cgroups are not enforced, so a
 * device node made inside would open the host's device), and the inheritable set emptied (for root, exec
 * gives back inheritable | bounding).
 */
export function processOptions(p: ProcessConfig, io: ProcessIo, newUser = true): SpawnOptions {
  const o: Writable<SpawnOptions> = {};
  const env: Record<string, string> = {};
  for (const e of p.env ?? [DEFAULT_PATH]) {
    const i = e.indexOf('=');
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  o.env = env;
  o.envMode = 'replace';
  o.cwd = p.cwd ?? '/';
  o.stdio = io.stdio ?? 'inherit';
  if (io.console !== undefined) o.console = io.console;
  if (p.user) {
    o.user = {
      ...(p.user.uid !== undefined ? { uid: p.user.uid } : {}),
      ...(p.user.gid !== undefined ? { gid: p.user.gid } : {}),
      ...(p.user.additionalGids !== undefined ? { groups: p.user.additionalGids } : {}),
    };
    if (p.user.umask !== undefined) o.umask = p.user.umask;
  }
  for (const k of PROCESS_PASSED) if (p[k] !== undefined) (o as Record<string, unknown>)[k] = p[k];
  if (p.rlimits?.length) {
    const r: Partial<Record<RlimitName, { soft: number; hard: number }>> = {};
    for (const l of p.rlimits) r[rlimitName(l.type)] = { soft: rlimitForSpawn(l.soft), hard: rlimitForSpawn(l.hard) };
    o.rlimits = r;
  }
  if (p.capabilities !== undefined) {
    if (Array.isArray(p.capabilities)) {
      const keep = p.capabilities as readonly string[];
      // Inheritable emptied too: for root, exec gives back (inheritable | bounding) as permitted.
      o.capabilities = { bounding: keep, permitted: keep, effective: keep, inheritable: [], ambient: [] };
    } else {
      const sets = p.capabilities as Partial<Record<CapabilitySet, readonly string[]>>;
      o.capabilities = newUser || sets.bounding ? sets : { ...sets, bounding: NO_MKNOD, inheritable: sets.inheritable ?? [] };
    }
  } else if (!newUser) {
    o.capabilities = { bounding: NO_MKNOD, inheritable: [] };
  }
  if (p.noNewPrivileges) o.noNewPrivileges = true;
  return o;
}

/**
 * The spawn options of a process exec'd in container `c` (runc's `exec`): its own process settings, and the
 * container's seccomp filter, which runc installs in every process it execs there too (a process config has
 * none of its own).
 */
export function execOptions(c: ContainerConfig, p: ProcessConfig, io: ProcessIo, newUser = true): SpawnOptions {
  return { ...processOptions(p, io, newUser), ...(c.seccomp !== undefined ? { seccomp: c.seccomp } : {}) };
}

/** Paths of the container's directory that the init's setup uses. */
export interface InitPaths {
  readonly pidFile: string;
  readonly cgroupDirs: readonly string[];
  /** The rootfs the helper binds, when not the config's (the id-mapped mount of it). */
  readonly rootfs?: string;
  /** The network namespace made and configured for the init: joined instead of created (and pinned by the caller). */
  readonly netns?: NamespaceHandle;
}

/** The spawn options of the init. */
export function initOptions(c: ContainerConfig, p: ProcessConfig, paths: InitPaths, io: ProcessIo): SpawnOptions {
  const fresh = c.namespaces.filter((n) => n.path === undefined && !(n.type === 'net' && paths.netns)).map((n) => n.type);
  const join: Record<string, string | NamespaceHandle> = Object.fromEntries(c.namespaces.filter((n) => n.path !== undefined).map((n) => [n.type, n.path!]));
  if (paths.netns) join.net = paths.netns;
  const pins = Object.fromEntries(Object.entries(c.pins ?? {}).filter(([t]) => !(t === 'net' && paths.netns)));
  const ov = c.rootfs.overlay;
  return {
    ...processOptions(p, io, mayKeepMknod(c)),
    create: fresh,
    ...(Object.keys(join).length ? { join } : {}),
    ...(c.uidMappings ? { uidMappings: c.uidMappings } : {}),
    ...(c.gidMappings ? { gidMappings: c.gidMappings } : {}),
    ...(fresh.includes('user') ? { usernsRoot: true } : {}),
    ...(c.hostname !== undefined ? { hostname: c.hostname } : {}),
    ...(c.domainname !== undefined ? { domainname: c.domainname } : {}),
    rootfs: {
      path: paths.rootfs ?? c.rootfs.path,
      readonly: c.rootfs.readonly ?? false,
      pivotRoot: c.rootfs.pivotRoot ?? true,
      ...(ov ? { overlay: typeof ov === 'object' && ov.size ? { size: ov.size } : true } : {}),
    },
    mountProc: c.mountProc ?? false,
    mountDev: c.mountDev ?? true,
    mountSys: c.mountSys ?? true,
    ...(c.mounts?.length ? { mounts: c.mounts } : {}),
    ...(c.maskedPaths?.length ? { maskedPaths: c.maskedPaths } : {}),
    ...(c.readonlyPaths?.length ? { readonlyPaths: c.readonlyPaths } : {}),
    ...(Object.keys(pins).length ? { pin: pins } : {}),
    ...(paths.cgroupDirs.length ? { cgroups: paths.cgroupDirs } : {}),
    ...Object.fromEntries(CONTAINER_PASSED.filter((k) => c[k] !== undefined).map((k) => [k, c[k]])),
    pidFile: paths.pidFile,
    newSession: true,
  };
}
