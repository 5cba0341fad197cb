/**
 * What linuxns prints: errors (one line `linuxns: COMMAND: what, and what to
 * do`; the error object as JSON after it with `--debug`), tables like lsns's, and
 * JSON.
 *
 * @module
 */
import type { ContainerFailure } from '@linuxns/container';

/** A command line that makes no sense: exit status 1, and a pointer to `--help`. */
export class UsageError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

/** An operation that failed: exit status 1 (or `status`), its message, and the error behind it. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    message: string,
    readonly error?: ContainerFailure,
    readonly status = 1,
  ) {
    super(message);
  }
}

/** What to do about an error whose message does not say it already. */
function hint(e: ContainerFailure): string {
  switch (e.kind) {
    case 'permission-denied':
      return process.geteuid?.() === 0 ? '' : ' (run as root)';
    case 'helper-not-found':
      return ` (${e.fix})`;
    default:
      return '';
  }
}

/** A CommandError from an error value, its message prefixed with `what` when given. */
export function failed(command: string, e: ContainerFailure, what?: string): CommandError {
  const message = `${what !== undefined ? `${what}: ` : ''}${e.message}${hint(e)}`;
  return new CommandError(command, message, e);
}

/** Prints an error as one line on stderr (the details after it with `debug`); returns the exit status. */
export function report(x: unknown, debug: boolean): number {
  const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');
  if (x instanceof UsageError) {
    const see = x.command === '' ? 'linuxns --help' : `linuxns ${x.command} --help`;
    process.stderr.write(`linuxns: ${x.command === '' ? '' : `${x.command}: `}${oneLine(x.message)} (see '${see}')\n`);
    return 1;
  }
  if (x instanceof CommandError) {
    process.stderr.write(`linuxns: ${x.command}: ${oneLine(x.message)}\n`);
    if (debug && x.error !== undefined) process.stderr.write(`${JSON.stringify(x.error, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}\n`);
    return x.status;
  }
  const e = x instanceof Error ? x : new Error(String(x));
  process.stderr.write(`linuxns: ${oneLine(e.message)} (a bug: please report it with the output of --debug)\n`);
  if (debug && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
  return 1;
}

/** A bigint inode as a JSON number (inode numbers of nsfs fit), as lsns prints them. */
export function inode(n: bigint | undefined): number | null {
  return n === undefined ? null : Number(n);
}

/** Prints `value` as JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Prints a table like lsns: a header line, columns padded with one space,
 * the columns in `right` right-aligned (numbers), the last one not padded.
 */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 && !right.has(i) ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join(' ')
      .trimEnd();
  process.stdout.write(`${[headers, ...rows].map(line).join('\n')}\n`);
}

/** Prints a usage (or version) text on stdout; exit status 0. */
export function help(usage: string): number {
  process.stdout.write(usage);
  return 0;
}
