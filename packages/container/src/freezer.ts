/**
 * Freezing a container's cgroup (runc's pause and resume): the v1 freezer
 * hierarchy's `freezer.state`, or v2's `cgroup.freeze`. Every process of the
 * cgroup and of the cgroups below it stops where it is, and goes on when
 * thawed.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError, syscallError } from '@linuxns/core/light';
import { cgroupLayout } from './cgroup.js';
import type { ContainerFailure } from './errors.js';

/** The directory of `dirs` that freezes: v1's in the freezer hierarchy, v2's one directory; undefined without one. */
export function freezerDir(dirs: readonly string[]): string | undefined {
  if (cgroupLayout() === 'v2') return dirs[0];
  return dirs.find((d) => d.startsWith('/sys/fs/cgroup/freezer/'));
}

/** Whether the cgroup is frozen (or freezing); false without a freezer or once it is gone. */
export function isFrozen(dirs: readonly string[]): boolean {
  const dir = freezerDir(dirs);
  if (dir === undefined) return false;
  try {
    if (cgroupLayout() === 'v2') return readFileSync(join(dir, 'cgroup.freeze'), 'utf8').trim() === '1';
    return readFileSync(join(dir, 'freezer.state'), 'utf8').trim() !== 'THAWED';
  } catch {
    return false;
  }
}

/** Whether the kernel has finished freezing (v1 `FROZEN`, v2 `frozen 1` in cgroup.events). */
function frozenDone(dir: string): boolean {
  if (cgroupLayout() === 'v2') return /^frozen 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'));
  return readFileSync(join(dir, 'freezer.state'), 'utf8').trim() === 'FROZEN';
}

/**
 * Freezes (`true`) or thaws the cgroup of `dirs`, waiting until the kernel is
 * done (a freeze may take a few rounds while processes are in the kernel),
 * up to `timeoutMs`. `undefined` when there is no freezer to use.
 */
export async function setFrozen(dirs: readonly string[], frozen: boolean, timeoutMs = 5000): Promise<Result<void, ContainerFailure> | undefined> {
  const dir = freezerDir(dirs);
  if (dir === undefined) return undefined;
  const v2 = cgroupLayout() === 'v2';
  const file = join(dir, v2 ? 'cgroup.freeze' : 'freezer.state');
  const value = v2 ? (frozen ? '1' : '0') : frozen ? 'FROZEN' : 'THAWED';
  const end = Date.now() + timeoutMs;
  try {
    for (;;) {
      writeFileSync(file, value);
      if (!frozen || frozenDone(dir)) return ok(undefined);
      if (Date.now() > end) return err(syscallError('write', 'ETIMEDOUT', { path: file }));
      await new Promise((r) => setTimeout(r, 5));
    }
  } catch (e) {
    return err(fsError(e, { path: file }));
  }
}
