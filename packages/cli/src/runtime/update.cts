/**
 * `update [--resources FILE|-] [flags] ID`: new cgroup limits for a
 * container, from runtime-spec `LinuxResources` JSON (what containerd's shim
 * pipes in) or runc's flags. What the library's cgroup takes: memory, pids,
 * CPU quota, period and shares; any other resource given is refused by name.
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
const TAKEN = ['memory', 'pids-limit', 'cpu-quota', 'cpu-period', 'cpu-share'] as const;
const REFUSED = ['blkio-weight', 'cpu-rt-period', 'cpu-rt-runtime', 'cpuset-cpus', 'cpuset-mems', 'kernel-memory', 'kernel-memory-tcp', 'memory-reservation', 'memory-swap', 'l3-cache-schema', 'mem-bw-schema'];

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

/** LinuxResources JSON → the library's limits; a resource it has no limit for is refused by name. */
function fromResources(r: unknown): CgroupLimits {
  if (typeof r !== 'object' || r === null) throw new log.RuntimeError('the resources must be a JSON object (runtime-spec LinuxResources)');
  const o = r as Record<string, Record<string, unknown> | undefined>;
  const refused: string[] = [];
  for (const [k, v] of Object.entries(o)) if (!['memory', 'cpu', 'pids'].includes(k) && given(v)) refused.push(k);
  for (const [k, v] of Object.entries(o.memory ?? {})) if (k !== 'limit' && given(v)) refused.push(`memory.${k}`);
  for (const [k, v] of Object.entries(o.cpu ?? {})) if (!['quota', 'period', 'shares'].includes(k) && given(v)) refused.push(`cpu.${k}`);
  if (refused.length) throw new log.RuntimeError(`cannot update ${refused.join(', ')}: this runtime's cgroups set memory.limit, cpu.quota, cpu.period, cpu.shares and pids.limit`);
  const num = (v: unknown): number | undefined => (typeof v === 'number' && v !== 0 ? v : undefined);
  const limit = num(o.memory?.limit);
  const pids = num(o.pids?.limit);
  const cpu = { quota: num(o.cpu?.quota), period: num(o.cpu?.period), shares: num(o.cpu?.shares) };
  return {
    ...(limit !== undefined ? { memory: { limit } } : {}),
    ...(pids !== undefined ? { pids: { limit: pids } } : {}),
    ...(Object.values(cpu).some((v) => v !== undefined) ? { cpu: Object.fromEntries(Object.entries(cpu).filter(([, v]) => v !== undefined)) } : {}),
  };
}

/** `update`: the limits of `--resources` (a file, or `-` for stdin) and the flags, written to the container's cgroup. */
async function update(g: Globals, argv: readonly string[]): Promise<number> {
  const specs: Record<string, { kind: 'value'; alias?: readonly string[] }> = { resources: { kind: 'value', alias: ['r'] } };
  for (const f of [...TAKEN, ...REFUSED]) specs[f] = { kind: 'value' };
  const p = flags.parseFlags('update', argv, specs);
  if (p.has('help')) return state.usage('update [--resources FILE|-] [--memory N] [--pids-limit N] [--cpu-quota N] [--cpu-period N] [--cpu-share N] ID', 'set new cgroup limits of a container');
  const id = state.exactlyOne('update', p.args);
  for (const f of REFUSED) if (p.has(f)) throw new log.RuntimeError(`--${f} is not supported: this runtime's cgroups set memory, pids and CPU quota, period and shares`);
  let limits: CgroupLimits = {};
  const file = p.value('resources');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      throw new log.RuntimeError(`cannot read the resources from ${file === '-' ? 'stdin' : file}: ${(e as Error).message}`);
    }
    try {
      limits = fromResources(JSON.parse(text));
    } catch (e) {
      if (e instanceof log.RuntimeError) throw e;
      throw new log.RuntimeError(`the resources are not JSON: ${(e as Error).message}`);
    }
  }
  const memory = p.value('memory');
  const pids = p.value('pids-limit');
  const cpu = { quota: p.value('cpu-quota'), period: p.value('cpu-period'), shares: p.value('cpu-share') };
  limits = {
    ...limits,
    ...(memory !== undefined ? { memory: { limit: bytes(memory) } } : {}),
    ...(pids !== undefined ? { pids: { limit: integer('pids-limit', pids) } } : {}),
    ...(Object.values(cpu).some((v) => v !== undefined)
      ? { cpu: { ...limits.cpu, ...Object.fromEntries(Object.entries(cpu).filter(([, v]) => v !== undefined).map(([k, v]) => [k, integer(`cpu-${k}`, v!)])) } }
      : {}),
  };
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
