/**
 * runc's command line, as Go's flag package (through urfave/cli) reads it:
 * `-name` and `--name` alike, `--name=value` or `--name value`, a boolean as
 * `--name` or `--name=true|false`, flags before the arguments (the first
 * argument, or `--`, ends them). Engines call the runtime exactly so.
 *
 * @module
 */
import log = require('./log.cjs');
import type { FlagSpec, FlagSpecs, Parsed } from './types.js';

const TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/** Parses `argv` of `command` by `specs` (help is always known: `-h`, `--help`). */
function parseFlags(command: string, argv: readonly string[], specs: FlagSpecs): Parsed {
  const byName = new Map<string, [string, FlagSpec]>([['help', ['help', { kind: 'bool' }]], ['h', ['help', { kind: 'bool' }]]]);
  for (const [name, spec] of Object.entries(specs)) {
    byName.set(name, [name, spec]);
    for (const a of spec.alias ?? []) byName.set(a, [name, spec]);
  }
  const given = new Map<string, string[]>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    const found = byName.get(key);
    if (found === undefined) throw new log.UsageError(command, `flag provided but not defined: -${key}`);
    const [name, spec] = found;
    let value: string;
    if (spec.kind === 'bool') {
      const v = eq < 0 ? 'true' : body.slice(eq + 1);
      if (!TRUE.has(v) && !FALSE.has(v)) throw new log.UsageError(command, `invalid boolean value "${v}" for -${key}`);
      if (FALSE.has(v)) {
        given.delete(name);
        continue;
      }
      value = 'true';
    } else if (eq >= 0) {
      value = body.slice(eq + 1);
    } else {
      const next = argv[++i];
      if (next === undefined) throw new log.UsageError(command, `flag needs an argument: -${key}`);
      value = next;
    }
    const list = given.get(name) ?? [];
    if (spec.kind !== 'values') list.length = 0;
    list.push(value);
    given.set(name, list);
  }
  return {
    has: (name) => given.has(name),
    value: (name) => given.get(name)?.at(-1),
    values: (name) => given.get(name) ?? [],
    args: argv.slice(i),
  };
}

export = { parseFlags };
