/**
 * The files of a container's directory, written atomically: a temp file in
 * the same directory, written and fsync'd, renamed over the name, then the
 * directory fsync'd. A crash leaves the old file or the new one, never a torn
 * one (at worst a stray `.tmp-` file, which nothing reads).
 *
 * @module
 */
import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '@linuxns/core/light';
import { checkpoint } from './crash.js';
import type { ContainerFailure } from './errors.js';
import type { ProcessRecord } from './proc.js';

export const CONFIG_FILE = 'config.json';
export const STATE_FILE = 'state.json';
/** Written by the helper (`--pid-file`): "PID STARTTIME\n" of the init, empty until it is known. */
export const PID_FILE = 'init.pid';

/** The cgroup directories start took for the container (made, or found empty): the only ones destroy kills and removes. */
export const CGROUP_FILE = 'cgroup.json';
/** The claim of a start in progress: a symlink to "PID:STARTTIME" of the process starting it, made with O_EXCL semantics. */
export const START_CLAIM = 'starting';
/** "PID STARTTIME" lines of the processes exec'd into the container, killed by destroy. */
export const EXEC_FILE = 'exec.pids';
/** The lock of an operation in progress (a symlink to "PID:STARTTIME" of its process): serializes an OCI runtime's commands. */
export const LOCK_FILE = 'lock';
/** The FIFO a created init waits at (it holds it open, read-write) until a start writes a byte to it; removed once it exec'd. */
export const GATE_FIFO = 'exec.fifo';

/** fsync of a directory, so that a rename in it is on disk. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes each `[name, value]` as JSON to `dir/name` atomically: every temp
 * file written and fsync'd first, then renamed in the order given, then one
 * fsync of the directory. A crash leaves a prefix of the renames done.
 */
export function writeJsonAtomic(dir: string, files: ReadonlyArray<readonly [string, unknown]>): Result<void, ContainerFailure> {
  const tmps: string[] = [];
  let at = dir;
  try {
    for (const [name, value] of files) {
      at = join(dir, name);
      // node:crypto only here: loading it costs ~10 ms of every start, and the commands that only read never write.
      const { randomBytes } = process.getBuiltinModule('node:crypto');
      const tmp = join(dir, `.tmp-${name}-${process.pid}-${randomBytes(4).toString('hex')}`);
      const fd = openSync(tmp, 'wx', 0o600); // libuv opens with O_CLOEXEC
      tmps.push(tmp);
      try {
        checkpoint();
        writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      checkpoint();
    }
    for (const [k, [name]] of files.entries()) {
      at = join(dir, name);
      renameSync(tmps[k]!, at);
      tmps[k] = '';
      checkpoint();
    }
    syncDir(dir);
    return ok(undefined);
  } catch (e) {
    for (const t of tmps) {
      try {
        if (t) rmSync(t, { force: true });
      } catch {
        /* the error below is the one to report */
      }
    }
    return err(fsError(e, { path: at }));
  }
}

/** What reading a JSON file of the state directory gave. */
export type ReadJson = { readonly found: false } | { readonly found: true; readonly value: unknown };

/** Reads `dir/name` as JSON: not found, the value, or the error (unreadable, not JSON). */
export function readJson(dir: string, name: string): Result<ReadJson, ContainerFailure> {
  const path = join(dir, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok({ found: false });
    return err(fsError(e, { path }));
  }
  try {
    return ok({ found: true, value: JSON.parse(text) as unknown });
  } catch {
    return err({ kind: 'syscall-failed', syscall: 'read', code: 'EBADMSG', errno: 74, path, message: `${path} is not valid JSON` });
  }
}

/** A "PID STARTTIME" line of init.pid or exec.pids (without its newline). */
function processRecord(line: string): ProcessRecord | undefined {
  const m = /^(\d+) (\d+)$/.exec(line);
  return m ? { pid: Number(m[1]), startTime: Number(m[2]) } : undefined;
}

/** The init's pid and start time from `init.pid`, or undefined while there is none (missing or empty). */
export function readPidFile(dir: string): ProcessRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, PID_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return text.endsWith('\n') ? processRecord(text.slice(0, -1)) : undefined;
}

/** The exec'd processes `exec.pids` records ("PID STARTTIME" lines); none without the file. */
export function readExecd(dir: string): ProcessRecord[] {
  let text: string;
  try {
    text = readFileSync(join(dir, EXEC_FILE), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((l) => processRecord(l) ?? []);
}

/** Appends an exec'd process to `exec.pids`, for destroy; a directory destroyed meanwhile is fine. */
export function recordExecd(dir: string, p: ProcessRecord): void {
  try {
    appendFileSync(join(dir, EXEC_FILE), `${p.pid} ${p.startTime}\n`);
  } catch {
    /* destroyed meanwhile */
  }
}
