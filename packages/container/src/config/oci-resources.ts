/**
 * A runtime-spec config's `linux.resources` and `linux.cgroupsPath` → the
 * container's {@link CgroupConfig}. runc's "no limit" values (a memory or
 * pids limit of 0 or -1, a cpu quota of -1) are no limit; what linuxns's
 * cgroups do not set yet is refused by name.
 *
 * @module
 */
import { configInvalid, type ContainerFailure } from '../errors.js';
import { ociCgroupPath } from './cgroups-path.js';
import { refuseOthers } from './oci-fields.js';
import { isArray, isObject } from './shape.js';
import type { CgroupConfig } from './types.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A limit that runc reads as none: absent, 0 or -1 (pids: "0 or -1 is max"). */
const unlimited = (v: unknown): boolean => v === undefined || v === 0 || v === -1;

/**
 * `resources.devices`: the deny-all rule the engines put first (`{ allow: false, access: 'rwm' }`), then allow
 * rules. With it runc's device cgroup denies all but the container's nodes; linuxns does not program the device
 * cgroup, but without a new user namespace it drops CAP_MKNOD (the container config's rule), so that only the
 * nodes made from the config can be opened; the allow rules, which give no more than that, are taken. A deny
 * rule after them, or allow rules without the deny-all, would need the device cgroup: refused by name.
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

/** `linux.resources` and `linux.cgroupsPath` → the cgroup config; unsupported fields pushed to `refused`. */
export function ociCgroup(resources: unknown, cgroupsPath: unknown, refused: string[]): CgroupConfig | ContainerFailure {
  const out: Writable<CgroupConfig> = {};
  if (cgroupsPath !== undefined) {
    if (typeof cgroupsPath !== 'string') return configInvalid('linux.cgroupsPath', `linux.cgroupsPath must be a string, got ${JSON.stringify(cgroupsPath)}`);
    const path = ociCgroupPath(cgroupsPath);
    if (typeof path === 'object') return configInvalid('linux.cgroupsPath', `linux.cgroupsPath ${JSON.stringify(cgroupsPath)}: ${path.why}`);
    if (path !== undefined) out.path = path;
  }
  if (resources === undefined) return out;
  if (!isObject(resources)) return configInvalid('linux.resources', 'linux.resources must be an object');
  refuseOthers(resources, 'linux.resources.', ['memory', 'pids', 'cpu', 'devices'], refused);
  const { memory, pids, cpu } = resources;
  for (const [k, v, keys] of [['memory', memory, ['limit']], ['pids', pids, ['limit']], ['cpu', cpu, ['quota', 'period', 'shares']]] as const) {
    if (v !== undefined && !isObject(v)) return configInvalid(`linux.resources.${k}`, `linux.resources.${k} must be an object`);
    refuseOthers(v, `linux.resources.${k}.`, keys, refused);
  }
  if (isObject(memory) && !unlimited(memory.limit)) out.memory = { limit: memory.limit as number };
  if (isObject(pids) && !unlimited(pids.limit)) out.pids = { limit: pids.limit as number };
  if (isObject(cpu)) {
    const c = { ...(cpu.quota !== -1 && cpu.quota !== undefined ? { quota: cpu.quota } : {}), ...(cpu.period !== undefined ? { period: cpu.period } : {}), ...(cpu.shares ? { shares: cpu.shares } : {}) };
    if (Object.keys(c).length) out.cpu = c as CgroupConfig['cpu'];
  }
  return checkDeviceRules(resources.devices, refused) ?? out;
}
