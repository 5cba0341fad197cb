/**
 * The commands that look at a running container: `ps` (the processes of its
 * cgroup, as pids or as ps(1) prints them) and `events` (its cgroup's stats
 * in runc's JSON shape, once with `--stats` or every `--interval`).
 *
 * @module
 */
import nodeChild = require('node:child_process');
const { spawnSync } = nodeChild;
import flags = require('./flags.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import type { Globals } from './types.js';

/** `ps [--format table|json] ID [PS ARGS...]`: the pids as JSON, or ps's lines of them (ps -ef by default), header first. */
function ps(g: Globals, argv: readonly string[]): number {
  const p = flags.parseFlags('ps', argv, { format: { kind: 'value', alias: ['f'] } });
  if (p.has('help')) return state.usage('ps [--format table|json] ID [PS ARGS...]', 'list the processes of a container');
  if (p.args.length < 1) throw new log.UsageError('', '"ps" requires a minimum of 1 argument(s)');
  const format = p.value('format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new log.RuntimeError(`invalid format option: ${format}`);
  const c = open.open(g, p.args[0]);
  const pids = c.processes();
  if (pids.isErr()) throw open.failure(pids.error);
  if (format === 'json') {
    log.out(`${JSON.stringify(pids.value)}\n`);
    return 0;
  }
  const args = p.args.length > 1 ? p.args.slice(1) : ['-ef'];
  const r = spawnSync('ps', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new log.RuntimeError(`ps ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}`);
  const [header = '', ...lines] = r.stdout.split('\n');
  const column = header.trim().split(/\s+/).indexOf('PID');
  if (column < 0) throw new log.RuntimeError('couldn\'t find PID field in ps output');
  const wanted = new Set(pids.value.map(String));
  log.out([header, ...lines.filter((l) => wanted.has(l.trim().split(/\s+/)[column] ?? ''))].map((l) => `${l}\n`).join(''));
  return 0;
}

/** A Go duration ("5s", "250ms", "1m30s") in milliseconds. */
function duration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    ms += Number(m[1]) * units[m[2]!]!;
    at = re.lastIndex;
  }
  if (at !== text.length || text === '' || ms <= 0) throw new log.RuntimeError(`invalid duration "${text}"`);
  return ms;
}

/** `events [--stats] [--interval D] ID`: stats events (runc's shape), once or every interval until the container stops. */
async function events(g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('events', argv, { stats: { kind: 'bool' }, interval: { kind: 'value' } });
  if (p.has('help')) return state.usage('events [--stats] [--interval 5s] ID', 'print the stats of a container (cpu, memory, pids, blkio) as JSON events');
  const every = duration(p.value('interval') ?? '5s');
  const c = open.open(g, state.exactlyOne('events', p.args));
  const one = (): boolean => {
    const s = open.stateOf(c);
    if (s.status === 'stopped') throw new log.RuntimeError('container not running');
    const st = c.stats();
    if (st.isErr()) throw open.failure(st.error);
    log.out(`${JSON.stringify({ type: 'stats', id: s.id, data: { ...st.value, hugetlb: {}, intel_rdt: {}, network_interfaces: null } })}\n`);
    return true;
  };
  one();
  if (p.has('stats')) return 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, every));
    try {
      one();
    } catch (e) {
      if (e instanceof log.RuntimeError && e.message === 'container not running') return 0;
      throw e;
    }
  }
}

export = { ps, events, duration };
