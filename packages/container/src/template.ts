/**
 * The default bundle config: what `runc spec` writes (runc 1.1, runtime-spec
 * 1.0.2-dev), field for field and in the same order, so that a bundle can be
 * made without runc, and `config.json` files written from it look like
 * runc's.
 *
 * @module
 */

/** One mount of an {@link OciSpecTemplate}, in runtime-spec names. */
export interface OciTemplateMount {
  /** Where it goes inside the container. */
  destination: string;
  /** Filesystem type (`proc`, `tmpfs`, `devpts`, `mqueue`, `sysfs`, `cgroup`). */
  type: string;
  /** The mount's source (the filesystem's name for these). */
  source: string;
  /** Mount options, runtime-spec style (`nosuid`, `mode=755`, `ro`...). */
  options?: string[];
}

/**
 * A runtime-spec `config.json`: the fields of {@link specTemplate}'s
 * default, every one present. Mutable, to be edited before it is written or
 * handed to {@link fromOciSpec}.
 */
export interface OciSpecTemplate {
  /** The runtime-spec version (`1.0.2-dev`, as runc 1.1 writes). */
  ociVersion: string;
  /** The container's process. */
  process: {
    /** Attach a console: `true` in the template; {@link fromOciSpec} takes `false` only. */
    terminal: boolean;
    /** The ids it runs as. */
    user: { uid: number; gid: number };
    /** The command and its arguments (`['sh']`). */
    args: string[];
    /** Its whole environment, `KEY=VALUE`. */
    env: string[];
    /** Its working directory inside. */
    cwd: string;
    /** The capability sets it keeps, by name (`CAP_KILL`...). */
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; ambient: string[] };
    /** Its resource limits (`RLIMIT_NOFILE` 1024). */
    rlimits: Array<{ type: string; hard: number; soft: number }>;
    /** PR_SET_NO_NEW_PRIVS before exec. */
    noNewPrivileges: boolean;
  };
  /** The root filesystem: `path` relative to the bundle, read-only. */
  root: { path: string; readonly: boolean };
  /** The container's hostname (`runc`). */
  hostname: string;
  /** `/proc`, `/dev` and its `pts`, `shm`, `mqueue`, `/sys` and `/sys/fs/cgroup`, in order. */
  mounts: OciTemplateMount[];
  /** Linux specifics. */
  linux: {
    /** Cgroup limits: the device rule denying every device. */
    resources: { devices: Array<{ allow: boolean; access: string }> };
    /** New pid, network, ipc, uts and mount namespaces (runtime-spec names). */
    namespaces: Array<{ type: string }>;
    /** Paths hidden inside. */
    maskedPaths: string[];
    /** Paths made read-only inside. */
    readonlyPaths: string[];
  };
}

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/**
 * The default `config.json` of a bundle, as `runc spec` writes it (runc
 * 1.1): `sh` with a terminal, as root, in `/`, keeping `CAP_AUDIT_WRITE`,
 * `CAP_KILL` and `CAP_NET_BIND_SERVICE`, `RLIMIT_NOFILE` 1024, no new
 * privileges; the rootfs `rootfs` read-only; hostname `runc`; `/proc`,
 * `/dev` (tmpfs), `/dev/pts`, `/dev/shm`, `/dev/mqueue`, `/sys` and
 * `/sys/fs/cgroup` read-only; every device denied; new pid, network, ipc,
 * uts and mount namespaces; runc's masked and read-only paths. A new object
 * at each call. `JSON.stringify(specTemplate(), null, '\t')` is the text
 * runc writes.
 *
 * {@link fromOciSpec} runs it once `process.terminal` is false (a console
 * is not supported); its `cgroup` mount becomes a read-only bind of the
 * caller's `/sys/fs/cgroup`, and the deny-all device rule is accepted (the
 * minimal `/dev` has no other device).
 *
 * @example
 * ```ts
 * import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
 * import { Factory, specTemplate } from '@linuxns/container';
 * const spec = specTemplate();
 * spec.process.terminal = false;
 * spec.process.args = ['sh', '-c', 'hostname; cat /proc/1/cmdline'];
 * mkdirSync('/srv/bundle', { recursive: true });
 * symlinkSync('/srv/busybox', '/srv/bundle/rootfs');
 * writeFileSync('/srv/bundle/config.json', JSON.stringify(spec, null, '\t'));
 * const c = new Factory('/run/linuxns-containers').createFromBundle('box', '/srv/bundle');
 * if (c.isOk()) console.log(await c.value.run());
 * ```
 */
export function specTemplate(): OciSpecTemplate {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS], ambient: [...CAPS] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type })),
      maskedPaths: ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
