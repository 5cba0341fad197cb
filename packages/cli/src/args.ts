/**
 * Command lines, read the way getopt_long reads them for util-linux, so
 * that a command line copied from unshare or nsenter means the same here.
 * Three kinds of option: a flag (`--ro`), one that needs a value
 * (`--target PID`, `--target=PID`, `-t PID`, `-tPID`), and one whose value
 * is optional and must be attached (`--net`, `--net=PATH`; nsenter's
 * `-n`, `-nPATH`). Short flags group (`-nuimpf`); in a group, an option
 * that takes a value takes the rest of the word (`-nt4242`, and nsenter's
 * `-mn` is `--mount=n`, as getopt reads it). A long option may have other
 * names (`--mount` for `--mnt`), and an option util-linux has that linuxns
 * cannot honour is refused with the reason, not as unknown.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import type { NamespaceType } from '@linuxns/core';
import { CommandError, UsageError } from './output.js';

/** util-linux's short option of each namespace type (unshare's and nsenter's `-n` for net...). */
export const TYPE_SHORTS: Readonly<Record<NamespaceType, string>> = { mnt: 'm', uts: 'u', ipc: 'i', net: 'n', pid: 'p', user: 'U', cgroup: 'C', time: 'T' };

/**
 * The option of each namespace type, `--TYPE[=PATH]`, with util-linux's short
 * one and `--mount` for `--mnt`; `shortFlag` as unshare's (`-n` takes no path).
 */
export function typeOptions(types: readonly NamespaceType[], shortFlag: boolean): OptionSpecs {
  return Object.fromEntries(types.map((t): [string, OptionSpec] => [t, { kind: 'optional', short: TYPE_SHORTS[t], shortFlag, ...(t === 'mnt' ? { aliases: ['mount'] } : {}) }]));
}

/** One option of a subcommand. */
export interface OptionSpec {
  /** `'flag'`: no value; `'value'`: needs one; `'optional'`: `--name` or `--name=VALUE`. */
  readonly kind: 'flag' | 'value' | 'optional';
  readonly short?: string;
  /**
   * The short form takes no value, though the long one's is optional: unshare's `-n` beside
   * `--net[=FILE]` (getopt's `n` against nsenter's `n::`, where `-nFILE` attaches one).
   */
  readonly shortFlag?: boolean;
  /** May be given more than once (every value is kept). */
  readonly multiple?: boolean;
  /** Other long names of the same option (`mount` for `mnt`); it is recorded under its own. */
  readonly aliases?: readonly string[];
  /** An option of util-linux's that linuxns cannot honour: why, said when it is given. */
  readonly refused?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The options every subcommand takes. */
const COMMON: OptionSpecs = { help: { kind: 'flag', short: 'h' }, debug: { kind: 'flag' } };

/** Set once `--debug` is seen anywhere: errors then also print their details. */
export const settings = { debug: false };

/** What a command line said. */
export class Parsed {
  readonly #seen = new Map<string, Array<string | undefined>>();
  /** Every option given, in the order given (by its own name): for options where the last one wins over another. */
  readonly order: Array<{ readonly name: string; readonly value: string | undefined }> = [];
  /** Arguments that are not options, in order (before `--` or the command). */
  readonly positionals: string[] = [];
  /** With `command: true`: the command and its arguments (after `--`, or from the first non-option on); else empty. */
  command: string[] = [];

  add(name: string, value: string | undefined, multiple: boolean): void {
    const list = multiple ? (this.#seen.get(name) ?? []) : [];
    list.push(value);
    this.#seen.set(name, list);
    this.order.push({ name, value });
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
 * nsenter and unshare (getopt's `+`): the rest is the command to run;
 * without, options and arguments may mix. A lone `-` is an argument.
 * Throws {@link UsageError} for an unknown option, a missing value, a
 * value given to a flag, or an option that is refused.
 */
export function parse(command: string, argv: readonly string[], specs: OptionSpecs, takesCommand = false): Parsed {
  const all: OptionSpecs = { ...COMMON, ...specs };
  const longs = new Map<string, string>();
  const shorts = new Map<string, string>();
  for (const [name, s] of Object.entries(all)) {
    longs.set(name, name);
    for (const alias of s.aliases ?? []) longs.set(alias, name);
    if (s.short !== undefined) shorts.set(s.short, name);
  }
  /** The spec of `name` (a known one), refused ones thrown. */
  const known = (name: string | undefined, raw: string): [string, OptionSpec] => {
    const spec = name === undefined ? undefined : all[name];
    if (name === undefined || spec === undefined) throw new UsageError(command, `unknown option '${raw}'`);
    if (spec.refused !== undefined) throw new UsageError(command, `option '${raw}' is not supported: ${spec.refused}`);
    return [name, spec];
  };
  const out = new Parsed();
  let i = 0;
  /** The next word, as the value of `raw`. */
  const next = (raw: string): string => {
    if (i + 1 >= argv.length) throw new UsageError(command, `option '${raw}' needs a value`);
    return argv[++i]!;
  };
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      if (takesCommand) out.command = argv.slice(i + 1);
      else out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const raw = eq < 0 ? word : word.slice(0, eq);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      const [name, spec] = known(longs.get(raw.slice(2)), raw);
      if (spec.kind === 'flag' && inline !== undefined) throw new UsageError(command, `option '${raw}' takes no value`);
      out.add(name, spec.kind === 'value' && inline === undefined ? next(raw) : inline, spec.multiple === true);
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      for (let j = 1; j < word.length; j++) {
        const raw = `-${word[j]}`;
        const [name, spec] = known(shorts.get(word[j]!), raw);
        const rest = word.slice(j + 1);
        if (spec.kind === 'flag' || (spec.kind === 'optional' && spec.shortFlag === true)) {
          out.add(name, undefined, spec.multiple === true);
          continue;
        }
        // A value (needed, or optional and attached) takes the rest of the word.
        out.add(name, rest !== '' ? rest : spec.kind === 'value' ? next(raw) : undefined, spec.multiple === true);
        break;
      }
      continue;
    }
    if (takesCommand) {
      out.command = argv.slice(i);
      break;
    }
    out.positionals.push(word);
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

/** A uid or gid given as a number (`--setuid 0`), checked: `what` names the option in the message. */
export function idArg(command: string, what: string, text: string): number {
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 4294967294) throw new UsageError(command, `${what} takes a number from 0 to 4294967294, got '${text}'`);
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
