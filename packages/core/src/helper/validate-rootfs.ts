/**
 * The container options of {@link spawn}: the root filesystem, the mounts
 * made in it, masked and read-only paths, the cgroups and the pid file.
 * Checked here, before anything is made, as the helper will take them.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { MS_BIND, MS_PRIVATE, MS_RDONLY, MS_REC, MS_SHARED, MS_SLAVE, MS_UNBINDABLE } from '../ffi/mount-flags.js';
import type { NamespaceType } from '../namespace/kind.js';
import { checkAbsolute, invalidOption, isArray } from './invalid.js';
import type { SpawnOptions } from './options.js';
import { MAX_CGROUPS, MAX_MOUNTS, MAX_PATHS, type HelperRequest } from './protocol.js';

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
const MOUNT_FLAGS: Readonly<Record<string, number>> = {
  ro: MS_RDONLY, nosuid: 0x2, nodev: 0x4, noexec: 0x8, sync: 0x10, dirsync: 0x80, noatime: 0x400, nodiratime: 0x800,
  bind: MS_BIND, rbind: MS_BIND | MS_REC, unbindable: MS_UNBINDABLE, runbindable: MS_UNBINDABLE | MS_REC, private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC, slave: MS_SLAVE, rslave: MS_SLAVE | MS_REC, shared: MS_SHARED, rshared: MS_SHARED | MS_REC,
  relatime: 0x200000, strictatime: 0x1000000,
};
const CLEAR_FLAGS = new Set(['rw', 'suid', 'dev', 'exec', 'async', 'atime', 'diratime', 'norelatime', 'nostrictatime']);

/** A mount's options as [flags, data]; or the error. */
function mountFlags(m: MountSpec, i: number): Result<[number, string], NsError> {
  let flags = 0;
  const data: string[] = [];
  for (const o of m.options ?? []) {
    if (typeof o !== 'string') return err(invalidOption('mounts', `mounts[${i}].options must be strings`));
    if (o === 'remount') return err(invalidOption('mounts', `mounts[${i}]: option "remount" is not supported`));
    const f = MOUNT_FLAGS[o];
    if (f !== undefined) flags |= f;
    else if (!CLEAR_FLAGS.has(o)) data.push(o);
  }
  if (m.type === 'bind') flags |= MS_BIND;
  return ok([flags, data.join(',')]);
}

type Mounts = Array<[string, number, string, string, string]>;

/** The extra mounts as the helper takes them ([type, flags, source, target, data]); or the error. */
function mountList(mounts: readonly MountSpec[]): Result<Mounts, NsError> {
  const out: Mounts = [];
  for (const [i, m] of mounts.entries()) {
    const e = checkAbsolute(`mounts[${i}].destination`, m?.destination);
    if (e) return err(e);
    if (m.destination.split('/').includes('..')) return err(invalidOption('mounts', `mounts[${i}].destination must not contain "..", got ${JSON.stringify(m.destination)}`));
    const f = mountFlags(m, i);
    if (f.isErr()) return err(f.error);
    const [flags, data] = f.value;
    if (flags & MS_BIND) {
      if (checkAbsolute(`mounts[${i}].source`, m.source)) return err(invalidOption('mounts', `mounts[${i}] is a bind: its source must be an absolute path, got ${JSON.stringify(m.source)}`));
    } else if (!m.type) {
      return err(invalidOption('mounts', `mounts[${i}] needs a type, or the option "bind"`));
    }
    out.push([flags & MS_BIND ? '' : (m.type ?? ''), flags, m.source ?? m.type ?? 'none', m.destination, data]);
  }
  if (out.length > MAX_MOUNTS) return err(invalidOption('mounts', `at most ${MAX_MOUNTS} mounts, got ${out.length}`));
  return ok(out);
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
  const inside = ['mountDev', 'mountSys', 'mounts'] as const;
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
