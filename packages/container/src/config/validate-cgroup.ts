/**
 * The cgroup of a config: its path below the hierarchy roots (never a root
 * itself, nor with a `.` or `..` segment) and its limits.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { normalizeCgroupPath } from '../cgroup.js';
import type { CgroupLimits } from '../cgroup-limit-types.js';
import { limitsRefusal } from '../cgroup-limits.js';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { isArray, isObject, posInt } from './shape.js';
import type { CgroupConfig } from './types.js';

type Failure = ContainerFailure | undefined;
const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const bad = (f: string, what: string, v: unknown): ContainerFailure => configInvalid(`cgroup.${f}`, `cgroup.${f} must be ${what}, got ${JSON.stringify(v)}`);

/** memory: positive limit (-1: none) and reservation, swap -1 or at least the limit (the kernel's and runc's rule), swappiness 0..100 (-1: unset). */
function checkMemory(m: CgroupLimits['memory'] | undefined): Failure {
  if (m === undefined) return undefined;
  if (!isObject(m)) return bad('memory', 'an object', m);
  if (m.limit !== undefined && !(m.limit === -1 || posInt(m.limit))) return bad('memory.limit', 'a positive number of bytes, or -1 for none', m.limit);
  if (m.reservation !== undefined && !posInt(m.reservation)) return bad('memory.reservation', 'a positive number of bytes', m.reservation);
  if (m.swap !== undefined) {
    if (!(m.swap === -1 || posInt(m.swap))) return bad('memory.swap', 'a positive number of bytes (memory plus swap) or -1', m.swap);
    if (m.swap !== -1 && (m.limit === undefined || m.limit === -1)) return configInvalid('cgroup.memory.swap', 'cgroup.memory.swap needs a memory.limit (runc: a swap limit without a memory limit is refused)');
    if (m.swap !== -1 && m.swap < m.limit!) return bad('memory.swap', `at least memory.limit (${m.limit}): it counts memory plus swap`, m.swap);
  }
  if (m.swappiness !== undefined && !(int(m.swappiness) && m.swappiness >= -1 && m.swappiness <= 100)) return bad('memory.swappiness', 'from 0 to 100', m.swappiness);
  if (m.disableOOMKiller !== undefined && typeof m.disableOOMKiller !== 'boolean') return bad('memory.disableOOMKiller', 'a boolean', m.disableOOMKiller);
  return undefined;
}

/** cpu: positive quota and period (µs), shares 2..262144, cpuset lists such as "0-2,4", realtime numbers. */
function checkCpu(c: CgroupLimits['cpu'] | undefined): Failure {
  if (c === undefined) return undefined;
  if (!isObject(c)) return bad('cpu', 'an object', c);
  for (const k of ['quota', 'period', 'realtimePeriod'] as const) if (c[k] !== undefined && !posInt(c[k])) return bad(`cpu.${k}`, 'a positive number of µs', c[k]);
  if (c.shares !== undefined && !(posInt(c.shares) && c.shares >= 2 && c.shares <= 262144)) return bad('cpu.shares', 'from 2 to 262144', c.shares);
  if (c.realtimeRuntime !== undefined && !(int(c.realtimeRuntime) && c.realtimeRuntime >= -1)) return bad('cpu.realtimeRuntime', 'a number of µs (-1: no limit)', c.realtimeRuntime);
  for (const k of ['cpus', 'mems'] as const) {
    if (c[k] !== undefined && !(typeof c[k] === 'string' && /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(c[k]))) return bad(`cpu.${k}`, 'a list such as "0-2,4"', c[k]);
  }
  return undefined;
}

/** A list of { major, minor, ...numbers } with each named number checked by `ok`. */
function checkDeviceList(list: unknown, f: string, keys: readonly string[], ok: (v: unknown) => boolean, what: string): Failure {
  if (list === undefined) return undefined;
  if (!isArray(list)) return bad(f, 'an array', list);
  for (const [i, d] of (list as unknown[]).entries()) {
    if (!isObject(d) || !int(d.major) || !int(d.minor) || d.major < 0 || d.minor < 0) return bad(`${f}[${i}]`, 'an object with major and minor device numbers', d);
    for (const k of keys) if (d[k] !== undefined && !ok(d[k])) return bad(`${f}[${i}].${k}`, what, d[k]);
    if (keys[0] === 'rate' && d.rate === undefined) return bad(`${f}[${i}].rate`, what, d.rate);
  }
  return undefined;
}

/** blockIO: weights 10..1000 (runc's range), throttles positive. */
function checkBlockIO(b: CgroupLimits['blockIO'] | undefined): Failure {
  if (b === undefined) return undefined;
  if (!isObject(b)) return bad('blockIO', 'an object', b);
  const weight = (v: unknown): boolean => int(v) && v >= 10 && v <= 1000;
  for (const k of ['weight', 'leafWeight'] as const) if (b[k] !== undefined && !weight(b[k])) return bad(`blockIO.${k}`, 'from 10 to 1000', b[k]);
  const e = checkDeviceList(b.weightDevice, 'blockIO.weightDevice', ['weight', 'leafWeight'], weight, 'from 10 to 1000');
  if (e) return e;
  for (const k of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    const t = checkDeviceList(b[k], `blockIO.${k}`, ['rate'], (v) => int(v) && v >= 0, 'a number per second');
    if (t) return t;
  }
  return undefined;
}

/** hugepageLimits: [{ pageSize: "2MB", limit }]. */
function checkHugepages(h: CgroupLimits['hugepageLimits'] | undefined): Failure {
  if (h === undefined) return undefined;
  if (!isArray(h)) return bad('hugepageLimits', 'an array', h);
  for (const [i, l] of (h as unknown[]).entries()) {
    if (!isObject(l) || typeof l.pageSize !== 'string' || !/^\d+[KMG]B$/.test(l.pageSize)) return bad(`hugepageLimits[${i}].pageSize`, 'a page size such as "2MB"', isObject(l) ? l.pageSize : l);
    if (!(int(l.limit) && l.limit >= 0)) return bad(`hugepageLimits[${i}].limit`, 'a number of bytes', l.limit);
  }
  return undefined;
}

/** devices: rules of { allow, type a|b|c, major, minor (-1: any), access letters of rwm }. */
function checkDevices(d: CgroupLimits['devices'] | undefined): Failure {
  if (d === undefined) return undefined;
  if (!isArray(d)) return bad('devices', 'an array of rules', d);
  for (const [i, r] of (d as unknown[]).entries()) {
    const f = `devices[${i}]`;
    if (!isObject(r) || typeof r.allow !== 'boolean') return bad(f, 'an object with a boolean allow', r);
    if (r.type !== undefined && !['a', 'b', 'c'].includes(r.type as string)) return bad(`${f}.type`, 'a, b or c', r.type);
    for (const k of ['major', 'minor'] as const) if (r[k] !== undefined && !(int(r[k]) && r[k] >= -1)) return bad(`${f}.${k}`, 'a device number (-1: any)', r[k]);
    if (r.access !== undefined && !(typeof r.access === 'string' && /^[rwm]{1,3}$/.test(r.access))) return bad(`${f}.access`, 'letters of rwm', r.access);
  }
  return undefined;
}

/** Checks `cgroup` (default: one without limits); what config.json keeps of it, its path normalized. */
export function checkCgroup(cgroup: CgroupConfig | false | undefined): Result<CgroupConfig | false, ContainerFailure> {
  const cg = cgroup ?? {};
  if (cg === false) return ok(false);
  const shape: unknown = cg; // JSON may hold anything: checked without narrowing the config's type
  if (!isObject(shape)) return err(configInvalid('cgroup', 'cgroup must be an object or false'));
  let path: string | undefined;
  if (cg.path !== undefined) {
    const p = normalizeCgroupPath(cg.path);
    if (typeof p !== 'string') return err(configInvalid('cgroup.path', `cgroup.path must name a cgroup below the hierarchy roots, without "." or ".." segments: ${p.why}; got ${JSON.stringify(cg.path)}`));
    path = p;
  }
  const bad = checkMemory(cg.memory) ?? checkCpu(cg.cpu) ?? checkBlockIO(cg.blockIO) ?? checkHugepages(cg.hugepageLimits) ?? checkDevices(cg.devices);
  if (bad) return err(bad);
  if (cg.pids !== undefined && !posInt(cg.pids?.limit)) return err(configInvalid('cgroup.pids.limit', 'cgroup.pids.limit must be a positive number'));
  const missing = limitsRefusal(cg);
  if (missing) return err(configInvalid(`cgroup.${missing.field}`, `cgroup.${missing.field} cannot be applied here: ${missing.why}`));
  return ok({ ...cg, ...(path !== undefined ? { path } : {}) });
}
