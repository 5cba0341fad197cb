/**
 * A runtime-spec config's `mounts` and `linux.devices` → the container's
 * mounts, device nodes and `/dev` links, made as runc 1.1 makes them: every
 * mount in order by core's spawn (proc, sysfs, tmpfs, devpts, mqueue, cgroup,
 * overlay, binds of files and directories), then the devices (runc's
 * defaults, replaced by a config entry of the same path), then `/dev/ptmx`
 * and the fd links; neither the devices nor the links when a bind covers
 * `/dev` (runc's `needsSetupDev`).
 *
 * @module
 */
import { isAbsolute, join, posix } from 'node:path';
import { DEFAULT_DEVICES, type DeviceNode, type MountSpec } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { isArray, isObject } from './shape.js';
import { refuseOthers } from './oci-fields.js';

/** What `mounts` and `linux.devices` become. */
export interface OciMounts {
  readonly mounts: MountSpec[];
  readonly devices: DeviceNode[];
  readonly devSymlinks: boolean;
}

/** True for a bind: type `bind`, or the option `bind` or `rbind` (runc's rule: any type with them is a bind). */
const isBind = (type: unknown, options: readonly string[]): boolean => type === 'bind' || options.includes('bind') || options.includes('rbind');

/** The mounts of `spec.mounts` (relative bind sources are the bundle's); unsupported mount fields pushed to `refused`. */
function mountList(list: unknown, bundle: string, refused: string[]): MountSpec[] | ContainerFailure {
  if (list === undefined) return [];
  if (!isArray(list)) return configInvalid('mounts', 'mounts must be an array');
  const out: MountSpec[] = [];
  for (const [i, m] of (list as unknown[]).entries()) {
    if (!isObject(m) || typeof m.destination !== 'string') return configInvalid(`mounts[${i}].destination`, `mounts[${i}] needs a destination`);
    // uidMappings/gidMappings of a mount (runtime-spec 1.1): refused; idmap and ridmap binds take the container's mappings.
    refuseOthers(m, `mounts[${i}].`, ['destination', 'type', 'source', 'options'], refused);
    if (m.options !== undefined && !(isArray(m.options) && (m.options as unknown[]).every((o) => typeof o === 'string'))) return configInvalid(`mounts[${i}].options`, `mounts[${i}].options must be strings`);
    const options = (m.options ?? []) as string[];
    const bind = isBind(m.type, options);
    const source = typeof m.source === 'string' && bind && !isAbsolute(m.source) ? join(bundle, m.source) : m.source;
    out.push({
      destination: m.destination,
      ...(m.type !== undefined && m.type !== 'none' ? { type: m.type as string } : {}),
      ...(source !== undefined ? { source: source as string } : {}),
      options,
    });
  }
  return out;
}

/** runc's `needsSetupDev`: false when a bind covers `/dev`. */
function setsUpDev(mounts: readonly MountSpec[]): boolean {
  return !mounts.some((m) => posix.normalize(m.destination) === '/dev' && isBind(m.type, m.options ?? []));
}

/** The device nodes: runc's defaults, each replaced by a `linux.devices` entry of its path, then the config's. */
function deviceList(list: unknown, refused: string[]): DeviceNode[] | ContainerFailure {
  if (list === undefined) return [...DEFAULT_DEVICES];
  if (!isArray(list)) return configInvalid('linux.devices', 'linux.devices must be an array');
  const own = list as unknown[];
  for (const [i, d] of own.entries()) {
    if (!isObject(d)) return configInvalid(`linux.devices[${i}]`, `linux.devices[${i}] must be an object`);
    refuseOthers(d, `linux.devices[${i}].`, ['path', 'type', 'major', 'minor', 'fileMode', 'uid', 'gid'], refused);
  }
  const paths = new Set(own.map((d) => (d as DeviceNode).path));
  return [...DEFAULT_DEVICES.filter((d) => !paths.has(d.path)), ...(own as DeviceNode[])];
}

/** `spec.mounts` and `spec.linux.devices` of the bundle at `bundle`: what the container makes; or the field at fault. */
export function ociMounts(mounts: unknown, devices: unknown, bundle: string, refused: string[]): OciMounts | ContainerFailure {
  const m = mountList(mounts, bundle, refused);
  if (!isArray(m)) return m as ContainerFailure;
  const list = m as MountSpec[];
  if (!setsUpDev(list)) return { mounts: list, devices: [], devSymlinks: false };
  const d = deviceList(devices, refused);
  if (!isArray(d)) return d as ContainerFailure;
  return { mounts: list, devices: d as DeviceNode[], devSymlinks: true };
}
