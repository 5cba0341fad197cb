/**
 * Claims in a container's directory: a symlink to "PID:STARTTIME" of the
 * process that holds it, made atomically (EEXIST if there is one), stale
 * once that process is gone. Two of them: `starting`, the claim of a start
 * (two starts, of two objects or two processes, never both run), and
 * `lock`, which serializes the operations of an OCI runtime's commands on
 * one container ({@link Container.lock}).
 *
 * @module
 */
import { readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError, readProcessStat } from '@linuxns/core/light';
import { notFound, systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { isAlive } from '../proc.js';
import { LOCK_FILE, START_CLAIM } from '../store.js';
import type { ContainerRef } from './state.js';

/** "PID:STARTTIME" of this process: what its claims point to. */
function me(): string {
  return `${process.pid}:${readProcessStat(process.pid)?.startTime ?? 0}`;
}

/** The claim at a path: taken by this call, or held by another live process (`owner`, "PID:STARTTIME"). */
type Claim = { readonly taken: true } | { readonly taken: false; readonly owner: string };

/**
 * Tries once to take the claim at `path`. A claim whose process is gone is
 * stale: it is moved aside (a rename, so that two callers never both take
 * it) and taken again. Errors: the directory is gone (`ENOENT`), or another
 * failure of the file system.
 */
function tryClaim(path: string): Result<Claim, { code: string | undefined; error: ContainerFailure }> {
  const mine = me();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      symlinkSync(mine, path);
      return ok({ taken: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return err({ code, error: fsError(e, { path }) });
    }
    let owner: string;
    try {
      owner = readlinkSync(path);
    } catch {
      continue; // released meanwhile
    }
    const [pid, start] = owner.split(':').map(Number);
    if (pid !== undefined && start !== undefined && isAlive(pid, start)) return ok({ taken: false, owner });
    const aside = `${path}.stale-${process.pid}-${process.hrtime.bigint()}`; // unique to this caller
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    let moved = '';
    try {
      moved = readlinkSync(aside);
    } catch {
      /* gone */
    }
    rmSync(aside, { force: true });
    if (moved !== owner) {
      // A fresh claim was taken in between and moved aside by mistake: put it back.
      try {
        symlinkSync(moved, path);
      } catch {
        /* taken again meanwhile */
      }
      return ok({ taken: false, owner: moved });
    }
  }
  return ok({ taken: false, owner: '?' });
}

/** The pid of an owner "PID:STARTTIME". */
const pidOf = (owner: string): string => owner.split(':')[0] ?? '?';

/** The live process that holds the claim at `path`, as "PID:STARTTIME", or undefined when none does. */
export function claimOwner(path: string): string | undefined {
  let owner: string;
  try {
    owner = readlinkSync(path);
  } catch {
    return undefined;
  }
  const [pid, start] = owner.split(':').map(Number);
  return pid !== undefined && start !== undefined && isAlive(pid, start) ? owner : undefined;
}

/**
 * Takes the claim of a start of `c` (`starting`; see the module). Kept after
 * a start that succeeded (the container never goes back to created); removed
 * by a start that failed ({@link releaseStart}).
 */
export function claimStart(c: Pick<ContainerRef, 'id' | 'dir'>): Result<void, ContainerFailure> {
  const path = join(c.dir, START_CLAIM);
  const r = tryClaim(path);
  if (r.isErr()) return err(systemError(c.id, `claim the start (${path})`, r.error.error));
  if (r.value.taken) return ok(undefined);
  return err(wrongStatus(c.id, 'created', 'start', `another start is in progress (process ${pidOf(r.value.owner)})`));
}

/** Gives the claim of a start of the container in `dir` back (a start that failed). */
export function releaseStart(dir: string): void {
  try {
    rmSync(join(dir, START_CLAIM), { force: true });
  } catch {
    /* the directory is gone (destroyed meanwhile) */
  }
}

/** A lock held by this process on a container's directory: give it back once, when done. */
export interface ContainerLock {
  /** Gives the lock back (a second call does nothing). */
  release(): void;
}

/**
 * Takes the lock of `c` (`lock` in its directory), waiting while another
 * live process holds it, up to `timeoutMs`; a lock whose process is gone
 * (killed in the middle of an operation) is taken over. `container-not-found`
 * once the directory is gone (destroyed meanwhile).
 */
export async function lockContainer(c: Pick<ContainerRef, 'id' | 'dir'>, timeoutMs: number): Promise<Result<ContainerLock, ContainerFailure>> {
  const path = join(c.dir, LOCK_FILE);
  const end = Date.now() + timeoutMs;
  for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
    const r = tryClaim(path);
    if (r.isErr()) {
      if (r.error.code === 'ENOENT') return err(notFound(c.id, join(c.dir, '..')));
      return err(systemError(c.id, `lock (${path})`, r.error.error));
    }
    if (r.value.taken) {
      let held = true;
      return ok({
        release: () => {
          if (!held) return;
          held = false;
          try {
            if (readlinkSync(path) === me()) rmSync(path, { force: true });
          } catch {
            /* destroyed meanwhile, or taken over */
          }
        },
      });
    }
    if (Date.now() >= end) return err(systemError(c.id, `lock: process ${pidOf(r.value.owner)} has held it for more than ${timeoutMs} ms`));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
