/**
 * The container options of {@link spawn}: the root filesystem, the mounts
 * made in it, masked and read-only paths, the cgroups and the pid file.
 * Checked here, before anything is made, as the helper will take them.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { MS_BIND, MS_PRIVATE } from '../ffi/mount-flags.js';
import type { NamespaceType } from '../namespace/kind.js';
import { checkAbsolute, invalidOption, isArray } from './invalid.js';
import type { SpawnOptions } from './options.js';
import { devicesSettings } from './devices.js';
import { parseMountOptions, procRefusal, PROPAGATION } from './mount-options.js';
import { MAX_CGROUPS, MAX_MOUNT_PROPAGATION, MAX_MOUNTS, MAX_PATHS, MOUNT_EXT_COPYUP, type HelperMount, type HelperRequest } from './protocol.js';

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
 * An extra mount of {@link SpawnOptions.mounts}, an OCI runtime-spec mount, made as runc 1.1 makes it:
 * `options` are read as runc reads them, in order: mount flags that set or clear (`ro`, `rw`, `nosuid`,
 * `suid`, `nodev`, `noexec`, `relatime`, `strictatime`, `nosymfollow`...), `bind` and `rbind`, propagation
 * changes applied one by one after the mount (`rprivate`, `rslave`, `rshared`, `runbindable`...), the
 * runtime-spec's recursive attributes (`rro`, `rnosuid`, `rnodev`, `rnoexec`, `rnoatime`...: on every mount of
 * the tree), and the rest as filesystem data (`size=64m`, `mode=755`). `remount`, `idmap` and `ridmap` are
 * refused.
 *
 * By type: a bind (`bind`/`rbind`, or type `bind`) of a file or a directory of the caller's, its target created
 * to match, then the flags set by a remount (as `mount --bind -o`: where the kernel locks flags in a user
 * namespace, those the source has are kept); an `rbind` with `ro`, `nosuid`, `nodev` or `noexec` has them on
 * every mount of its tree, not only the top one (runc's is the top one only). `tmpfs` takes the mode of the
 * directory it covers (runc 1.1), with `tmpcopyup` a copy of what that directory holds (files, directories,
 * links and nodes with their modes and owners: runc's), and, with `ro`, becomes read-only once the devices are made; `proc` and `sysfs`
 * go on a plain directory (no symlink); `cgroup`: on a cgroup v2 host a cgroup2 mount (a bind of
 * `/sys/fs/cgroup` where the kernel refuses one); on cgroup v1 runc's tmpfs with one mount per hierarchy the
 * command is in (its own cgroup bound, or with a cgroup namespace a fresh mount), read-only with `ro`. Any other
 * type (`devpts`, `mqueue`, `overlay`...) is mounted with its flags and data. Nothing may be mounted inside
 * `/proc` but on lxcfs's files, and only a proc filesystem on `/proc` (runc's rule).
 *
 * A refused mount is `invalid-option` whose `option` names the part at fault: `mounts[2].source` (a bind from a
 * relative path), `mounts[0].options` (an option linuxns does not support), `mounts[1].destination`,
 * `mounts[3].type`; `mounts` when the list as a whole is refused (too many).
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

/** The extra mounts as the helper takes them; or the error. */
function mountList(mounts: readonly MountSpec[]): Result<HelperMount[], NsError> {
  const out: HelperMount[] = [];
  for (const [i, m] of mounts.entries()) {
    const e = checkAbsolute(`mounts[${i}].destination`, m?.destination);
    if (e) return err(e);
    if (m.destination.split('/').includes('..')) return err(invalidOption(`mounts[${i}].destination`, `mounts[${i}].destination must not contain "..", got ${JSON.stringify(m.destination)}`));
    const options: readonly unknown[] = m.options ?? [];
    if (!isArray(options) || options.some((o) => typeof o !== 'string')) return err(invalidOption(`mounts[${i}].options`, `mounts[${i}].options must be strings`));
    const p = parseMountOptions(options as readonly string[]);
    if ('unsupported' in p) return err(invalidOption(`mounts[${i}].options`, `mounts[${i}]: option ${JSON.stringify(p.unsupported)} is not supported by linuxns (${p.why})`));
    const flags = m.type === 'bind' ? p.flags | MS_BIND : p.flags;
    const bind = (flags & MS_BIND) !== 0;
    if (bind) {
      if (checkAbsolute(`mounts[${i}].source`, m.source)) return err(invalidOption(`mounts[${i}].source`, `mounts[${i}] is a bind: its source must be an absolute path, got ${JSON.stringify(m.source)}`));
    } else if (!m.type) {
      return err(invalidOption(`mounts[${i}].type`, `mounts[${i}] needs a type, or the option "bind"`));
    }
    const proc = procRefusal(m.destination, m.type, bind);
    if (proc) return err(invalidOption(`mounts[${i}].destination`, `mounts[${i}] on ${JSON.stringify(m.destination)}: ${proc}`));
    if (p.propagation.length > MAX_MOUNT_PROPAGATION) return err(invalidOption(`mounts[${i}].options`, `mounts[${i}] has ${p.propagation.length} propagation options, at most ${MAX_MOUNT_PROPAGATION}`));
    const ext = p.copyup && !bind && m.type === 'tmpfs' ? MOUNT_EXT_COPYUP : 0;
    out.push([bind ? '' : (m.type ?? ''), flags, m.source ?? m.type ?? 'none', m.destination, p.data, p.clear, p.propagation, p.rset, p.rclr, ext]);
  }
  if (out.length > MAX_MOUNTS) return err(invalidOption('mounts', `at most ${MAX_MOUNTS} mounts, got ${out.length}`));
  return ok(out);
}

/** `rootfsPropagation` as the helper's propagation mask; or the error. */
function rootfsPropagation(o: SpawnOptions, creating: ReadonlySet<NamespaceType>): Result<number | undefined, NsError> {
  const name = o.rootfsPropagation;
  if (name === undefined) return ok(undefined);
  if (!creating.has('mnt')) return err(invalidOption('rootfsPropagation', "rootfsPropagation applies to a new mount namespace: add 'mnt' to create"));
  if (o.mountPropagation !== undefined) return err(invalidOption('rootfsPropagation', 'rootfsPropagation and mountPropagation exclude each other (both set the new mount namespace\'s propagation)'));
  const mask = typeof name === 'string' ? PROPAGATION[name] : undefined;
  if (mask === undefined) return err(invalidOption('rootfsPropagation', `rootfsPropagation must be one of ${Object.keys(PROPAGATION).join(', ')}, got ${JSON.stringify(name)}`));
  if (o.rootfs?.pivotRoot === false && mask & MS_PRIVATE) return err(invalidOption('rootfsPropagation', `rootfsPropagation ${name} is not safe without pivot_root (runc refuses it too)`));
  return ok(mask);
}

/**
 * Validates the container options (`usernsRoot`, `pidFile`, `cgroups`, `rootfs` and what
 * needs it, `maskedPaths`, `readonlyPaths`): the helper request fields, or the error.
 */
export function rootfsSettings(o: SpawnOptions, creating: ReadonlySet<NamespaceType>): Result<Partial<HelperRequest>, NsError> {
  const out: Record<string, unknown> = {};
  if (o.usernsRoot) {
    if (!creating.has('user')) return err(invalidOption('usernsRoot', "usernsRoot needs a new user namespace: add 'user' to create"));
    out.usernsRoot = true;
  }
  if (o.pidFile !== undefined) {
    const e = checkAbsolute('pidFile', o.pidFile);
    if (e) return err(e);
    out.pidFile = o.pidFile;
  }
  if (o.cgroups !== undefined) {
    if (!isArray(o.cgroups) || o.cgroups.length > MAX_CGROUPS) return err(invalidOption('cgroups', `cgroups must be at most ${MAX_CGROUPS} cgroup directories`));
    for (const [i, dir] of o.cgroups.entries()) {
      const e = checkAbsolute(`cgroups[${i}]`, dir);
      if (e) return err(e);
    }
    out.cgroups = o.cgroups.map((dir) => `${dir.replace(/\/+$/, '')}/cgroup.procs`);
  }
  const inside = ['mountDev', 'mountSys', 'mounts', 'devices', 'devSymlinks'] as const;
  if (o.rootfs === undefined) {
    for (const k of inside) if (o[k] !== undefined && o[k] !== false) return err(invalidOption(k, `${k} needs a rootfs`));
  } else {
    if (!creating.has('mnt')) return err(invalidOption('rootfs', "rootfs needs a new mount namespace: add 'mnt' to create"));
    if (o.root !== undefined) return err(invalidOption('rootfs', 'rootfs (pivot_root) and root (chroot) exclude each other'));
    const r = o.rootfs;
    const e = checkAbsolute('rootfs.path', r.path);
    if (e) return err(e);
    out.rootfs = r.path;
    if (r.overlay) {
      const size = typeof r.overlay === 'object' ? (r.overlay.size ?? 0) : 0;
      if (!Number.isSafeInteger(size) || size < 0) return err(invalidOption('rootfs', `rootfs.overlay.size must be a whole number of bytes, got ${String(size)}`));
      out.rootfsOverlay = size;
    }
    if (r.readonly) out.rootfsReadonly = true;
    if (r.pivotRoot === false) out.noPivot = true;
    if (o.mountDev) out.mountDev = true;
    if (o.mountSys) out.mountSys = true;
    const mounts = mountList(o.mounts ?? []);
    if (mounts.isErr()) return err(mounts.error);
    if (mounts.value.length) out.mounts = mounts.value;
  }
  const devices = devicesSettings(o);
  if (devices.isErr()) return err(devices.error);
  Object.assign(out, devices.value);
  const propagation = rootfsPropagation(o, creating);
  if (propagation.isErr()) return err(propagation.error);
  if (propagation.value !== undefined) out.propagation = propagation.value;
  for (const k of ['maskedPaths', 'readonlyPaths'] as const) {
    const list = o[k];
    if (list === undefined) continue;
    if (!creating.has('mnt')) return err(invalidOption(k, `${k} need a new mount namespace: add 'mnt' to create`));
    if (!isArray(list) || list.length > MAX_PATHS) return err(invalidOption(k, `${k} must be at most ${MAX_PATHS} absolute paths`));
    for (const [i, p] of list.entries()) {
      const e = checkAbsolute(`${k}[${i}]`, p);
      if (e) return err(e);
    }
    if (list.length) out[k] = list;
  }
  return ok(out);
}
