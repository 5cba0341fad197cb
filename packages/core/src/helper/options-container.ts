/**
 * The container settings of {@link spawn}'s options: a root filesystem and
 * what is mounted and made in it, and the rest of an OCI config's process
 * (sysctls, seccomp, scheduling, LSM labels), made by the command's process
 * before its exec.
 *
 * @module
 */
import type { SeccompProfile } from '../seccomp/profile.js';
import type { DeviceNode } from './devices.js';
import type { IoPriority, Personality, SchedulerOptions } from './scheduling.js';
import type { MountSpec, RootfsOptions } from './validate-rootfs.js';

/**
 * The container settings of {@link SpawnOptions} (which extends this): what an OCI runtime's init does to itself
 * before exec, in runc 1.1's order.
 *
 * @example
 * ```ts
 * import { spawn, type ContainerSpawnOptions } from '@linuxns/core';
 * const box: ContainerSpawnOptions = { rootfs: { path: '/srv/busybox' }, mountDev: true, umask: 0o027, sysctl: { 'kernel.msgmax': '9000' } };
 * const r = await spawn('/bin/sh', ['-c', 'umask; ls /dev'], { create: ['mnt', 'ipc'], ...box, stdio: 'inherit' });
 * if (r.isErr()) console.error(r.error.message);
 * ```
 */
export interface ContainerSpawnOptions {
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
   * await r.match(
   *   async (child) => console.log(await child.exited),
   *   async (e) => console.error(`${e.kind}: ${e.message}`), // invalid-option, spawn-setup-failed (step rootfs, pivot...)
   * );
   * ```
   */
  readonly rootfs?: RootfsOptions;
  /**
   * A tmpfs on the rootfs's `/dev` with null, zero, full, random, urandom and tty (made with mknod; in a user
   * namespace, which may not, bound from the caller's `/dev`), a devpts on `pts/`, `shm/`, and runc's links (`ptmx`,
   * `fd`, `stdin`, `stdout`, `stderr`, `core` where this kernel has `/proc/kcore`); made before `mounts` (needs
   * `rootfs`). For an OCI config, whose mounts make `/dev` themselves, use `devices` and `devSymlinks` instead.
   */
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
   * Device nodes made in the rootfs after `mounts` (OCI's `linux.devices`, runc's order: in the `/dev` the mounts
   * made), with mknod, or in a user namespace, which may not, by a bind of the caller's node at the same path, as
   * runc does. A node already there is left as it is. See {@link @linuxns/core!DEFAULT_DEVICES | DEFAULT_DEVICES} for the ones runc adds to every
   * container. Needs `rootfs`.
   */
  readonly devices?: readonly DeviceNode[];
  /**
   * After `devices`: `/dev/ptmx` replaced by a link to `pts/ptmx`, and the links `/dev/fd`, `stdin`, `stdout`,
   * `stderr` (and `core` to `/proc/kcore` where this kernel has it), as runc makes them when no bind covers `/dev`.
   * Needs `rootfs`. (`mountDev` makes its own.)
   */
  readonly devSymlinks?: boolean;
  /**
   * The propagation of the new mount namespace as OCI's `linux.rootfsPropagation` means it (runc's meaning):
   * applied to its root mount, recursively for the `r` forms (runc's default, when a config has none, is
   * `'rslave'`); the mount holding the rootfs is made private first if it is shared, so that `pivot_root` works.
   * Needs a new mnt namespace; excludes `mountPropagation`; `[r]private` needs `pivot_root` (runc's rule).
   */
  readonly rootfsPropagation?: 'private' | 'rprivate' | 'slave' | 'rslave' | 'shared' | 'rshared' | 'unbindable' | 'runbindable';
  /**
   * Kernel parameters of the command's namespaces (OCI's `linux.sysctl`), written to `/proc/sys` by its process
   * after the mounts and before the masked and read-only paths (runc's order). Each key must belong to a namespace
   * the command gets of its own, created or joined (runc's rule): `net.*` to net (not this process's own when
   * joined), System V IPC limits and `fs.mqueue.*` to ipc, `kernel.domainname` to uts; `kernel.hostname` is the
   * `hostname` option's. A failed write is `spawn-setup-failed` at step `sysctl`.
   *
   * @example
   * ```ts
   * import { spawn } from '@linuxns/core';
   * const r = await spawn('cat', ['/proc/sys/net/ipv4/ip_forward'], { create: ['net'], sysctl: { 'net.ipv4.ip_forward': '1' }, stdio: 'inherit' });
   * if (r.isErr()) console.error(`${r.error.kind}: ${r.error.message}`);
   * ```
   */
  readonly sysctl?: Readonly<Record<string, string>>;
  /** `/proc/self/oom_score_adj` of the command (OCI's `process.oomScoreAdj`), -1000 to 1000, written first thing with this process's privileges. */
  readonly oomScoreAdj?: number;
  /** The command's umask (OCI's `process.user.umask`), set once its root filesystem is made. Left as inherited when not given (runc's default is 0o022). */
  readonly umask?: number;
  /** The command's execution domain (OCI's `linux.personality`), set just before exec. */
  readonly personality?: Personality;
  /** The command's scheduling policy (OCI's `process.scheduler`), set with sched_setattr(2) before its capabilities are dropped. */
  readonly scheduler?: SchedulerOptions;
  /** The command's I/O priority (OCI's `process.ioPriority`), set with ioprio_set(2) first thing, with this process's privileges (as runc sets it, from outside). */
  readonly ioPriority?: IoPriority;
  /**
   * A seccomp filter (OCI's `linux.seccomp`), compiled in this process by {@link @linuxns/core!compileSeccomp | compileSeccomp} (libseccomp
   * through koffi) and installed by the command's process, as runc orders it: with `noNewPrivileges`, as the very
   * last step before its exec (after `beforeExec`'s gate; with `detach` just before the gate, as runc's `create`,
   * so that a failure is still reported); without, before its capabilities and ids change, while
   * it still has the CAP_SYS_ADMIN the kernel then asks for (the remaining setup steps run under the filter, which
   * must allow them, as with runc). A profile that does not compile is `invalid-option` naming the field
   * (`seccomp.syscalls[2].action`); a failed install is `spawn-setup-failed` at step `seccomp`.
   *
   * @example
   * ```ts
   * import { spawn } from '@linuxns/core';
   * const r = await spawn('mkdir', ['/tmp/denied'], {
   *   noNewPrivileges: true,
   *   seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] },
   * });
   * if (r.isOk()) console.log(await r.value.exited); // mkdir: Permission denied, { code: 1, signal: null }
   * ```
   */
  readonly seccomp?: SeccompProfile;
  /**
   * The AppArmor profile the command runs under (OCI's `process.apparmorProfile`), taken at its exec. Refused
   * (`invalid-option`) where AppArmor is not enabled: runc 1.1 fails there too (writing the exec attribute gives
   * EINVAL).
   */
  readonly apparmorProfile?: string;
  /** The SELinux label the command runs with (OCI's `process.selinuxLabel`), taken at its exec. Refused where SELinux is not enabled, as runc refuses it. */
  readonly selinuxLabel?: string;
  /**
   * The SELinux label of the container's mounts (OCI's `linux.mountLabel`): `context="LABEL"` added to the data of
   * every mount but proc, sysfs, cgroup and binds (mqueue's root gets it as an xattr), as runc does. Refused where
   * SELinux is not enabled (the kernel refuses the option: runc fails there too).
   */
  readonly mountLabel?: string;
}
