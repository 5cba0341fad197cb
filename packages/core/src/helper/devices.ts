/**
 * Device nodes of {@link SpawnOptions.devices}: OCI's `linux.devices`, made
 * in the rootfs after the mounts, and runc's default set.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { invalidOption, isAbsolutePath, isArray } from './invalid.js';
import type { SpawnOptions } from './options.js';
import { MAX_DEVICES, type HelperRequest } from './protocol.js';

/**
 * A device node, as an OCI runtime-spec `linux.devices` entry: made with mknod (type, numbers, mode, owner),
 * or, in a user namespace (which may not mknod), the caller's node at the same path bound on an empty file,
 * as runc does.
 */
export interface DeviceNode {
  /** Where inside the root filesystem (absolute); its directories are created. */
  readonly path: string;
  /** `c` (character, `u` alike), `b` (block), `p` (FIFO). */
  readonly type: 'c' | 'b' | 'u' | 'p';
  /** Needed but for `p`. */
  readonly major?: number;
  readonly minor?: number;
  /** Permission bits (a file type in it is ignored, as runc does); default 0o666. */
  readonly fileMode?: number;
  /** Owner; default 0. */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The device nodes runc gives every container (its `AllowedDevices` that have a path): `/dev/null`, `zero`,
 * `full`, `random`, `urandom` and `tty`, character devices of mode 0o666 owned by root. An OCI config's own
 * `linux.devices` entry of the same path takes the place of one (runc's rule).
 *
 * @example
 * ```ts
 * import { DEFAULT_DEVICES, type DeviceNode } from '@linuxns/core';
 * const own: DeviceNode[] = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }];
 * const devices = [...DEFAULT_DEVICES.filter((d) => !own.some((o) => o.path === d.path)), ...own];
 * console.log(devices.map((d) => d.path).join(' '));
 * ```
 */
export const DEFAULT_DEVICES: readonly DeviceNode[] = Object.freeze(
  ([['null', 1, 3], ['random', 1, 8], ['full', 1, 7], ['tty', 5, 0], ['zero', 1, 5], ['urandom', 1, 9]] as const).map(([name, major, minor]) =>
    Object.freeze({ path: `/dev/${name}`, type: 'c' as const, major, minor, fileMode: 0o666, uid: 0, gid: 0 }),
  ),
);

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 0xffffffff;

/** One node as the helper takes it; or why not. */
function deviceOf(d: DeviceNode, i: number): NonNullable<HelperRequest['devices']>[number] | string {
  const at = `devices[${i}]`;
  if (typeof d !== 'object' || d === null) return `${at} must be an object`;
  if (!isAbsolutePath(d.path) || d.path.split('/').includes('..')) return `${at}.path must be an absolute path without "..", got ${JSON.stringify(d.path)}`;
  if (!['c', 'b', 'u', 'p'].includes(d.type)) return `${at}.type must be c, b, u or p, got ${JSON.stringify(d.type)}`;
  const fifo = d.type === 'p';
  for (const k of ['major', 'minor'] as const) {
    const v = d[k];
    if (v === undefined ? !fifo : !isId(v)) return `${at}.${k} ${v === undefined ? 'is needed for a device' : `must be a whole number, got ${JSON.stringify(v)}`}`;
  }
  const mode = d.fileMode ?? 0o666;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0xffffffff) return `${at}.fileMode must be a file mode, got ${JSON.stringify(d.fileMode)}`;
  for (const k of ['uid', 'gid'] as const) if (d[k] !== undefined && !isId(d[k])) return `${at}.${k} must be an id from 0 to 4294967294, got ${JSON.stringify(d[k])}`;
  return [d.type === 'u' ? 'c' : d.type, d.major ?? 0, d.minor ?? 0, mode & 0o7777, d.uid ?? 0, d.gid ?? 0, d.path];
}

/** Validates `devices` and `devSymlinks` (their need of a rootfs is checked with the rootfs): the helper fields, or the error. */
export function devicesSettings(o: SpawnOptions): Result<Partial<HelperRequest>, NsError> {
  const out: { -readonly [K in keyof HelperRequest]?: HelperRequest[K] } = {};
  if (o.devices !== undefined) {
    if (!isArray(o.devices) || o.devices.length > MAX_DEVICES) return err(invalidOption('devices', `devices must be at most ${MAX_DEVICES} device nodes`));
    const list: Array<NonNullable<HelperRequest['devices']>[number]> = [];
    for (const [i, d] of o.devices.entries()) {
      const node = deviceOf(d, i);
      if (typeof node === 'string') return err(invalidOption('devices', node));
      list.push(node);
    }
    if (list.length) out.devices = list;
  }
  if (o.devSymlinks) out.devSymlinks = true;
  return ok(out);
}
