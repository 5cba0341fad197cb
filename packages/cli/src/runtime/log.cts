/**
 * How the runtime speaks, as runc does: output on fd 1; errors as a log
 * entry (`--log FILE`, `--log-format text|json`: what containerd's shim and
 * conmon read to say what failed) and, with a log file, the bare message on
 * stderr; without one, the logrus text line on stderr. Written with
 * `writeSync` on the fds, never through `process.stdout`: Node would make
 * the pipes it shares with the container's init non-blocking.
 *
 * @module
 */
import nodeFs = require('node:fs');
const { appendFileSync, writeSync } = nodeFs;
import type { Globals } from './types.js';

/** A command line that makes no sense: exit status 1 and one line, as urfave/cli's "Incorrect Usage". */
class UsageError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

/** An operation that failed: its message (what engines show), its exit status, and the error behind it for `--debug`. */
class RuntimeError extends Error {
  constructor(
    message: string,
    readonly status = 1,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

/** RFC 3339 to the second, in UTC, as logrus stamps runc's entries. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** One log entry: `{"level","msg","time"}` (json) or `time="…" level=… msg="…"` (text). */
function entry(format: Globals['logFormat'], level: string, msg: string): string {
  if (format === 'json') return `${JSON.stringify({ level, msg, time: now() })}\n`;
  return `time="${now()}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

function writeAll(fd: number, text: string): void {
  const b = Buffer.from(text);
  for (let off = 0; off < b.length; ) {
    try {
      off += writeSync(fd, b, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // The reader went away (`events | head`): end as a program killed by SIGPIPE would, as runc does.
      if (code === 'EPIPE') process.exit(128 + 13);
      if (code !== 'EAGAIN') throw e;
    }
  }
}

/** Writes `text` to stdout. */
function out(text: string): void {
  writeAll(1, text);
}

/** A log entry at `level`: to `--log`, or to stderr without one. A log file that cannot be written falls back to stderr. */
function logEntry(g: Pick<Globals, 'log' | 'logFormat'>, level: string, msg: string): void {
  const line = entry(g.logFormat, level, msg);
  if (g.log !== undefined) {
    try {
      appendFileSync(g.log, line);
      return;
    } catch {
      /* stderr below */
    }
  }
  writeAll(2, line);
}

/** With `--debug`, a debug entry. */
function debug(g: Globals, msg: string): void {
  if (g.debug) logEntry(g, 'debug', msg);
}

/** A warning entry (a poststart hook that failed: the container goes on). */
function warn(g: Globals, msg: string): void {
  logEntry(g, 'warning', msg);
}

/** Reports `e` as runc does and returns the exit status: an error entry, and the bare message on stderr when the entry went to a file. */
function report(g: Pick<Globals, 'log' | 'logFormat' | 'debug'>, e: unknown): number {
  const msg = e instanceof UsageError ? `${e.command ? `${e.command}: ` : ''}${e.message}` : e instanceof Error ? e.message : String(e);
  logEntry(g, 'error', msg);
  if (g.log !== undefined) writeAll(2, `${msg}\n`);
  if (g.debug) {
    const detail = e instanceof RuntimeError ? e.detail : e instanceof UsageError ? undefined : e instanceof Error ? e.stack : undefined;
    if (detail !== undefined) logEntry(g, 'debug', typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
  return e instanceof RuntimeError ? e.status : 1;
}

export = { UsageError, RuntimeError, out, logEntry, debug, warn, report };
