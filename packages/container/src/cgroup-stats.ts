/**
 * What a container's cgroup has used: CPU, memory, pids and block I/O, read
 * from the cgroup files (v1's cpuacct, cpu, memory, pids and blkio
 * hierarchies, or v2's cpu.stat, memory.*, pids.* and io.stat), in the
 * names of runc's `events --stats`, so that an OCI runtime prints them as
 * they are.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupLayout } from './cgroup.js';

/** CPU time in nanoseconds, and the throttling of a CPU quota (runc's names). */
export interface CpuStats {
  readonly usage: {
    readonly total: number;
    /** Per CPU, where the kernel tells it (v1's cpuacct). */
    readonly percpu?: readonly number[];
    readonly percpu_kernel?: readonly number[];
    readonly percpu_user?: readonly number[];
    readonly kernel: number;
    readonly user: number;
  };
  readonly throttling: { readonly periods?: number; readonly throttled_periods?: number; readonly throttled_time?: number };
}

/** One memory counter (bytes; `limit` 2^63 rounded down to a page for none, as the kernel shows it). */
export interface MemoryEntry {
  readonly limit: number;
  readonly usage?: number;
  readonly max?: number;
  readonly failcnt: number;
}

/** Memory: `usage` (v1 memory.usage_in_bytes, v2 memory.current), `swap` (v1 memsw), `cache`, and `raw`: memory.stat as it is. */
export interface MemoryStats {
  readonly cache?: number;
  readonly usage: MemoryEntry;
  readonly swap?: MemoryEntry;
  readonly raw: Readonly<Record<string, number>>;
}

/** One block I/O counter of a device. */
export interface BlkioEntry {
  readonly major: number;
  readonly minor: number;
  readonly op: string;
  readonly value: number;
}

/** What a container's cgroup has used, in the names runc's `events --stats` prints. */
export interface ContainerStats {
  readonly cpu: CpuStats;
  readonly memory: MemoryStats;
  /** Processes and threads now, and the limit (absent when there is none). */
  readonly pids: { readonly current: number; readonly limit?: number };
  readonly blkio: { readonly ioServiceBytesRecursive?: readonly BlkioEntry[]; readonly ioServicedRecursive?: readonly BlkioEntry[] };
}

/** Nanoseconds per USER_HZ tick (cpuacct.stat counts ticks; USER_HZ is 100 on Linux). */
const NS_PER_TICK = 1e7;

function read(dir: string | undefined, file: string): string | undefined {
  if (dir === undefined) return undefined;
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
}

function num(text: string | undefined): number {
  const n = Number(text?.trim());
  return Number.isFinite(n) ? n : 0;
}

/** "key value" lines (cpu.stat, memory.stat, cpuacct.stat) as numbers. */
function keyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text?.split('\n') ?? []) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

const list = (text: string | undefined): number[] | undefined => text?.trim().split(/\s+/).filter(Boolean).map(Number);

/** v1 blkio lines "MAJ:MIN Op value" (the total lines left out, as runc). */
function blkioLines(text: string | undefined): BlkioEntry[] | undefined {
  if (text === undefined) return undefined;
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line);
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3]!, value: Number(m[4]) });
  }
  return out;
}

function v1Stats(dirs: readonly string[]): ContainerStats {
  const of = (h: string): string | undefined => dirs.find((d) => d.startsWith(`/sys/fs/cgroup/${h}/`));
  const acct = of('cpuacct');
  const cpu = of('cpu');
  const mem = of('memory');
  const pids = of('pids');
  const blkio = of('blkio');
  const ticks = keyed(read(acct, 'cpuacct.stat'));
  const throttle = keyed(read(cpu, 'cpu.stat'));
  const percpu = list(read(acct, 'cpuacct.usage_percpu'));
  const kernel = list(read(acct, 'cpuacct.usage_percpu_sys'));
  const user = list(read(acct, 'cpuacct.usage_percpu_user'));
  const raw = keyed(read(mem, 'memory.stat'));
  const entry = (prefix: string): MemoryEntry => ({
    limit: num(read(mem, `${prefix}.limit_in_bytes`)),
    usage: num(read(mem, `${prefix}.usage_in_bytes`)),
    max: num(read(mem, `${prefix}.max_usage_in_bytes`)),
    failcnt: num(read(mem, `${prefix}.failcnt`)),
  });
  const pidsMax = read(pids, 'pids.max')?.trim();
  // The CFQ scheduler's counters, else the throttling layer's (which every device has), as runc.
  const counted = (name: string): BlkioEntry[] => {
    const cfq = blkioLines(read(blkio, `blkio.${name}`)) ?? [];
    return cfq.length ? cfq : (blkioLines(read(blkio, `blkio.throttle.${name}`)) ?? []);
  };
  const bytes = counted('io_service_bytes_recursive');
  const ios = counted('io_serviced_recursive');
  return {
    cpu: {
      usage: {
        total: num(read(acct, 'cpuacct.usage')),
        ...(percpu ? { percpu } : {}),
        ...(kernel ? { percpu_kernel: kernel } : {}),
        ...(user ? { percpu_user: user } : {}),
        kernel: (ticks.system ?? 0) * NS_PER_TICK,
        user: (ticks.user ?? 0) * NS_PER_TICK,
      },
      throttling: throttle.nr_periods ? { periods: throttle.nr_periods, throttled_periods: throttle.nr_throttled ?? 0, throttled_time: throttle.throttled_time ?? 0 } : {},
    },
    memory: {
      ...(raw.cache !== undefined ? { cache: raw.cache } : {}),
      usage: entry('memory'),
      ...(read(mem, 'memory.memsw.usage_in_bytes') !== undefined ? { swap: entry('memory.memsw') } : {}),
      raw,
    },
    pids: { current: num(read(pids, 'pids.current')), ...(pidsMax && pidsMax !== 'max' ? { limit: Number(pidsMax) } : {}) },
    blkio: {
      ...(bytes.length ? { ioServiceBytesRecursive: bytes } : {}),
      ...(ios.length ? { ioServicedRecursive: ios } : {}),
    },
  };
}

function v2Stats(dir: string | undefined): ContainerStats {
  const cpu = keyed(read(dir, 'cpu.stat'));
  const raw = keyed(read(dir, 'memory.stat'));
  const limit = (file: string): number => {
    const t = read(dir, file)?.trim();
    return t === undefined || t === 'max' ? 2 ** 63 - 4096 : Number(t);
  };
  const pidsMax = read(dir, 'pids.max')?.trim();
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of read(dir, 'io.stat')?.split('\n') ?? []) {
    const [dev, ...fields] = line.split(' ');
    const [major, minor] = (dev ?? '').split(':').map(Number);
    if (major === undefined || minor === undefined || !fields.length) continue;
    const f: Record<string, number | undefined> = Object.fromEntries(fields.map((x): [string, number] => [x.split('=')[0] ?? '', Number(x.split('=')[1])]));
    bytes.push({ major, minor, op: 'Read', value: f.rbytes ?? 0 }, { major, minor, op: 'Write', value: f.wbytes ?? 0 });
    ios.push({ major, minor, op: 'Read', value: f.rios ?? 0 }, { major, minor, op: 'Write', value: f.wios ?? 0 });
  }
  return {
    cpu: {
      usage: { total: (cpu.usage_usec ?? 0) * 1000, kernel: (cpu.system_usec ?? 0) * 1000, user: (cpu.user_usec ?? 0) * 1000 },
      throttling: cpu.nr_periods ? { periods: cpu.nr_periods, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000 } : {},
    },
    memory: {
      ...(raw.file !== undefined ? { cache: raw.file } : {}),
      usage: { limit: limit('memory.max'), usage: num(read(dir, 'memory.current')), ...(read(dir, 'memory.peak') !== undefined ? { max: num(read(dir, 'memory.peak')) } : {}), failcnt: keyed(read(dir, 'memory.events')).max ?? 0 },
      ...(read(dir, 'memory.swap.current') !== undefined ? { swap: { limit: limit('memory.swap.max'), usage: num(read(dir, 'memory.swap.current')), failcnt: 0 } } : {}),
      raw,
    },
    pids: { current: num(read(dir, 'pids.current')), ...(pidsMax && pidsMax !== 'max' ? { limit: Number(pidsMax) } : {}) },
    blkio: { ...(bytes.length ? { ioServiceBytesRecursive: bytes, ioServicedRecursive: ios } : {}) },
  };
}

/** The stats of the cgroup `dirs` (one v2 directory, or one per v1 hierarchy). */
export function cgroupStats(dirs: readonly string[]): ContainerStats {
  return cgroupLayout() === 'v2' ? v2Stats(dirs[0]) : v1Stats(dirs);
}
