/**
 * The process settings of {@link spawn} that OCI's `process` and `linux`
 * carry besides ids and capabilities: `oomScoreAdj`, `umask`, `personality`,
 * `scheduler` (sched_setattr) and `ioPriority` (ioprio_set), in OCI's shapes,
 * checked as runc checks them.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { invalidOption, isArray } from './invalid.js';
import type { SpawnOptions } from './options.js';
import type { HelperRequest } from './protocol.js';

/** A scheduling policy of sched(7), as OCI names it. */
export type SchedulerPolicy = 'SCHED_OTHER' | 'SCHED_FIFO' | 'SCHED_RR' | 'SCHED_BATCH' | 'SCHED_ISO' | 'SCHED_IDLE' | 'SCHED_DEADLINE';

/** A flag of sched_setattr(2), as OCI names it. */
export type SchedulerFlag =
  | 'SCHED_FLAG_RESET_ON_FORK'
  | 'SCHED_FLAG_RECLAIM'
  | 'SCHED_FLAG_DL_OVERRUN'
  | 'SCHED_FLAG_KEEP_POLICY'
  | 'SCHED_FLAG_KEEP_PARAMS'
  | 'SCHED_FLAG_UTIL_CLAMP_MIN'
  | 'SCHED_FLAG_UTIL_CLAMP_MAX';

/** OCI's `process.scheduler`: set with sched_setattr(2) in the command's process, before its capabilities are dropped. */
export interface SchedulerOptions {
  readonly policy: SchedulerPolicy;
  /** -20 to 19 (for SCHED_OTHER and SCHED_BATCH). */
  readonly nice?: number;
  /** 1 to 99, for SCHED_FIFO and SCHED_RR only. */
  readonly priority?: number;
  readonly flags?: readonly SchedulerFlag[];
  /** SCHED_DEADLINE's parameters, in nanoseconds. */
  readonly runtime?: number | bigint;
  readonly deadline?: number | bigint;
  readonly period?: number | bigint;
}

/** OCI's `process.ioPriority`: set with ioprio_set(2). */
export interface IoPriority {
  readonly class: 'IOPRIO_CLASS_RT' | 'IOPRIO_CLASS_BE' | 'IOPRIO_CLASS_IDLE';
  /** 0 (highest) to 7. */
  readonly priority: number;
}

/** OCI's `linux.personality`: the execution domain the command runs in (`LINUX32`: `uname -m` says i686 on x86-64). */
export interface Personality {
  readonly domain: 'LINUX' | 'LINUX32';
  /** No flag is defined by the runtime spec: must be empty (runc ignores them with a warning). */
  readonly flags?: readonly string[];
}

/** Policies by name (linux/sched.h); SCHED_ISO is reserved, Linux has none. */
const POLICIES: Readonly<Record<SchedulerPolicy, number>> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_ISO: 4, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};
const FLAGS: Readonly<Record<SchedulerFlag, number>> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04, SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20, SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};
const IOPRIO_CLASSES = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;
/** ioprio_set(2): the class is the value's bits from 13 up. */
const IOPRIO_CLASS_SHIFT = 13;
/** personality(2)'s PER_LINUX and PER_LINUX32. */
const DOMAINS = { LINUX: 0x0000, LINUX32: 0x0008 } as const;

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** A u63 of nanoseconds (a number or a bigint), or undefined for a bad value. */
function nanoseconds(v: unknown): bigint | undefined {
  if (v === undefined) return 0n;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'bigint' && v >= 0n && v < 1n << 63n) return v;
  return undefined;
}

/** `scheduler` as struct sched_attr's fields; or why not (runc's validator, and what Linux refuses). */
function schedulerOf(s: SchedulerOptions): NonNullable<HelperRequest['scheduler']> | string {
  if (typeof s !== 'object' || s === null) return 'scheduler must be an object (OCI process.scheduler)';
  const policy = POLICIES[s.policy];
  if (policy === undefined) return `scheduler.policy must be one of ${Object.keys(POLICIES).join(', ')}, got ${JSON.stringify(s.policy)}`;
  if (s.policy === 'SCHED_ISO') return 'scheduler.policy SCHED_ISO is reserved: Linux has no such policy (sched_setattr would fail with EINVAL)';
  const nice = s.nice ?? 0;
  if (!isInt(nice, -20, 19)) return `scheduler.nice must be from -20 to 19, got ${JSON.stringify(s.nice)}`;
  const realtime = s.policy === 'SCHED_FIFO' || s.policy === 'SCHED_RR';
  const priority = s.priority ?? 0;
  if (!realtime && priority !== 0) return 'scheduler.priority can only be given for SCHED_FIFO or SCHED_RR';
  if (realtime && !isInt(priority, 1, 99)) return `scheduler.priority of ${s.policy} must be from 1 to 99, got ${JSON.stringify(s.priority)}`;
  let flags = 0;
  if (s.flags !== undefined && !isArray(s.flags)) return 'scheduler.flags must be an array of SCHED_FLAG_* names';
  for (const f of s.flags ?? []) {
    const bit = FLAGS[f];
    if (bit === undefined) return `scheduler.flags: unknown flag ${JSON.stringify(f)} (one of ${Object.keys(FLAGS).join(', ')})`;
    flags |= bit;
  }
  const dl = [nanoseconds(s.runtime), nanoseconds(s.deadline), nanoseconds(s.period)] as const;
  if (dl.some((v) => v === undefined)) return 'scheduler.runtime, deadline and period must be whole numbers of nanoseconds';
  const [runtime, deadline, period] = dl as readonly [bigint, bigint, bigint];
  if (s.policy !== 'SCHED_DEADLINE' && (runtime || deadline || period)) return 'scheduler.runtime, deadline and period can only be given for SCHED_DEADLINE';
  return [policy, flags, nice, priority, runtime, deadline, period];
}

/** Validates `oomScoreAdj`, `umask`, `personality`, `scheduler` and `ioPriority`: the helper fields, or the error. */
export function schedulingSettings(o: SpawnOptions): Result<Partial<HelperRequest>, NsError> {
  const out: { -readonly [K in keyof HelperRequest]?: HelperRequest[K] } = {};
  if (o.oomScoreAdj !== undefined) {
    if (!isInt(o.oomScoreAdj, -1000, 1000)) return err(invalidOption('oomScoreAdj', `oomScoreAdj must be a whole number from -1000 to 1000, got ${JSON.stringify(o.oomScoreAdj)}`));
    out.oomScoreAdj = o.oomScoreAdj;
  }
  if (o.umask !== undefined) {
    if (!isInt(o.umask, 0, 0o777)) return err(invalidOption('umask', `umask must be permission bits from 0 to 0o777, got ${JSON.stringify(o.umask)}`));
    out.umask = o.umask;
  }
  if (o.personality !== undefined) {
    const p = o.personality;
    const domain = typeof p === 'object' && p !== null ? DOMAINS[p.domain] : undefined;
    if (domain === undefined) return err(invalidOption('personality', `personality.domain must be LINUX or LINUX32, got ${JSON.stringify(p?.domain)}`));
    if (p.flags !== undefined && (!isArray(p.flags) || p.flags.length > 0)) {
      return err(invalidOption('personality', `personality.flags: the runtime spec defines no flag (runc ignores them with a warning), got ${JSON.stringify(p.flags)}`));
    }
    out.personality = domain;
  }
  if (o.scheduler !== undefined) {
    const s = schedulerOf(o.scheduler);
    if (typeof s === 'string') return err(invalidOption('scheduler', s));
    out.scheduler = s;
  }
  if (o.ioPriority !== undefined) {
    const io = o.ioPriority;
    const cls = typeof io === 'object' && io !== null ? IOPRIO_CLASSES[io.class] : undefined;
    if (cls === undefined) return err(invalidOption('ioPriority', `ioPriority.class must be IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE, got ${JSON.stringify(io?.class)}`));
    if (!isInt(io.priority, 0, 7)) return err(invalidOption('ioPriority', `ioPriority.priority must be from 0 to 7, got ${JSON.stringify(io.priority)}`));
    out.ioprio = (cls << IOPRIO_CLASS_SHIFT) | io.priority;
  }
  return ok(out);
}
