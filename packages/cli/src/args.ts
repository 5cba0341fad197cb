/**
 * Command lines: node:util `parseArgs` tokenizes, this module checks the
 * tokens against a subcommand's options the way getopt_long does for
 * util-linux. Three kinds of option: a flag (`--ro`), one that needs a
 * value (`--target PID`, `--target=PID`, `-t PID`), and one whose value is
 * optional and must be attached (`--net`, `--net=PATH`), which parseArgs
 * has no type for: it is declared a flag and its inline value kept.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CommandError, UsageError } from './output.js';

/** One option of a subcommand. */
export interface OptionSpec {
  /** `'flag'`: no value; `'value'`: needs one; `'optional'`: `--name` or `--name=VALUE`. */
  readonly kind: 'flag' | 'value' | 'optional';
  readonly short?: string;
  /** May be given more than once (every value is kept). */
  readonly multiple?: boolean;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The options every subcommand takes. */
const COMMON: OptionSpecs = { help: { kind: 'flag', short: 'h' }, debug: { kind: 'flag' } };

/** Set once `--debug` is seen anywhere: errors then also print their details. */
export const settings = { debug: false };

/** What a command line said. */
export class Parsed {
  readonly #seen = new Map<string, Array<string | undefined>>();
  /** Arguments that are not options, in order (before `--` or the command). */
  readonly positionals: string[] = [];
  /** With `command: true`: the command and its arguments (after `--`, or from the first non-option on); else empty. */
  command: string[] = [];

  add(name: string, value: string | undefined, multiple: boolean): void {
    const list = multiple ? (this.#seen.get(name) ?? []) : [];
    list.push(value);
    this.#seen.set(name, list);
  }
  /** True when the option was given (with or without a value). */
  has(name: string): boolean {
    return this.#seen.has(name);
  }
  /** Its (last) value; `undefined` when not given or given without one. */
  value(name: string): string | undefined {
    return this.#seen.get(name)?.at(-1);
  }
  /** Every value of a repeatable option. */
  values(name: string): string[] {
    return (this.#seen.get(name) ?? []).filter((v): v is string => v !== undefined);
  }
}

/**
 * Parses `argv` (the words after the subcommand) for `command`. With
 * `takesCommand`, parsing stops at `--` or at the first non-option, like
 * nsenter and unshare: the rest is the command to run. Throws
 * {@link UsageError} for an unknown option, a missing value, or a value
 * given to a flag.
 */
export function parse(command: string, argv: readonly string[], specs: OptionSpecs, takesCommand = false): Parsed {
  const all: OptionSpecs = { ...COMMON, ...specs };
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = {};
  for (const [name, s] of Object.entries(all)) {
    options[name] = { type: s.kind === 'value' ? 'string' : 'boolean', ...(s.short !== undefined ? { short: s.short } : {}) };
  }
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const out = new Parsed();
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      if (takesCommand) out.command = argv.slice(t.index + 1);
      else out.positionals.push(...argv.slice(t.index + 1));
      break;
    }
    if (t.kind === 'positional') {
      if (takesCommand) {
        out.command = argv.slice(t.index);
        break;
      }
      out.positionals.push(t.value);
      continue;
    }
    const spec = all[t.name];
    if (spec === undefined) throw new UsageError(command, `unknown option '${t.rawName}'`);
    if (spec.kind === 'value' && t.value === undefined) throw new UsageError(command, `option '${t.rawName}' needs a value`);
    if (spec.kind === 'flag' && t.value !== undefined) throw new UsageError(command, `option '${t.rawName}' takes no value`);
    out.add(t.name, t.value, spec.multiple === true);
  }
  if (out.has('debug')) settings.debug = true;
  return out;
}

/** A process id argument, checked: `what` names it in the message (`'--target'`, `'PID'`). */
export function pidArg(command: string, what: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(command, `${what} is missing: give a process id`);
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > 0x3fffffff) throw new UsageError(command, `${what} must be a process id (a positive integer), got '${text}'`);
  return Number(text);
}

/** Exactly `names.length` positional arguments, or a UsageError naming what is missing or extra. */
export function positionals(command: string, p: Parsed, names: readonly string[]): string[] {
  if (p.positionals.length < names.length) throw new UsageError(command, `missing ${names.slice(p.positionals.length).join(' ')}`);
  if (p.positionals.length > names.length) throw new UsageError(command, `unexpected argument '${p.positionals[names.length]}'`);
  return p.positionals;
}

/**
 * Throws the error nsenter gives when process `pid` does not exist (or ended
 * meanwhile), naming the listing that shows candidates.
 */
export function requireProcess(command: string, pid: number, listing = 'linuxns ls'): void {
  if (existsSync(`/proc/${pid}`)) return;
  const message = `no process with pid ${pid} (check it with ps, or '${listing}')`;
  throw new CommandError(command, message, { kind: 'no-such-process', pid, path: `/proc/${pid}`, message });
}
