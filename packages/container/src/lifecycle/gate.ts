/**
 * The gate of a created init (runc's `exec.fifo`): a FIFO in the container's
 * directory that the init, fully set up, holds open read-write and reads one
 * byte from before it execs its program. It outlives the process that
 * created the init: any later process opens it to let the program run. The
 * kernel says which side of it the init is on: it waits at the gate exactly
 * while it holds the FIFO open.
 *
 * @module
 */
import { closeSync, constants, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '@linuxns/core/light';
import { systemError, type ContainerFailure } from '../errors.js';
import { GATE_FIFO } from '../store.js';

/** The byte that lets the init exec (any byte will do). */
const GATE_OPEN = 'G';

/** Makes the gate of the container in `dir` (mode 0600) and opens it read-write: the fd the init is given. */
export function makeGate(id: string, dir: string): Result<number, ContainerFailure> {
  const path = join(dir, GATE_FIFO);
  try {
    rmSync(path, { force: true }); // an earlier create's, killed before its init ran
    // Node has no mkfifo(3): coreutils' mkfifo (node:child_process loaded only by a create).
    process.getBuiltinModule('node:child_process').execFileSync('mkfifo', ['-m', '0600', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const x = e as NodeJS.ErrnoException & { stderr?: Buffer };
    return err(systemError(id, `make the gate ${path}: ${x.stderr?.toString().trim() || x.message}`));
  }
  try {
    // Read-write: opening a FIFO so never blocks, and the init holds both ends (no end of file while it waits).
    return ok(openSync(path, constants.O_RDWR)); // close-on-exec, as libuv opens every file
  } catch (e) {
    return err(systemError(id, 'open the gate', fsError(e, { path })));
  }
}

/** Whether process `pid` holds the gate of the container in `dir` open: it waits there, not yet exec'd. */
export function waitsAtGate(dir: string, pid: number): boolean {
  let gate;
  try {
    gate = statSync(join(dir, GATE_FIFO));
  } catch {
    return false;
  }
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const s = statSync(`/proc/${pid}/fd/${fd}`);
      if (s.ino === gate.ino && s.dev === gate.dev) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

/**
 * Writes the byte that lets the init waiting at the gate of `dir` exec.
 * `false` when no process holds the gate (the init is gone: `ENXIO`).
 */
export function openGate(id: string, dir: string): Result<boolean, ContainerFailure> {
  const path = join(dir, GATE_FIFO);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO' || code === 'ENOENT') return ok(false);
    return err(systemError(id, 'open the gate', fsError(e, { path })));
  }
  try {
    writeSync(fd, GATE_OPEN);
    return ok(true);
  } catch (e) {
    return err(systemError(id, 'write to the gate', fsError(e, { path })));
  } finally {
    closeSync(fd);
  }
}

/** Removes the gate of `dir` (the init exec'd, or never will). */
export function removeGate(dir: string): void {
  try {
    rmSync(join(dir, GATE_FIFO), { force: true });
  } catch {
    /* destroyed meanwhile */
  }
}
