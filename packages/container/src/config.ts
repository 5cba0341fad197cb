/**
 * The container config: what `Factory.create` takes and `config.json`
 * keeps. Field names follow the OCI runtime spec where it has one. Validated
 * before anything is made, with libcontainer's rules for invalid combinations
 * (network settings without a network namespace, a hostname without uts,
 * mounts and restricted paths without mnt) and the runtime spec's for
 * namespaces.
 *
 * @module
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { isNamespaceType, type CapabilitySet, type IdRange, type MountSpec, type NamespaceType } from '@linuxns/core';
import { canonicalMapping } from '@linuxns/userns-cache';
import type { NetworkInterface } from '@linuxns/netlink';
import { normalizeCgroupPath, type CgroupLimits } from './cgroup.js';
import type { ContainerFailure } from './errors.js';

/** A namespace of the container: new (no `path`), or joined by the path of a namespace file. */
export interface NamespaceConfig {
  readonly type: NamespaceType;
  /** Join this namespace (`/proc/PID/ns/net`, `/run/netns/x`...) instead of creating one. */
  readonly path?: string;
}

/** The root filesystem (LinuxKit): a read-only bind, or a writable overlay on a tmpfs. */
export interface RootfsConfig {
  /** Absolute path of the root directory (e.g. a busybox tree). */
  readonly path: string;
  /** Remount the root read-only once every other mount is made. */
  readonly readonly?: boolean;
  /** A writable overlay: writes go to a tmpfs (of `size` bytes) and vanish with the container. */
  readonly overlay?: boolean | { readonly size?: number };
  /** `false`: chroot instead of pivot_root. Default `true`. */
  readonly pivotRoot?: boolean;
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
   * const c = new Factory('/run/linuxns-containers').create('mapped', {
   *   rootfs: { path: '/srv/busybox', idmap: true },  // owned by 0:0 on disk
   *   namespaces: [{ type: 'mnt' }, { type: 'pid' }, { type: 'user' }],
   *   uidMappings: map, gidMappings: map,
   *   process: { args: ['stat', '-c', '%u', '/bin/busybox'] },   // prints 0
   * });
   * if (c.isOk()) await c.value.run();
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
  /** The ids it runs as, inside (default root). */
  readonly user?: { readonly uid?: number; readonly gid?: number; readonly additionalGids?: readonly number[] };
  readonly rlimits?: readonly RlimitConfig[];
  /**
   * Capabilities to keep: a list (kept in the bounding, permitted and effective sets; the rest
   * dropped), or the OCI sets by name. Absent: all of them.
   */
  readonly capabilities?: readonly string[] | Readonly<Partial<Record<CapabilitySet, readonly string[]>>>;
  /** PR_SET_NO_NEW_PRIVS before exec. */
  readonly noNewPrivileges?: boolean;
}

/**
 * One network interface of the container: LinuxKit's `runtime.json`
 * `interfaces` entry (`name`, `add`, `peer`, `createInRoot`), with its
 * addresses. Which link it is:
 *
 * - a veth pair (`add: 'veth'`, or a `peer` alone): `name` inside the
 *   container, `peer` in the caller's network namespace or in
 *   `peerNamespace`;
 * - another kind to create inside (`add: 'dummy'`, `'bridge'`...);
 * - neither `add` nor `peer`: an existing link of the caller's namespace,
 *   `hostLink` (default `name`), moved in and named `name`; destroy moves
 *   it back under its old name while the container's network namespace is
 *   still there.
 *
 * Its fields are `@linuxns/netlink`'s {@link NetworkInterface}, which sets
 * it up, without `up`: every interface of a container is set up, and a
 * veth's peer with it.
 *
 * @example
 * ```ts
 * import type { InterfaceConfig } from '@linuxns/container';
 * const veth: InterfaceConfig = { name: 'eth0', peer: 'veth-web', addresses: ['10.20.0.2/24', 'fd20::2/64'], peerAddresses: ['10.20.0.1/24'] };
 * const moved: InterfaceConfig = { name: 'eth1', hostLink: 'dummy7', addresses: ['10.30.0.2/24'] };
 * console.log(veth.name, moved.hostLink);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- netlink's interface, field for field: one description of it
export interface InterfaceConfig extends Omit<NetworkInterface, 'up'> {}

/** A route: `'default'` or a prefix, via a gateway or out of a device (at least one of them). */
export interface RouteConfig {
  /** `'default'`, a prefix (`'10.1.0.0/24'`, `'fd01::/64'`) or an address (a host route). */
  readonly dst: string;
  readonly gateway?: string;
  /** Output interface (inside: one of the config's interfaces or `lo`). */
  readonly dev?: string;
  /** Family of a `'default'` route without a gateway. Default 4. */
  readonly family?: 4 | 6;
  readonly metric?: number;
}

/**
 * The container's network (through `@linuxns/netlink`; needs a new `net`
 * namespace): loopback up, interfaces with their addresses, routes inside,
 * and routes of the caller's namespace towards the container. Set up by
 * {@link Container.start}; without a new user namespace the network
 * namespace is made and configured before the init is started (the helper
 * then joins it); with one, from outside while the init waits just before
 * its exec (the namespace must be owned by the container's user namespace,
 * which only the helper makes). Either way the init's program never sees it
 * unconfigured.
 * Undone by {@link Container.destroy}: host-side veth ends deleted, moved
 * links moved back, host routes removed.
 *
 * @example
 * ```ts
 * import type { NetworkConfig } from '@linuxns/container';
 * const network: NetworkConfig = {
 *   interfaces: [{ name: 'eth0', peer: 'veth-web', addresses: ['10.20.0.2/24'], peerAddresses: ['10.20.0.1/24'] }],
 *   routes: [{ dst: 'default', gateway: '10.20.0.1' }],
 *   hostRoutes: [{ dst: '10.21.0.0/24', gateway: '10.20.0.2' }],
 * };
 * console.log(network.interfaces?.length);
 * ```
 */
export interface NetworkConfig {
  /** Set `lo` up. Default true. */
  readonly loopback?: boolean;
  readonly interfaces?: readonly InterfaceConfig[];
  /** Routes inside, after every interface is up. */
  readonly routes?: readonly RouteConfig[];
  /** Routes of the caller's network namespace, added last and removed by destroy. */
  readonly hostRoutes?: readonly RouteConfig[];
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

/** What a container is: namespaces, ids, root filesystem, mounts, cgroup, and its default process. */
export interface ContainerConfig {
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
  /** Extra mounts, after /proc, /dev and /sys. */
  readonly mounts?: readonly MountSpec[];
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

export const DEFAULT_MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
export const DEFAULT_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const CAPS = new Set([
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace',
  'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write',
  'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
]);
const RLIMITS = new Set(['cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile', 'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime']);
const CAP_SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'];

/** A `container-config-invalid` error. */
export function invalid(field: string, message: string): ContainerFailure {
  return { kind: 'container-config-invalid', field, message: `invalid container config: ${message}` };
}

const isArray: (v: unknown) => boolean = Array.isArray;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !isArray(v);
const isId = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 0xffffffff;
const absPath = (v: unknown): boolean => typeof v === 'string' && isAbsolute(v) && !v.includes('\0');
const posInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** An rlimit value: a whole number, or unlimited (`'unlimited'`, `Infinity`). */
const rlimitValue = (v: unknown): boolean => v === Infinity || v === 'unlimited' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
const rlimitNumber = (v: unknown): number => (v === 'unlimited' || v === Infinity ? Infinity : (v as number));

/**
 * Checks a process config; the error or undefined. `newUser`: the container
 * makes a new user namespace (without one, CAP_MKNOD may not be kept: the
 * device cgroup is not enforced, so a device node made inside would open the
 * host's device).
 */
export function checkProcess(p: unknown, field: string, newUser = true): ContainerFailure | undefined {
  if (!isObject(p)) return invalid(field, `${field} must be an object with args`);
  const { args, env, cwd, user, rlimits, capabilities } = p;
  if (!isArray(args) || (args as unknown[]).length === 0 || !(args as unknown[]).every((a) => typeof a === 'string' && a !== '' && !a.includes('\0'))) {
    return invalid(`${field}.args`, `${field}.args must be a non-empty array of non-empty strings, got ${JSON.stringify(args)}`);
  }
  if (env !== undefined && (!isArray(env) || !(env as unknown[]).every((e) => typeof e === 'string' && /^[^=]+=/.test(e) && !e.includes('\0')))) {
    return invalid(`${field}.env`, `${field}.env must be an array of "KEY=VALUE" strings`);
  }
  if (cwd !== undefined && !absPath(cwd)) return invalid(`${field}.cwd`, `${field}.cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  if (user !== undefined) {
    if (!isObject(user)) return invalid(`${field}.user`, `${field}.user must be an object`);
    for (const k of ['uid', 'gid'] as const) if (user[k] !== undefined && !isId(user[k])) return invalid(`${field}.user.${k}`, `${field}.user.${k} must be an id, got ${JSON.stringify(user[k])}`);
    const g = user.additionalGids;
    if (g !== undefined && (!isArray(g) || !(g as unknown[]).every(isId) || (g as unknown[]).length > 64)) return invalid(`${field}.user.additionalGids`, `${field}.user.additionalGids must be an array of at most 64 ids`);
  }
  if (rlimits !== undefined) {
    if (!isArray(rlimits)) return invalid(`${field}.rlimits`, `${field}.rlimits must be an array`);
    for (const [i, r] of (rlimits as unknown[]).entries()) {
      const f = `${field}.rlimits[${i}]`;
      if (!isObject(r) || typeof r.type !== 'string' || !RLIMITS.has(r.type.toLowerCase().replace(/^rlimit_/, ''))) return invalid(f, `${f}.type must be an RLIMIT_* name, got ${JSON.stringify(isObject(r) ? r.type : r)}`);
      if (!rlimitValue(r.soft) || !rlimitValue(r.hard) || rlimitNumber(r.soft) > rlimitNumber(r.hard)) {
        return invalid(f, `${f} needs whole soft <= hard values ("unlimited" for no limit), got ${JSON.stringify(r)}`);
      }
    }
  }
  if (capabilities !== undefined) {
    const sets: Array<[string, unknown]> = isArray(capabilities) ? [['', capabilities]] : isObject(capabilities) ? Object.entries(capabilities) : [['', null]];
    for (const [set, names] of sets) {
      const f = set ? `${field}.capabilities.${set}` : `${field}.capabilities`;
      if (set && !CAP_SETS.includes(set)) return invalid(f, `unknown capability set ${JSON.stringify(set)}`);
      if (!isArray(names)) return invalid(f, `${f} must be an array of capability names`);
      for (const n of names as unknown[]) {
        if (typeof n !== 'string' || !CAPS.has(n.toLowerCase().replace(/^cap_/, ''))) return invalid(f, `unknown capability ${JSON.stringify(n)} in ${f}`);
        if (!newUser && n.toLowerCase().replace(/^cap_/, '') === 'mknod') {
          return invalid(f, `${f} keeps CAP_MKNOD without a new user namespace: device cgroups are not enforced, so a device node made inside would give access to the host's device; drop it or add { type: "user" }`);
        }
      }
    }
  }
  if (p.noNewPrivileges !== undefined && typeof p.noNewPrivileges !== 'boolean') return invalid(`${field}.noNewPrivileges`, `${field}.noNewPrivileges must be a boolean`);
  return undefined;
}

/** A checked process with its unlimited rlimits as `'unlimited'` (what JSON keeps). */
function normalizeProcess(p: ProcessConfig): ProcessConfig {
  if (!p.rlimits) return p;
  const u = (v: number | 'unlimited'): number | 'unlimited' => (v === Infinity ? 'unlimited' : v);
  return { ...p, rlimits: p.rlimits.map((r) => ({ ...r, soft: u(r.soft), hard: u(r.hard) })) };
}

/** The rlimit value for spawn: `Infinity` for unlimited. */
export function rlimitForSpawn(v: number | 'unlimited'): number {
  return rlimitNumber(v);
}

/** Whether the config makes a new user namespace. */
export function hasNewUserns(c: Pick<ContainerConfig, 'namespaces'>): boolean {
  return c.namespaces.some((n) => n.type === 'user' && n.path === undefined);
}

/** Every capability name, lower case without `cap_`. */
export const ALL_CAPS: readonly string[] = [...CAPS];

/** A path the helper takes: absolute, no NUL, no `..` segment. */
const helperPath = (v: unknown): boolean => absPath(v) && !(v as string).split('/').includes('..');

/**
 * Validates a config and fills in the defaults (the result is what
 * `config.json` keeps). `checkFs`: also check that the rootfs is a directory
 * (at create; not when loading a container whose rootfs may be gone).
 * Every error is `container-config-invalid` with the field at fault.
 *
 * @example
 * ```ts
 * import { validateConfig } from '@linuxns/container';
 * const r = validateConfig({ rootfs: { path: '/srv/busybox' }, namespaces: [{ type: 'mnt' }], hostname: 'box' }, false);
 * if (r.isErr()) console.log(r.error.message); // hostname needs a new uts namespace
 * ```
 */
export function validateConfig(config: ContainerConfig, checkFs = true): Result<ContainerConfig, ContainerFailure> {
  if (!isObject(config)) return err(invalid('', 'the config must be an object'));
  const c = config;
  // Namespaces (runtime-spec: known types, each at most once, paths absolute).
  if (!isArray(c.namespaces)) return err(invalid('namespaces', 'namespaces must be an array of { type, path? }'));
  const fresh = new Set<NamespaceType>();
  const joined = new Set<NamespaceType>();
  for (const [i, ns] of c.namespaces.entries()) {
    if (!isObject(ns) || !isNamespaceType(ns.type)) return err(invalid(`namespaces[${i}]`, `namespaces[${i}].type must be one of cgroup, ipc, mnt, net, pid, time, user, uts; got ${JSON.stringify(isObject(ns) ? ns.type : ns)}`));
    if (fresh.has(ns.type) || joined.has(ns.type)) return err(invalid(`namespaces[${i}]`, `namespace ${ns.type} is given twice`));
    if (ns.path !== undefined) {
      if (!absPath(ns.path)) return err(invalid(`namespaces[${i}].path`, `namespaces[${i}].path must be an absolute path, got ${JSON.stringify(ns.path)}`));
      joined.add(ns.type);
    } else fresh.add(ns.type);
  }
  if (!fresh.has('mnt')) return err(invalid('namespaces', 'a container needs a new mnt namespace (its rootfs is made there): add { type: "mnt" }'));
  // Ids.
  for (const k of ['uidMappings', 'gidMappings'] as const) {
    const m = c[k];
    if (m === undefined) continue;
    if (!fresh.has('user')) return err(invalid(k, `${k} needs a new user namespace: add { type: "user" }`));
    if (!isArray(m) || m.length === 0 || !m.every((r) => isObject(r) && isId(r.containerID) && isId(r.hostID) && posInt(r.size))) {
      return err(invalid(k, `${k} must be a non-empty array of { containerID, hostID, size }`));
    }
  }
  if (fresh.has('user') && (c.uidMappings === undefined || c.gidMappings === undefined)) {
    return err(invalid('uidMappings', 'a new user namespace needs uidMappings and gidMappings'));
  }
  if (c.uidMappings !== undefined && c.gidMappings !== undefined) {
    // The kernel's rules (overlaps, 340 ranges, ids below 2^32 - 1, a map under 4096 bytes), as userns-cache checks them.
    const m = canonicalMapping({ uidMappings: c.uidMappings, gidMappings: c.gidMappings });
    if (m.isErr()) return err(invalid(m.error.kind === 'invalid-mapping' ? m.error.field : 'uidMappings', m.error.message));
  }
  // libcontainer's invalid combinations.
  for (const k of ['hostname', 'domainname'] as const) {
    if (c[k] === undefined) continue;
    if (typeof c[k] !== 'string' || Buffer.byteLength(c[k]) > 64 || c[k].includes('\0')) return err(invalid(k, `${k} must be a string of at most 64 bytes (UTF-8) without NUL`));
    if (!fresh.has('uts')) return err(invalid(k, `${k} needs a new uts namespace (unable to set the hostname without one): add { type: "uts" }`));
  }
  if (c.network !== undefined) {
    if (!fresh.has('net')) return err(invalid('network', 'network settings need a new net namespace (unable to apply network parameters without one): add { type: "net" }'));
    const e = checkNetwork(c.network);
    if (e) return err(e);
  }
  // The root filesystem.
  if (!isObject(c.rootfs) || !absPath(c.rootfs.path)) return err(invalid('rootfs.path', `rootfs.path must be an absolute path, got ${JSON.stringify(isObject(c.rootfs) ? c.rootfs.path : c.rootfs)}`));
  const ov = c.rootfs.overlay;
  if (ov !== undefined && typeof ov !== 'boolean' && !(isObject(ov) && (ov.size === undefined || posInt(ov.size)))) {
    return err(invalid('rootfs.overlay', 'rootfs.overlay must be a boolean or { size } in bytes'));
  }
  if (c.rootfs.idmap !== undefined) {
    if (typeof c.rootfs.idmap !== 'boolean') return err(invalid('rootfs.idmap', 'rootfs.idmap must be a boolean'));
    if (c.rootfs.idmap && !fresh.has('user')) return err(invalid('rootfs.idmap', 'an id-mapped rootfs needs a new user namespace with uidMappings and gidMappings: add { type: "user" }'));
  }
  if (checkFs) {
    let dir = false;
    try {
      dir = statSync(c.rootfs.path).isDirectory();
    } catch {
      /* missing */
    }
    if (!dir) return err(invalid('rootfs.path', `rootfs.path ${JSON.stringify(c.rootfs.path)} is not a directory`));
  }
  const mountProc = c.mountProc ?? fresh.has('pid');
  if (mountProc && !fresh.has('pid')) return err(invalid('mountProc', 'a fresh /proc needs a new pid namespace: add { type: "pid" }'));
  for (const k of ['maskedPaths', 'readonlyPaths'] as const) {
    const l = c[k];
    if (l !== undefined && (!isArray(l) || !l.every(absPath) || l.length > 64)) return err(invalid(k, `${k} must be an array of at most 64 absolute paths`));
  }
  // The mounts, checked as the helper's spawn checks them (so that start never refuses what create took).
  if (c.mounts !== undefined && !isArray(c.mounts)) return err(invalid('mounts', 'mounts must be an array'));
  if ((c.mounts ?? []).length > 64) return err(invalid('mounts', `at most 64 mounts, got ${c.mounts!.length}`));
  for (const [i, m] of (c.mounts ?? []).entries()) {
    if (!isObject(m) || !absPath(m.destination)) return err(invalid(`mounts[${i}]`, `mounts[${i}].destination must be an absolute path`));
    if (!helperPath(m.destination)) return err(invalid(`mounts[${i}].destination`, `mounts[${i}].destination must not contain "..", got ${JSON.stringify(m.destination)}`));
    if (m.options !== undefined && (!isArray(m.options) || !m.options.every((o) => typeof o === 'string'))) return err(invalid(`mounts[${i}].options`, `mounts[${i}].options must be strings`));
    if (m.options?.includes('remount')) return err(invalid(`mounts[${i}].options`, `mounts[${i}]: option "remount" is not supported`));
    if (m.type !== undefined && (typeof m.type !== 'string' || m.type.includes('\0'))) return err(invalid(`mounts[${i}].type`, `mounts[${i}].type must be a string`));
    if (m.source !== undefined && (typeof m.source !== 'string' || m.source.includes('\0'))) return err(invalid(`mounts[${i}].source`, `mounts[${i}].source must be a string`));
    const bind = m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    if (bind && !absPath(m.source)) return err(invalid(`mounts[${i}].source`, `mounts[${i}] is a bind: its source must be an absolute path, got ${JSON.stringify(m.source)}`));
    if (!bind && !m.type) return err(invalid(`mounts[${i}].type`, `mounts[${i}] needs a type, or the option "bind"`));
  }
  // Pins: new namespaces only (a joined one is pinned where it comes from).
  for (const [type, path] of Object.entries(c.pins ?? {})) {
    if (!isNamespaceType(type)) return err(invalid(`pins.${type}`, `unknown namespace type ${JSON.stringify(type)} in pins`));
    if (!fresh.has(type)) return err(invalid(`pins.${type}`, `pins.${type} needs a new ${type} namespace`));
    if (!absPath(path)) return err(invalid(`pins.${type}`, `pins.${type} must be an absolute path, got ${JSON.stringify(path)}`));
  }
  // The cgroup.
  const cg = c.cgroup ?? {};
  const cgValue: unknown = cg;
  let cgPath: string | undefined;
  if (cg !== false) {
    if (!isObject(cgValue)) return err(invalid('cgroup', 'cgroup must be an object or false'));
    if (cg.path !== undefined) {
      const p = normalizeCgroupPath(cg.path);
      if (typeof p !== 'string') return err(invalid('cgroup.path', `cgroup.path must name a cgroup below the hierarchy roots, without "." or ".." segments: ${p.why}; got ${JSON.stringify(cg.path)}`));
      cgPath = p;
    }
    if (cg.memory !== undefined && !posInt(cg.memory?.limit)) return err(invalid('cgroup.memory.limit', 'cgroup.memory.limit must be a positive number of bytes'));
    if (cg.pids !== undefined && !posInt(cg.pids?.limit)) return err(invalid('cgroup.pids.limit', 'cgroup.pids.limit must be a positive number'));
    if (cg.cpu !== undefined) {
      const { quota, period, shares } = cg.cpu;
      if ((quota !== undefined && !posInt(quota)) || (period !== undefined && !posInt(period)) || (shares !== undefined && !(posInt(shares) && shares >= 2 && shares <= 262144))) {
        return err(invalid('cgroup.cpu', 'cgroup.cpu needs positive quota and period (µs) and shares from 2 to 262144'));
      }
    }
  }
  if (c.process !== undefined) {
    const e = checkProcess(c.process, 'process', fresh.has('user'));
    if (e) return err(e);
  }
  return ok({
    ...c,
    ...(c.process !== undefined ? { process: normalizeProcess(c.process) } : {}),
    namespaces: c.namespaces.map((ns) => (ns.path !== undefined ? { type: ns.type, path: ns.path } : { type: ns.type })),
    mountProc,
    mountDev: c.mountDev ?? true,
    mountSys: c.mountSys ?? true,
    maskedPaths: c.maskedPaths ?? DEFAULT_MASKED,
    readonlyPaths: c.readonlyPaths ?? DEFAULT_READONLY,
    cgroup: cg === false ? false : { ...cg, ...(cgPath !== undefined ? { path: cgPath } : {}) },
  });
}

/** A link name the kernel takes: 1 to 15 bytes, no `/`, `:` or white space, not `.` or `..`. */
const linkName = (v: unknown): v is string =>
  typeof v === 'string' && v !== '' && Buffer.byteLength(v) <= 15 && !/[/:\s]/.test(v) && v !== '.' && v !== '..';

/** `ADDRESS/PREFIX` with a prefix length the family allows; its family or 0. */
function prefixFamily(v: unknown): 0 | 4 | 6 {
  if (typeof v !== 'string') return 0;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return 0;
  const f = isIP(m[1]!);
  if (f !== 4 && f !== 6) return 0;
  return Number(m[2]) > (f === 4 ? 32 : 128) ? 0 : f;
}

function checkRoutes(routes: unknown, field: string, devs: ReadonlySet<string> | undefined): ContainerFailure | undefined {
  if (routes === undefined) return undefined;
  if (!isArray(routes)) return invalid(field, `${field} must be an array of { dst, gateway?, dev? }`);
  for (const [i, r] of (routes as unknown[]).entries()) {
    const f = `${field}[${i}]`;
    if (!isObject(r)) return invalid(f, `${f} must be an object { dst, gateway?, dev? }`);
    for (const k of Object.keys(r)) if (!['dst', 'gateway', 'dev', 'family', 'metric'].includes(k)) return invalid(`${f}.${k}`, `unknown field ${f}.${k}`);
    const dstFamily = r.dst === 'default' ? 0 : typeof r.dst === 'string' && isIP(r.dst) ? isIP(r.dst) : prefixFamily(r.dst);
    if (r.dst !== 'default' && dstFamily === 0) return invalid(`${f}.dst`, `${f}.dst must be "default", a prefix or an address, got ${JSON.stringify(r.dst)}`);
    if (r.gateway !== undefined && (typeof r.gateway !== 'string' || isIP(r.gateway) === 0)) return invalid(`${f}.gateway`, `${f}.gateway must be an IP address, got ${JSON.stringify(r.gateway)}`);
    if (r.gateway === undefined && r.dev === undefined) return invalid(f, `${f} needs a gateway or a dev`);
    if (r.dev !== undefined && !linkName(r.dev)) return invalid(`${f}.dev`, `${f}.dev must be an interface name, got ${JSON.stringify(r.dev)}`);
    if (r.dev !== undefined && devs && !devs.has(r.dev)) return invalid(`${f}.dev`, `${f}.dev ${JSON.stringify(r.dev)} is not an interface of the container (lo or one of network.interfaces)`);
    if (r.family !== undefined && r.family !== 4 && r.family !== 6) return invalid(`${f}.family`, `${f}.family must be 4 or 6`);
    const family = dstFamily || (r.family as number | undefined) || (typeof r.gateway === 'string' ? isIP(r.gateway) : 4);
    if (typeof r.gateway === 'string' && isIP(r.gateway) !== family) return invalid(`${f}.gateway`, `${f}.gateway ${JSON.stringify(r.gateway)} is not of the family of ${JSON.stringify(r.dst)}`);
    if (r.metric !== undefined && !(typeof r.metric === 'number' && Number.isInteger(r.metric) && r.metric >= 0 && r.metric < 2 ** 32)) return invalid(`${f}.metric`, `${f}.metric must be a whole number`);
  }
  return undefined;
}

const INTERFACE_KEYS = ['name', 'add', 'peer', 'peerNamespace', 'hostLink', 'createInRoot', 'addresses', 'peerAddresses', 'mtu', 'mac'];

/** Checks `network` (its new net namespace already checked); the error or undefined. */
function checkNetwork(n: unknown): ContainerFailure | undefined {
  if (!isObject(n)) return invalid('network', 'network must be an object { interfaces?, routes?, hostRoutes?, loopback? }');
  for (const k of Object.keys(n)) if (!['interfaces', 'routes', 'hostRoutes', 'loopback'].includes(k)) return invalid(`network.${k}`, `unknown field network.${k}`);
  if (n.loopback !== undefined && typeof n.loopback !== 'boolean') return invalid('network.loopback', 'network.loopback must be a boolean');
  const names = new Set<string>(['lo']);
  const peers = new Set<string>();
  const ifs = n.interfaces;
  if (ifs !== undefined && !isArray(ifs)) return invalid('network.interfaces', 'network.interfaces must be an array');
  for (const [i, x] of ((ifs ?? []) as unknown[]).entries()) {
    const f = `network.interfaces[${i}]`;
    if (!isObject(x)) return invalid(f, `${f} must be an object { name, ... }`);
    for (const k of Object.keys(x)) if (!INTERFACE_KEYS.includes(k)) return invalid(`${f}.${k}`, `unknown field ${f}.${k}`);
    // LinuxKit's rules: a name is required, a veth requires a peer.
    if (!linkName(x.name)) return invalid(`${f}.name`, `interface requires a name of 1 to 15 bytes without "/", ":" or spaces (${f}), got ${JSON.stringify(x.name)}`);
    if (names.has(x.name)) return invalid(`${f}.name`, `interface ${x.name} is given twice (or is lo)`);
    names.add(x.name);
    if (x.add !== undefined && !linkName(x.add)) return invalid(`${f}.add`, `${f}.add must be a link kind ("veth", "dummy", "bridge"...)`);
    if (x.peer !== undefined && !linkName(x.peer)) return invalid(`${f}.peer`, `${f}.peer must be an interface name of 1 to 15 bytes`);
    const kind = x.add ?? (x.peer !== undefined ? 'veth' : undefined);
    if (kind === 'veth' && x.peer === undefined) return invalid(`${f}.peer`, `veth requires a peer: creating the veth pair ${JSON.stringify(x.name)} requires a peer to be set (${f})`);
    if (kind !== 'veth' && (x.peer !== undefined || x.peerNamespace !== undefined || x.peerAddresses !== undefined)) return invalid(`${f}.peer`, `${f}: peer, peerNamespace and peerAddresses are for a veth`);
    if (x.peerNamespace !== undefined && !absPath(x.peerNamespace)) return invalid(`${f}.peerNamespace`, `${f}.peerNamespace must be the absolute path of a net namespace file`);
    if (kind === 'veth') {
      const key = `${typeof x.peerNamespace === 'string' ? x.peerNamespace : ''}\0${x.peer as string}`;
      if (peers.has(key)) return invalid(`${f}.peer`, `peer ${x.peer as string} is given twice`);
      peers.add(key);
    }
    if (x.hostLink !== undefined && (kind !== undefined || !linkName(x.hostLink))) return invalid(`${f}.hostLink`, `${f}.hostLink names an existing link to move in: an interface name, without add or peer`);
    if (x.createInRoot !== undefined && typeof x.createInRoot !== 'boolean') return invalid(`${f}.createInRoot`, `${f}.createInRoot must be a boolean`);
    for (const k of ['addresses', 'peerAddresses'] as const) {
      const a = x[k];
      if (a === undefined) continue;
      if (!isArray(a)) return invalid(`${f}.${k}`, `${f}.${k} must be an array of "ADDRESS/PREFIX" strings`);
      for (const v of a as unknown[]) if (prefixFamily(v) === 0) return invalid(`${f}.${k}`, `${f}.${k}: ${JSON.stringify(v)} is not an IPv4 or IPv6 address with a prefix length ("10.0.0.2/24", "fd00::2/64")`);
    }
    if (x.mtu !== undefined && !(posInt(x.mtu) && (x.mtu as number) >= 68 && (x.mtu as number) <= 65535)) return invalid(`${f}.mtu`, `${f}.mtu must be from 68 to 65535`);
    if (x.mac !== undefined && !(typeof x.mac === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(x.mac))) return invalid(`${f}.mac`, `${f}.mac must be a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  return checkRoutes(n.routes, 'network.routes', names) ?? checkRoutes(n.hostRoutes, 'network.hostRoutes', undefined);
}
