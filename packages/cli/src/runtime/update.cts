/**
 * `update [--resources FILE|-] [flags] ID`: new cgroup limits for a
 * container, from runtime-spec `LinuxResources` JSON (what containerd's shim
 * pipes in) or runc's flags: what runc 1.1's update takes (memory limit,
 * reservation and memory+swap, pids, CPU quota, period, shares, realtime and
 * cpuset, block I/O weight); kernel memory and RDT are refused by name.
 *
 * @module
 */
import nodeFs = require('node:fs');
const { readFileSync } = nodeFs;
import type { CgroupLimits } from '@linuxns/container/light';
import flags = require('./flags.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import type { Globals } from './types.js';

/** runc's update flags this runtime takes, and those it refuses (no such limit in its cgroups). */
const SIZES = { memory: ['memory', 'limit'], 'memory-reservation': ['memory', 'reservation'], 'memory-swap': ['memory', 'swap'] } as const;
const NUMBERS = {
  'pids-limit': ['pids', 'limit'], 'cpu-quota': ['cpu', 'quota'], 'cpu-period': ['cpu', 'period'], 'cpu-share': ['cpu', 'shares'],
  'cpu-rt-period': ['cpu', 'realtimePeriod'], 'cpu-rt-runtime': ['cpu', 'realtimeRuntime'], 'blkio-weight': ['blockIO', 'weight'],
} as const;
const STRINGS = { 'cpuset-cpus': ['cpu', 'cpus'], 'cpuset-mems': ['cpu', 'mems'] } as const;
const REFUSED = ['kernel-memory', 'kernel-memory-tcp', 'l3-cache-schema', 'mem-bw-schema'];
/** The LinuxResources fields runc's update takes, by resource. */
const FIELDS: Readonly<Record<string, readonly string[]>> = {
  memory: ['limit', 'reservation', 'swap'], pids: ['limit'], cpu: ['quota', 'period', 'shares', 'realtimeRuntime', 'realtimePeriod', 'cpus', 'mems'], blockIO: ['weight'],
};

/** A size as docker's units.RAMInBytes reads it: bytes, or with k, m, g, t, p (powers of 1024), an optional b. */
function bytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(text.trim());
  if (!m) throw new log.RuntimeError(`invalid size: ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * 1024 ** ' kmgtp'.indexOf((m[2] || ' ').toLowerCase()));
}

function integer(flag: string, text: string): number {
  if (!/^-?\d+$/.test(text)) throw new log.RuntimeError(`invalid value for --${flag}: ${JSON.stringify(text)}`);
  return Number(text);
}

/** Whether a JSON value sets something (not absent, null, 0, empty). */
const given = (v: unknown): boolean => v !== undefined && v !== null && v !== 0 && v !== '' && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => !given(x)));

/** LinuxResources JSON → the library's limits (0 and "" are unset, as runc reads them); a resource runc's update does not take is refused by name. */
function fromResources(r: unknown): CgroupLimits {
  if (typeof r !== 'object' || r === null) throw new log.RuntimeError('the resources must be a JSON object (runtime-spec LinuxResources)');
  const o = r as Record<string, Record<string, unknown> | undefined>;
  const refused: string[] = [];
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(o)) {
    if (!given(v)) continue;
    const fields = FIELDS[k];
    if (!fields || typeof v !== 'object' || Array.isArray(v)) {
      refused.push(k);
      continue;
    }
    for (const [f, x] of Object.entries(v)) {
      if (!given(x)) continue;
      if (fields.includes(f)) (out[k] ??= {})[f] = x;
      else refused.push(`${k}.${f}`);
    }
  }
  if (refused.length) throw new log.RuntimeError(`cannot update ${refused.join(', ')}: runc's update sets memory (limit, reservation, swap), pids.limit, cpu (quota, period, shares, realtime, cpus, mems) and blockIO.weight`);
  // A memory limit or memory+swap of -1 (no limit) is written as it is, as runc does.
  return out;
}

/** `update`: the limits of `--resources` (a file, or `-` for stdin) and the flags, written to the container's cgroup. */
async function update(g: Globals, argv: readonly string[]): Promise<number> {
  const specs: Record<string, { kind: 'value'; alias?: readonly string[] }> = { resources: { kind: 'value', alias: ['r'] } };
  for (const f of [...Object.keys(SIZES), ...Object.keys(NUMBERS), ...Object.keys(STRINGS), ...REFUSED]) specs[f] = { kind: 'value' };
  const p = flags.parseFlags('update', argv, specs);
  if (p.has('help')) {
    return state.usage('update [--resources FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N] [--pids-limit N] [--cpu-quota N] [--cpu-period N] [--cpu-share N] [--cpu-rt-period N] [--cpu-rt-runtime N] [--cpuset-cpus L] [--cpuset-mems L] [--blkio-weight N] ID', 'set new cgroup limits of a container');
  }
  const id = state.exactlyOne('update', p.args);
  for (const f of REFUSED) if (p.has(f)) throw new log.RuntimeError(`--${f} is not supported: this runtime's cgroups do not set kernel memory or RDT`);
  const limits: Record<string, Record<string, unknown>> = {};
  const file = p.value('resources');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new log.RuntimeError(`cannot read the resources from ${file === '-' ? 'stdin' : file}: ${(e as Error).message}`);
    }
    try {
      Object.assign(limits, fromResources(JSON.parse(text)));
    } catch (e) {
      if (e instanceof log.RuntimeError) throw e;
      throw new log.RuntimeError(`the resources are not JSON: ${(e as Error).message}`);
    }
  }
  // The flags override the file, field by field (runc's order).
  const set = (at: readonly [string, string], v: unknown): void => void ((limits[at[0]] = { ...limits[at[0]] })[at[1]] = v);
  for (const [f, at] of Object.entries(SIZES)) {
    const v = p.value(f);
    if (v !== undefined) set(at, v.trim() === '-1' ? -1 : bytes(v));
  }
  for (const [f, at] of Object.entries(NUMBERS)) {
    const v = p.value(f);
    if (v !== undefined) set(at, integer(f, v));
  }
  for (const [f, at] of Object.entries(STRINGS)) {
    const v = p.value(f);
    if (v !== undefined) set(at, v);
  }
  const c = open.open(g, id);
  const lock = await open.lock(c);
  try {
    const r = c.update(limits);
    if (r.isErr()) throw r.error.kind === 'container-wrong-status' ? new log.RuntimeError('container not running', 1, r.error) : open.failure(r.error);
    return 0;
  } finally {
    lock.release();
  }
}

export = { update, fromResources, bytes };
