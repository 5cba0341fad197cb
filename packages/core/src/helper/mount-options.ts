/**
 * An OCI mount's `options`, read as runc reads them (libcontainer/specconv's
 * parseMountOptions): mount flags that set or clear an `MS_*` bit, in order
 * (`ro` then `rw` is read-write), propagation changes applied one by one
 * after the mount (`rprivate`, `rslave`...), the runtime-spec's recursive
 * attributes (`rro`, `rnosuid`... set with mount_setattr on every mount of
 * the tree), `tmpcopyup`, and the rest as filesystem data (`size=64m`, `mode=755`).
 *
 * @module
 */
import { MS_BIND, MS_PRIVATE, MS_RDONLY, MS_REC, MS_SHARED, MS_SLAVE, MS_UNBINDABLE } from '../ffi/mount-flags.js';

/** What one option does: set or clear `flag`. */
interface Change {
  readonly flag: number;
  readonly clear?: true;
}

const set = (flag: number): Change => ({ flag });
const clear = (flag: number): Change => ({ flag, clear: true });

/** MS_* values of sys/mount.h not named in ffi. */
const MS = {
  NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, SYNCHRONOUS: 0x10, MANDLOCK: 0x40, DIRSYNC: 0x80, NOSYMFOLLOW: 0x100, NOATIME: 0x400,
  NODIRATIME: 0x800, SILENT: 0x8000, RELATIME: 0x200000, I_VERSION: 0x800000, STRICTATIME: 0x1000000, LAZYTIME: 0x2000000,
} as const;

/** runc's mount flags by option name (`acl` goes to the filesystem, as in runc since 1.2). */
const FLAGS: Readonly<Record<string, Change>> = {
  async: clear(MS.SYNCHRONOUS), atime: clear(MS.NOATIME), bind: set(MS_BIND), defaults: set(0), dev: clear(MS.NODEV),
  diratime: clear(MS.NODIRATIME), dirsync: set(MS.DIRSYNC), exec: clear(MS.NOEXEC), iversion: set(MS.I_VERSION),
  lazytime: set(MS.LAZYTIME), loud: clear(MS.SILENT), mand: set(MS.MANDLOCK), noatime: set(MS.NOATIME), nodev: set(MS.NODEV),
  nodiratime: set(MS.NODIRATIME), noexec: set(MS.NOEXEC), noiversion: clear(MS.I_VERSION), nolazytime: clear(MS.LAZYTIME),
  nomand: clear(MS.MANDLOCK), norelatime: clear(MS.RELATIME), nostrictatime: clear(MS.STRICTATIME), nosuid: set(MS.NOSUID),
  nosymfollow: set(MS.NOSYMFOLLOW), rbind: set(MS_BIND | MS_REC), relatime: set(MS.RELATIME), ro: set(MS_RDONLY),
  rw: clear(MS_RDONLY), silent: set(MS.SILENT), strictatime: set(MS.STRICTATIME), suid: clear(MS.NOSUID), sync: set(MS.SYNCHRONOUS),
  symfollow: clear(MS.NOSYMFOLLOW),
};

/** Propagation changes by option name. */
export const PROPAGATION: Readonly<Record<string, number>> = {
  private: MS_PRIVATE, rprivate: MS_PRIVATE | MS_REC, slave: MS_SLAVE, rslave: MS_SLAVE | MS_REC,
  shared: MS_SHARED, rshared: MS_SHARED | MS_REC, unbindable: MS_UNBINDABLE, runbindable: MS_UNBINDABLE | MS_REC,
};

/** MOUNT_ATTR_* of linux/mount.h. */
const ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, ATIME: 0x70, RELATIME: 0, NOATIME: 0x10, STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000 } as const;

/** The runtime-spec's recursive attributes by option name (set on every mount of the tree). */
const RECURSIVE: Readonly<Record<string, Change>> = {
  rro: set(ATTR.RDONLY), rrw: clear(ATTR.RDONLY), rnosuid: set(ATTR.NOSUID), rsuid: clear(ATTR.NOSUID), rnodev: set(ATTR.NODEV),
  rdev: clear(ATTR.NODEV), rnoexec: set(ATTR.NOEXEC), rexec: clear(ATTR.NOEXEC), rnodiratime: set(ATTR.NODIRATIME),
  rdiratime: clear(ATTR.NODIRATIME), rrelatime: set(ATTR.RELATIME), rnorelatime: clear(ATTR.RELATIME), rnoatime: set(ATTR.NOATIME),
  ratime: clear(ATTR.NOATIME), rstrictatime: set(ATTR.STRICTATIME), rnostrictatime: clear(ATTR.STRICTATIME),
  rnosymfollow: set(ATTR.NOSYMFOLLOW), rsymfollow: clear(ATTR.NOSYMFOLLOW),
};
const ATIME_MODES = new Set(['rrelatime', 'rnoatime', 'rstrictatime']);

/** Options runc takes that linuxns does not, and why. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  remount: 'a remount of a mount already there',
  idmap: 'id-mapped mounts (use @linuxns/userns-cache idmapMount before spawn)',
  ridmap: 'id-mapped mounts (use @linuxns/userns-cache idmapMount before spawn)',
};

/** A mount's options, read: what the helper's --mount takes. */
export interface ParsedOptions {
  /** MS_* set (MS_BIND, MS_REC for rbind, MS_RDONLY...), without propagation. */
  readonly flags: number;
  /** MS_* cleared by an option (`rw`, `suid`...) and not set again after it. */
  readonly clear: number;
  /** Propagation changes, in the order given. */
  readonly propagation: readonly number[];
  /** MOUNT_ATTR_* set and cleared recursively. */
  readonly rset: number;
  readonly rclr: number;
  /** The rest, comma-separated: the filesystem's own options. */
  readonly data: string;
  /** `tmpcopyup`: a tmpfs starts with a copy of the directory it covers (runc ignores it on other types, and so does the helper). */
  readonly copyup: boolean;
}

/** Reads `options` (all strings); an option linuxns does not support is named in `unsupported`. */
export function parseMountOptions(options: readonly string[]): ParsedOptions | { unsupported: string; why: string } {
  let flags = 0;
  let cleared = 0;
  let rset = 0;
  let rclr = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let copyup = false;
  for (const o of options) {
    const why = UNSUPPORTED[o];
    if (why !== undefined) return { unsupported: o, why };
    const f = FLAGS[o];
    const r = RECURSIVE[o];
    if (f) {
      if (f.clear) {
        flags &= ~f.flag;
        cleared |= f.flag;
      } else {
        flags |= f.flag;
        cleared &= ~f.flag;
      }
    } else if (o === 'tmpcopyup') {
      copyup = true;
    } else if (o in PROPAGATION) {
      propagation.push(PROPAGATION[o]!);
    } else if (r) {
      if (r.clear) rclr |= r.flag;
      else rset |= r.flag;
      // mount_setattr(2): an atime mode is set by clearing the whole atime field too.
      if (!r.clear && ATIME_MODES.has(o)) rclr |= ATTR.ATIME;
    } else {
      data.push(o);
    }
  }
  return { flags: flags >>> 0, clear: cleared >>> 0, propagation, rset: rset >>> 0, rclr: rclr >>> 0, data: data.join(','), copyup };
}

/** Files inside /proc that may be mounted on (runc's checkProcMount: lxcfs's emulated files). */
const PROC_FILES = ['/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime', '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid'];

/**
 * Why runc would refuse a mount on `destination` (absolute, without `..`), or undefined: `/proc` takes only a
 * proc filesystem, and nothing goes inside /proc but on lxcfs's files.
 */
export function procRefusal(destination: string, type: string | undefined, bind: boolean): string | undefined {
  const clean = destination.replace(/\/+/g, '/').replace(/\/\.(?=\/|$)/g, '').replace(/(.)\/$/, '$1');
  if (clean === '/proc') return bind || type !== 'proc' ? 'only a proc filesystem may be mounted on /proc' : undefined;
  if (clean.startsWith('/proc/') && !PROC_FILES.includes(clean)) return `nothing may be mounted inside /proc but on ${PROC_FILES.join(', ')} (runc's rule)`;
  return undefined;
}
