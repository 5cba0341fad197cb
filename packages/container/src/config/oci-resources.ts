/**
 * A runtime-spec config's `linux.resources` and `linux.cgroupsPath` → the
 * container's {@link CgroupConfig}, as runc 1.1 reads them: 0 is unset, a
 * memory or pids limit of -1 and a cpu quota of -1 are no limit; the device
 * rules get runc's defaults appended. What linuxns's cgroups do not set
 * (memory.kernel, kernelTCP, useHierarchy, cpu.idle, network, rdma,
 * unified) is refused by name.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { cgroupLayout } from '../cgroup.js';
import type { DeviceRule } from '../cgroup-limit-types.js';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { ociCgroupPath } from './cgroups-path.js';
import { refuseOthers } from './oci-fields.js';
import { isArray, isObject } from './shape.js';
import type { CgroupConfig } from './types.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A limit that runc reads as none: absent, 0 or -1 (pids: "0 or -1 is max"). */
const unlimited = (v: unknown): boolean => v === undefined || v === 0 || v === -1;

/**
 * `resources.devices` where no devices controller enforces them (cgroup v2: no BPF device program yet): the deny-all
 * rule the engines put first (`{ allow: false, access: 'rwm' }`), then allow rules. Without a new user namespace
 * CAP_MKNOD is dropped (the container config's rule), so that only the nodes made from the config can be opened;
 * the allow rules, which give no more than that, are taken. A deny rule after them, or allow rules without the
 * deny-all, would need the device cgroup: refused by name.
 */
function checkDeviceRules(rules: unknown, refused: string[]): ContainerFailure | undefined {
  if (rules === undefined) return undefined;
  if (!isArray(rules)) return configInvalid('linux.resources.devices', 'linux.resources.devices must be an array');
  for (const [i, r] of (rules as unknown[]).entries()) {
    const f = `linux.resources.devices[${i}]`;
    if (!isObject(r) || typeof r.allow !== 'boolean') return configInvalid(f, `${f} must be an object with a boolean allow`);
    refuseOthers(r, `${f}.`, ['allow', 'type', 'major', 'minor', 'access'], refused);
    if (r.type !== undefined && !['a', 'b', 'c'].includes(r.type as string)) return configInvalid(`${f}.type`, `${f}.type must be a, b or c, got ${JSON.stringify(r.type)}`);
    for (const k of ['major', 'minor'] as const) {
      const v = r[k];
      if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= -1)) return configInvalid(`${f}.${k}`, `${f}.${k} must be a device number (-1: any), got ${JSON.stringify(v)}`);
    }
    if (r.access !== undefined && !(typeof r.access === 'string' && /^[rwm]{1,3}$/.test(r.access))) return configInvalid(`${f}.access`, `${f}.access must be letters of rwm, got ${JSON.stringify(r.access)}`);
    const denyAll = !r.allow && (r.type === undefined || r.type === 'a') && (r.access === undefined || r.access === 'rwm') && r.major === undefined && r.minor === undefined;
    if (i === 0 && !denyAll) refused.push(`${f} (the first rule must deny all: linuxns does not program the device cgroup)`);
    else if (i > 0 && !r.allow) refused.push(`${f} (a deny rule after the first deny-all needs the device cgroup, which linuxns does not program)`);
  }
  return undefined;
}

/** The rules runc 1.1 appends to every container's device rules (mknod of any node; the default devices, /dev/pts, ptmx, tun). */
const RUNC_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' },
  ...[[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [136, -1], [5, 2], [10, 200]].map(([major, minor]) => ({ allow: true, type: 'c' as const, major, minor, access: 'rwm' })),
];

/** The v1 devices controller is there to enforce device rules. */
const devicesEnforceable = (): boolean => cgroupLayout() === 'v1' && existsSync('/sys/fs/cgroup/devices/devices.allow');

/**
 * `resources.devices` where the devices controller enforces them (cgroup v1): the config's rules in order, then
 * runc's default ones, over a deny-all start, as runc 1.1 (runc's emulator starts from a deny-all list too).
 */
function ociDeviceRules(rules: unknown, refused: string[]): DeviceRule[] | ContainerFailure {
  if (rules !== undefined && !isArray(rules)) return configInvalid('linux.resources.devices', 'linux.resources.devices must be an array');
  const out: DeviceRule[] = [];
  for (const [i, r] of ((rules ?? []) as unknown[]).entries()) {
    const f = `linux.resources.devices[${i}]`;
    if (!isObject(r)) return configInvalid(f, `${f} must be an object with a boolean allow`);
    refuseOthers(r, `${f}.`, ['allow', 'type', 'major', 'minor', 'access'], refused);
    if (typeof r.access !== 'string' || r.access === '') return configInvalid(`${f}.access`, `${f}.access must be letters of rwm (runc: it cannot be empty), got ${JSON.stringify(r.access)}`);
    // checked by the cgroup's own rules once converted (named as config.json names them)
    const rule: Record<string, unknown> = { allow: r.allow, access: r.access };
    for (const k of ['type', 'major', 'minor'] as const) if (r[k] !== undefined && r[k] !== null) rule[k] = r[k];
    out.push(rule as unknown as DeviceRule);
  }
  return [...out, ...RUNC_DEVICE_RULES];
}

/** The values of `o` at `keys` that runc writes (not 0, the runtime-spec's "unset"), and the rest refused. */
function taken(o: unknown, prefix: string, keys: readonly string[], refused: string[], skip: (v: unknown, k: string) => boolean = (v, k) => v === undefined || (k === 'cpus' || k === 'mems' ? v === '' : v === 0)): Record<string, unknown> | ContainerFailure | undefined {
  if (o === undefined) return undefined;
  if (!isObject(o)) return configInvalid(prefix.slice(0, -1), `${prefix.slice(0, -1)} must be an object`);
  refuseOthers(o, prefix, keys, refused);
  const out: Record<string, unknown> = {};
  for (const k of keys) if (!skip(o[k], k)) out[k] = o[k];
  return Object.keys(out).length ? out : undefined;
}

const isFailure = (v: unknown): v is ContainerFailure => isObject(v) && typeof v.kind === 'string';

/** `linux.resources` and `linux.cgroupsPath` → the cgroup config; unsupported fields pushed to `refused`. */
export function ociCgroup(resources: unknown, cgroupsPath: unknown, refused: string[]): CgroupConfig | ContainerFailure {
  const out: Writable<CgroupConfig> = {};
  if (cgroupsPath !== undefined) {
    if (typeof cgroupsPath !== 'string') return configInvalid('linux.cgroupsPath', `linux.cgroupsPath must be a string, got ${JSON.stringify(cgroupsPath)}`);
    const path = ociCgroupPath(cgroupsPath);
    if (typeof path === 'object') return configInvalid('linux.cgroupsPath', `linux.cgroupsPath ${JSON.stringify(cgroupsPath)}: ${path.why}`);
    if (path !== undefined) out.path = path;
  }
  const enforce = devicesEnforceable();
  // runc programs the device cgroup for every container, with or without rules in the config.
  if (enforce && (resources === undefined || isObject(resources))) {
    const devices = ociDeviceRules(isObject(resources) ? resources.devices : undefined, refused);
    if (isFailure(devices)) return devices;
    out.devices = devices;
  }
  if (resources === undefined) return out;
  if (!isObject(resources)) return configInvalid('linux.resources', 'linux.resources must be an object');
  refuseOthers(resources, 'linux.resources.', ['memory', 'pids', 'cpu', 'devices', 'blockIO', 'hugepageLimits'], refused);
  const { memory, pids, cpu, blockIO } = resources;
  // runc: a memory limit of -1 is none, a swap of -1 unlimited; a swappiness of -1 unset.
  const mem = taken(memory, 'linux.resources.memory.', ['limit', 'reservation', 'swap', 'swappiness', 'disableOOMKiller'], refused, (v) => v === 0 || v === undefined || v === false);
  if (isFailure(mem)) return mem;
  if (mem && (mem.limit === -1)) delete mem.limit;
  if (mem && mem.swappiness === -1) delete mem.swappiness;
  if (mem && Object.keys(mem).length) out.memory = mem;
  const p = taken(pids, 'linux.resources.pids.', ['limit'], refused, unlimited);
  if (isFailure(p)) return p;
  if (p) out.pids = p as CgroupConfig['pids'];
  const c = taken(cpu, 'linux.resources.cpu.', ['quota', 'period', 'shares', 'cpus', 'mems', 'realtimeRuntime', 'realtimePeriod'], refused);
  if (isFailure(c)) return c;
  if (c && c.quota === -1) delete c.quota;
  if (c && Object.keys(c).length) out.cpu = c;
  const io = taken(blockIO, 'linux.resources.blockIO.', ['weight', 'leafWeight', 'weightDevice', 'throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'], refused);
  if (isFailure(io)) return io;
  if (io) out.blockIO = io;
  if (resources.hugepageLimits !== undefined) out.hugepageLimits = resources.hugepageLimits as CgroupConfig['hugepageLimits'];
  return (enforce ? undefined : checkDeviceRules(resources.devices, refused)) ?? out;
}
