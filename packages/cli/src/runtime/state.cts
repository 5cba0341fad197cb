/**
 * `state ID` and `list [--format table|json] [-q]`: runc's output, read from
 * the state directories through the light library.
 *
 * @module
 */
import flags = require('./flags.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import type { Globals } from './types.js';

/** The one argument of a command that takes exactly one (runc's "requires exactly 1 argument(s)"). */
function exactlyOne(command: string, args: readonly string[]): string {
  if (args.length !== 1) throw new log.UsageError('', `"${command}" requires exactly 1 argument(s)`);
  return args[0]!;
}

/** `state ID`: the state as indented JSON, without a newline after it (as runc). */
function state(g: Globals, argv: readonly string[]): number {
  const p = flags.parseFlags('state', argv, {});
  if (p.has('help')) return usage('state ID', 'output the state of a container as JSON: ociVersion, id, pid, status, bundle, rootfs, created, annotations, owner');
  const c = open.open(g, exactlyOne('state', p.args));
  log.out(JSON.stringify(open.ociState(c, open.stateOf(c)), null, 2));
  return 0;
}

/** Go's tabwriter as runc's list uses it (minimum width 12, padding 3); the last column is not padded. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, k) => Math.max(12, ...rows.map((r) => r[k]!.length + 3)));
  return rows.map((r) => r.map((cell, k) => (k === r.length - 1 ? cell : cell.padEnd(widths[k]!))).join('')).map((l) => `${l}\n`).join('');
}

/** `list`: ID PID STATUS BUNDLE CREATED OWNER; `--format json` the states (null for none, as runc); `-q` the ids. */
function list(g: Globals, argv: readonly string[]): number {
  const p = flags.parseFlags('list', argv, { format: { kind: 'value', alias: ['f'] }, quiet: { kind: 'bool', alias: ['q'] } });
  if (p.has('help')) return usage('list [--format table|json] [-q]', 'list the containers of the root');
  if (p.args.length) throw new log.UsageError('', '"list" requires exactly 0 argument(s)');
  const format = p.value('format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new log.RuntimeError(`invalid format option: ${format}`);
  const ids = open.containerIds(open.rootOf(g));
  if (ids.isErr()) throw open.failure(ids.error);
  if (p.has('quiet')) {
    log.out(ids.value.map((id) => `${id}\n`).join(''));
    return 0;
  }
  const states: Array<Record<string, unknown>> = [];
  for (const id of ids.value) {
    let c;
    try {
      c = open.open(g, id);
      states.push(open.ociState(c, open.stateOf(c), open.ownerOf(c)));
    } catch (e) {
      // Deleted meanwhile: not listed. Anything else is reported.
      if (!(e instanceof log.RuntimeError && e.message === 'container does not exist')) throw e;
    }
  }
  if (format === 'json') log.out(`${states.length ? JSON.stringify(states) : 'null'}\n`);
  else log.out(table([['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, s.pid, s.status, s.bundle, s.created, s.owner].map(String))]));
  return 0;
}

/** A command's help: what it takes, what it does. */
function usage(synopsis: string, what: string): number {
  log.out(`Usage: linuxns-runtime [global options] ${synopsis}\n\n${what}\n`);
  return 0;
}

export = { state, list, exactlyOne, usage };
