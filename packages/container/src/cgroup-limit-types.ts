/**
 * What a container's cgroup may be limited to (runtime-spec
 * `linux.resources`, in the container's names): memory, cpu, pids, block I/O,
 * huge pages and device rules. cgroup-limits.ts writes them.
 *
 * @module
 */
/**
 * A device cgroup rule (runtime-spec `linux.resources.devices[]`): `type` a (all), b or c; a missing or -1
 * major/minor is any. Enforced by the v1 devices controller: every device denied first, then the rules in order,
 * then runc's defaults.
 *
 * @example
 * ```ts
 * import type { CgroupConfig, DeviceRule } from '@linuxns/container';
 * const noDisks: DeviceRule = { allow: false, type: 'b', access: 'rwm' };
 * const fuse: DeviceRule = { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' };
 * const cgroup: CgroupConfig = { devices: [{ allow: false, access: 'rwm' }, noDisks, fuse] };
 * console.log(cgroup.devices?.length);
 * ```
 */
export interface DeviceRule {
  readonly allow: boolean;
  readonly type?: 'a' | 'b' | 'c';
  readonly major?: number;
  readonly minor?: number;
  /** Letters of `rwm` (default `rwm`). */
  readonly access?: string;
}

/**
 * A block device (major:minor) and its throttle: bytes or I/O operations per second.
 *
 * @example
 * ```ts
 * import type { CgroupConfig, ThrottleDevice } from '@linuxns/container';
 * const sda: ThrottleDevice = { major: 8, minor: 0, rate: 10 * 1024 * 1024 };
 * const cgroup: CgroupConfig = { blockIO: { throttleReadBpsDevice: [sda] } };
 * console.log(cgroup.blockIO?.throttleReadBpsDevice?.[0]?.rate);
 * ```
 */
export interface ThrottleDevice {
  readonly major: number;
  readonly minor: number;
  readonly rate: number;
}

/**
 * A block device (major:minor) and its weight (10..1000), where the kernel has a weight file (CFQ or BFQ).
 *
 * @example
 * ```ts
 * import type { CgroupConfig, WeightDevice } from '@linuxns/container';
 * const sda: WeightDevice = { major: 8, minor: 0, weight: 500 };
 * const cgroup: CgroupConfig = { blockIO: { weightDevice: [sda] } };
 * console.log(cgroup.blockIO?.weightDevice?.length);
 * ```
 */
export interface WeightDevice {
  readonly major: number;
  readonly minor: number;
  readonly weight?: number;
  readonly leafWeight?: number;
}

/** Limits of a container's cgroup; each is left as the kernel's default when absent. Field names are the runtime-spec's. */
export interface CgroupLimits {
  /**
   * memory.limit_in_bytes (v1) or memory.max (v2); `reservation`: the soft limit (memory.soft_limit_in_bytes, v2 memory.low);
   * `swap`: memory plus swap, as runc means it (v1 memory.memsw.limit_in_bytes, v2 memory.swap.max = swap - limit), -1 for
   * no limit; `swappiness` 0..100 (v1 only: runc ignores it on v2); `disableOOMKiller` (v1 memory.oom_control).
   */
  readonly memory?: { readonly limit?: number; readonly reservation?: number; readonly swap?: number; readonly swappiness?: number; readonly disableOOMKiller?: boolean };
  /** pids.max: most processes (and threads) at once. */
  readonly pids?: { readonly limit: number };
  /**
   * CPU bandwidth: `quota` µs per `period` µs (default period 100000); `shares` as v1 cpu.shares (v2: mapped to cpu.weight);
   * `cpus` and `mems` the cpuset (`'0-1'`); `realtimeRuntime`/`realtimePeriod` v1's cpu.rt_runtime_us/cpu.rt_period_us.
   */
  readonly cpu?: {
    readonly quota?: number;
    readonly period?: number;
    readonly shares?: number;
    readonly cpus?: string;
    readonly mems?: string;
    readonly realtimeRuntime?: number;
    readonly realtimePeriod?: number;
  };
  /** Block I/O: weights (10..1000) and per-device throttles (v1 blkio.*, v2 io.weight and io.max). */
  readonly blockIO?: {
    readonly weight?: number;
    readonly leafWeight?: number;
    readonly weightDevice?: readonly WeightDevice[];
    readonly throttleReadBpsDevice?: readonly ThrottleDevice[];
    readonly throttleWriteBpsDevice?: readonly ThrottleDevice[];
    readonly throttleReadIOPSDevice?: readonly ThrottleDevice[];
    readonly throttleWriteIOPSDevice?: readonly ThrottleDevice[];
  };
  /** hugetlb limits in bytes per page size (`'2MB'`, `'1GB'`): where the hugetlb controller is present. */
  readonly hugepageLimits?: ReadonlyArray<{ readonly pageSize: string; readonly limit: number }>;
  /**
   * Device access, enforced by the v1 devices controller: every device denied, then each rule in its order (runc's
   * result). Refused on cgroup v2 (a BPF device program, which linuxns does not load).
   */
  readonly devices?: readonly DeviceRule[];
}
