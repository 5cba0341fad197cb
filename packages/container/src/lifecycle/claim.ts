/**
 * The claim of a start: `starting` in the container's directory, a symlink
 * to "PID:STARTTIME" of the process starting it, so that two starts (of two
 * objects, or two processes) never both run.
 *
 * @module
 */
import { readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError, readProcessStat } from '@linuxns/core';
import { systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { isAlive } from '../proc.js';
import { START_CLAIM } from '../store.js';
import type { ContainerRef } from './state.js';

/**
 * Takes the claim of a start of `c`: `starting`, a symlink to "PID:STARTTIME" of the
 * process starting it, made atomically (EEXIST if there is one). A claim
 * whose process is gone (a start that crashed) is stale: it is moved aside
 * (rename, so that two callers never both take it) and taken again. Kept
 * after a start that succeeded (the container never goes back to created);
 * removed by a start that failed ({@link releaseStart}).
 */
export function claimStart(c: Pick<ContainerRef, 'id' | 'dir'>): Result<void, ContainerFailure> {
  const path = join(c.dir, START_CLAIM);
  const me = `${process.pid}:${readProcessStat(process.pid)?.startTime ?? 0}`;
  const busy = (owner: string): ContainerFailure => wrongStatus(c.id, 'created', 'start', `another start is in progress (process ${owner.split(':')[0] ?? '?'})`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      symlinkSync(me, path);
      return ok(undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return err(systemError(c.id, `claim the start (${path})`, fsError(e, { path })));
    }
    let owner: string;
    try {
      owner = readlinkSync(path);
    } catch {
      continue; // released meanwhile
    }
    const [pid, start] = owner.split(':').map(Number);
    if (pid !== undefined && start !== undefined && isAlive(pid, start)) return err(busy(owner));
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
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
      return err(busy(moved));
    }
  }
  return err(wrongStatus(c.id, 'created', 'start', 'another start is in progress'));
}

/** Gives the claim of a start of the container in `dir` back (a start that failed). */
export function releaseStart(dir: string): void {
  try {
    rmSync(join(dir, START_CLAIM), { force: true });
  } catch {
    /* the directory is gone (destroyed meanwhile) */
  }
}
