/**
 * The limits of a container's cgroup and how they are written, as runc 1.1
 * writes them: each v1 hierarchy's own files (memory, pids, cpu, cpuset,
 * blkio, hugetlb, devices), or v2's. What this kernel has no file for is
 * found before anything is made ({@link limitsRefusal}).
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { CgroupLimits } from './cgroup-limit-types.js';

const ROOT = '/sys/fs/cgroup';

/** The layout of the hierarchies (same as cgroup.ts's, read here to keep the modules apart). */
const isV2 = (): boolean => existsSync(join(ROOT, 'cgroup.controllers'));

/** A v1 hierarchy's root has `file` (its controller mounted, and the kernel has the file). */
const v1Has = (controller: string, file: string): boolean => existsSync(join(ROOT, controller, file));

/** v2: the controller is available at the root. */
function v2Has(controller: string): boolean {
  try {
    return readFileSync(join(ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(controller);
  } catch {
    return false;
  }
}

/** The weight file of blkio (runc: blkio.weight, else bfq's), undefined when the kernel has neither. */
function blkioWeightFile(device: boolean): string | undefined {
  const plain = device ? 'blkio.weight_device' : 'blkio.weight';
  const bfq = device ? 'blkio.bfq.weight_device' : 'blkio.bfq.weight';
  return v1Has('blkio', plain) ? plain : v1Has('blkio', bfq) ? bfq : undefined;
}

/**
 * What this machine's cgroups cannot do of `limits`: the field (below `cgroup.`) and why, or undefined. runc 1.1 fails
 * the start writing the missing file (after making the cgroup); linuxns says so before anything is made.
 */
export function limitsRefusal(limits: CgroupLimits): { field: string; why: string } | undefined {
  const v2 = isV2();
  const { memory, cpu, blockIO, hugepageLimits, devices } = limits;
  if (memory?.swap !== undefined && !(v2 ? v2Has('memory') : v1Has('memory', 'memory.memsw.limit_in_bytes'))) {
    return { field: 'memory.swap', why: 'this kernel has no swap accounting (memory.memsw.limit_in_bytes is missing: boot with swapaccount=1), as runc fails writing it' };
  }
  if (!v2 && memory?.swappiness !== undefined && !v1Has('memory', 'memory.swappiness')) return { field: 'memory.swappiness', why: 'this kernel has no memory.swappiness' };
  if (cpu && (cpu.cpus !== undefined || cpu.mems !== undefined) && !(v2 ? v2Has('cpuset') : v1Has('cpuset', 'cpuset.cpus'))) return { field: 'cpu.cpus', why: 'the cpuset controller is not mounted' };
  if (cpu && (cpu.realtimeRuntime !== undefined || cpu.realtimePeriod !== undefined)) {
    if (v2) return { field: 'cpu.realtimeRuntime', why: 'realtime bandwidth has no cgroup v2 file (runc refuses it there too)' };
    if (!v1Has('cpu', 'cpu.rt_runtime_us')) return { field: 'cpu.realtimeRuntime', why: 'this kernel has no cpu.rt_runtime_us (CONFIG_RT_GROUP_SCHED is off)' };
  }
  if (blockIO) {
    if (v2 && !v2Has('io')) return { field: 'blockIO', why: 'the io controller is not available' };
    if (!v2 && !existsSync(join(ROOT, 'blkio', 'cgroup.procs'))) return { field: 'blockIO', why: 'the blkio controller is not mounted' };
    if (!v2 && blockIO.weight !== undefined && !blkioWeightFile(false)) {
      return { field: 'blockIO.weight', why: 'this kernel has neither blkio.weight nor blkio.bfq.weight (no CFQ or BFQ scheduler), as runc fails writing it' };
    }
    if (!v2 && blockIO.weightDevice?.length && !blkioWeightFile(true)) return { field: 'blockIO.weightDevice', why: 'this kernel has neither blkio.weight_device nor blkio.bfq.weight_device' };
    if (blockIO.leafWeight !== undefined && (v2 || !v1Has('blkio', 'blkio.leaf_weight'))) return { field: 'blockIO.leafWeight', why: 'this kernel has no blkio.leaf_weight' };
  }
  for (const [i, h] of (hugepageLimits ?? []).entries()) {
    const present = v2 ? v2Has('hugetlb') : v1Has('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`);
    if (!present) {
      const why = (v2 ? v2Has('hugetlb') : existsSync(join(ROOT, 'hugetlb', 'cgroup.procs'))) ? `the hugetlb controller has no page size ${h.pageSize}` : 'the hugetlb controller is not mounted on this machine';
      return { field: `hugepageLimits[${i}]`, why: `${why}; runc fails the start there too` };
    }
  }
  if (devices !== undefined) {
    if (v2) return { field: 'devices', why: 'cgroup v2 enforces devices by a BPF program, which linuxns does not load' };
    if (!v1Has('devices', 'devices.allow')) return { field: 'devices', why: 'the devices controller is not mounted' };
  }
  return undefined;
}

/** The v1 controller of a directory in /sys/fs/cgroup/<controller>/... */
const controllerOf = (dir: string): string => dir.slice(ROOT.length + 1).split('/')[0]!;

/** `major:minor` for a device rule's numbers (-1 or missing: `*`). */
const num = (n: number | undefined): string => (n === undefined || n === -1 ? '*' : String(n));

/** v1: the cpuset's cpus and mems of `dir` and each of its ancestors, copied from its parent where empty (runc's ensureParent). */
function fillCpuset(dir: string): void {
  const chain: string[] = [];
  for (let d = dir; d !== join(ROOT, 'cpuset') && d.startsWith(`${ROOT}/cpuset/`); d = dirname(d)) chain.unshift(d);
  for (const d of chain) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (readFileSync(join(d, f), 'utf8').trim() === '') writeFileSync(join(d, f), readFileSync(join(dirname(d), f), 'utf8').trim());
    }
  }
}

/** A value of `file` in `dir`, or none when it cannot be read. */
function readNumber(dir: string, file: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, file), 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** The writes of memory, as runc: swap before the limit when the new swap is above the current limit (or unlimited). */
function memoryWrites(dir: string, v2: boolean, m: NonNullable<CgroupLimits['memory']>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (v2) {
    if (m.swap !== undefined) out.push(['memory.swap.max', m.swap === -1 ? 'max' : String(m.swap - (m.limit ?? 0))]);
    if (m.limit !== undefined) out.push(['memory.max', m.limit === -1 ? 'max' : String(m.limit)]);
    if (m.reservation !== undefined) out.push(['memory.low', String(m.reservation)]);
    return out;
  }
  // runc: no memory limit (-1) without a swap given lifts memory+swap too, where swap is accounted.
  const swapValue = m.swap ?? (m.limit === -1 && existsSync(join(dir, 'memory.memsw.limit_in_bytes')) ? -1 : undefined);
  const limit: Array<[string, string]> = m.limit !== undefined ? [['memory.limit_in_bytes', String(m.limit)]] : [];
  const swap: Array<[string, string]> = swapValue !== undefined ? [['memory.memsw.limit_in_bytes', String(swapValue)]] : [];
  const current = readNumber(dir, 'memory.limit_in_bytes');
  const swapFirst = m.limit !== undefined && swapValue !== undefined && (swapValue === -1 || (current !== undefined && current < swapValue));
  out.push(...(swapFirst ? [...swap, ...limit] : [...limit, ...swap]));
  if (m.reservation !== undefined) out.push(['memory.soft_limit_in_bytes', String(m.reservation)]);
  if (m.disableOOMKiller) out.push(['memory.oom_control', '1']);
  if (m.swappiness !== undefined && m.swappiness !== -1) out.push(['memory.swappiness', String(m.swappiness)]);
  return out;
}

/** The writes of cpu and cpuset. */
function cpuWrites(v2: boolean, controller: string | undefined, cpu: NonNullable<CgroupLimits['cpu']>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const period = cpu.period ?? 100000;
  if (v2 || controller === 'cpu') {
    if (v2) {
      if (cpu.quota !== undefined) out.push(['cpu.max', `${cpu.quota} ${period}`]);
      // The kernel's own conversion of shares (2..262144) to a weight (1..10000), as runc does.
      if (cpu.shares !== undefined) out.push(['cpu.weight', String(1 + Math.floor(((cpu.shares - 2) * 9999) / 262142))]);
    } else {
      if (cpu.quota !== undefined) out.push(['cpu.cfs_period_us', String(period)], ['cpu.cfs_quota_us', String(cpu.quota)]);
      if (cpu.shares !== undefined) out.push(['cpu.shares', String(cpu.shares)]);
      if (cpu.realtimePeriod !== undefined) out.push(['cpu.rt_period_us', String(cpu.realtimePeriod)]);
      if (cpu.realtimeRuntime !== undefined) out.push(['cpu.rt_runtime_us', String(cpu.realtimeRuntime)]);
    }
  }
  if (v2 || controller === 'cpuset') {
    if (cpu.cpus !== undefined) out.push(['cpuset.cpus', cpu.cpus]);
    if (cpu.mems !== undefined) out.push(['cpuset.mems', cpu.mems]);
  }
  return out;
}

/** The writes of block I/O (v1 blkio files; v2 io.weight, io.max). */
function blkioWrites(v2: boolean, b: NonNullable<CgroupLimits['blockIO']>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const dev = (d: { major: number; minor: number }): string => `${d.major}:${d.minor}`;
  if (v2) {
    // runc's conversion of a blkio weight (10..1000) to io.weight (1..10000).
    if (b.weight !== undefined) out.push(['io.weight', String(1 + Math.floor(((b.weight - 10) * 9999) / 990))]);
    for (const d of b.weightDevice ?? []) if (d.weight !== undefined) out.push(['io.weight', `${dev(d)} ${1 + Math.floor(((d.weight - 10) * 9999) / 990)}`]);
    for (const [list, key] of [[b.throttleReadBpsDevice, 'rbps'], [b.throttleWriteBpsDevice, 'wbps'], [b.throttleReadIOPSDevice, 'riops'], [b.throttleWriteIOPSDevice, 'wiops']] as const) {
      for (const d of list ?? []) out.push(['io.max', `${dev(d)} ${key}=${d.rate}`]);
    }
    return out;
  }
  if (b.weight !== undefined) out.push([blkioWeightFile(false)!, String(b.weight)]);
  if (b.leafWeight !== undefined) out.push(['blkio.leaf_weight', String(b.leafWeight)]);
  for (const d of b.weightDevice ?? []) {
    if (d.weight !== undefined) out.push([blkioWeightFile(true)!, `${dev(d)} ${d.weight}`]);
    if (d.leafWeight !== undefined) out.push(['blkio.leaf_weight_device', `${dev(d)} ${d.leafWeight}`]);
  }
  for (const [list, file] of [[b.throttleReadBpsDevice, 'read_bps'], [b.throttleWriteBpsDevice, 'write_bps'], [b.throttleReadIOPSDevice, 'read_iops'], [b.throttleWriteIOPSDevice, 'write_iops']] as const) {
    for (const d of list ?? []) out.push([`blkio.throttle.${file}_device`, `${dev(d)} ${d.rate}`]);
  }
  return out;
}

/** The files and values of `limits` for cgroup directory `dir`, in the order they are written. */
function limitWrites(dir: string, limits: CgroupLimits): Array<[string, string]> {
  const v2 = isV2();
  const controller = v2 ? undefined : controllerOf(dir);
  const wants = (c: string): boolean => v2 || controller === c;
  const out: Array<[string, string]> = [];
  if (limits.memory && wants('memory')) out.push(...memoryWrites(dir, v2, limits.memory));
  if (limits.pids && wants('pids')) out.push(['pids.max', String(limits.pids.limit)]);
  if (limits.cpu) out.push(...cpuWrites(v2, controller, limits.cpu));
  if (limits.blockIO && (v2 || controller === 'blkio')) out.push(...blkioWrites(v2, limits.blockIO));
  for (const h of limits.hugepageLimits ?? []) if (wants('hugetlb')) out.push([`hugetlb.${h.pageSize}.${v2 ? 'max' : 'limit_in_bytes'}`, String(h.limit)]);
  if (limits.devices && controller === 'devices') {
    // runc's result: everything denied, then each rule in order (the kernel merges and removes exceptions as runc's emulator does).
    out.push(['devices.deny', 'a']);
    for (const r of limits.devices) out.push([r.allow ? 'devices.allow' : 'devices.deny', `${r.type ?? 'a'} ${num(r.major)}:${num(r.minor)} ${r.access ?? 'rwm'}`]);
  }
  return out;
}

/**
 * Writes `limits` to the cgroup directory `dir` (v1: the files of its hierarchy only; a new v1 cpuset first gets its
 * parent's cpus and mems, as runc). Throws the first failed write's error, with its path.
 */
export function writeLimitFiles(dir: string, limits: CgroupLimits): void {
  if (!isV2() && controllerOf(dir) === 'cpuset') fillCpuset(dir);
  for (const [file, value] of limitWrites(dir, limits)) {
    try {
      writeFileSync(join(dir, file), value);
    } catch (e) {
      throw Object.assign(e as Error, { path: join(dir, file), value });
    }
  }
}
