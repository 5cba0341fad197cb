/**
 * A cgroup per container (libcontainer's cgroup manager): cgroup v2 where
 * `/sys/fs/cgroup` is the unified hierarchy, else a directory in each v1
 * hierarchy mounted of those runc joins (memory, pids, cpu, cpuacct, cpuset,
 * devices, freezer, blkio, hugetlb; a hybrid layout's `unified` mount has no
 * controllers: limits live in v1 there). Made before the init starts (the
 * helper joins it first thing), emptied and removed on destroy.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '@linuxns/core/light';
import type { CgroupLimits } from './cgroup-limit-types.js';
import { writeLimitFiles } from './cgroup-limits.js';
import type { ContainerFailure } from './errors.js';

const ROOT = '/sys/fs/cgroup';
/** v1 hierarchies a container's cgroup is made in (those mounted): those of its limits, and, as runc, freezer (pause) and cpuacct (stats). */
const V1_CONTROLLERS = ['memory', 'pids', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'blkio', 'hugetlb'] as const;

export type { CgroupLimits, DeviceRule, ThrottleDevice, WeightDevice } from './cgroup-limit-types.js';

let layout: 'v1' | 'v2' | undefined;

/** `'v2'` when /sys/fs/cgroup is the unified hierarchy, else `'v1'` (looked at once per process). */
export function cgroupLayout(): 'v1' | 'v2' {
  return (layout ??= existsSync(join(ROOT, 'cgroup.controllers')) ? 'v2' : 'v1');
}

/**
 * Normalizes a cgroup path relative to the hierarchy roots: leading and
 * repeated `/` dropped. A string: the path; an object: why it is refused
 * (empty, the root itself, a `.` or `..` segment, a NUL, a segment longer
 * than 255 bytes).
 */
export function normalizeCgroupPath(path: unknown): string | { readonly why: string } {
  if (typeof path !== 'string') return { why: 'it must be a string' };
  if (path.includes('\0')) return { why: 'it contains a NUL' };
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 0) return { why: 'it names the root of the cgroup hierarchies' };
  if (parts.some((p) => p === '.' || p === '..')) return { why: 'it has a "." or ".." segment' };
  if (parts.some((p) => Buffer.byteLength(p) > 255)) return { why: 'a segment is longer than 255 bytes' };
  return parts.join('/');
}

/**
 * True when `dir` is not a cgroup a container may own: outside
 * /sys/fs/cgroup, /sys/fs/cgroup itself, a v1 hierarchy's root
 * (/sys/fs/cgroup/memory...), or any mount point (the root of a hierarchy
 * mounted elsewhere below /sys/fs/cgroup). {@link killCgroup} and
 * {@link removeCgroup} refuse such a directory.
 */
export function isHierarchyRoot(dir: string): boolean {
  const r = resolve(dir);
  if (!r.startsWith(`${ROOT}/`)) return true;
  if (cgroupLayout() === 'v1' && r.slice(ROOT.length + 1).split('/').length < 2) return true;
  try {
    // A mount point: its device differs from its parent's.
    if (statSync(r).dev !== statSync(dirname(r)).dev) return true;
  } catch {
    /* missing: not a mount point */
  }
  return false;
}

function refuseRoots(dirs: readonly string[], what: string): void {
  for (const d of dirs) if (isHierarchyRoot(d)) throw new RangeError(`refusing to ${what} ${d}: it is not a container's cgroup (a hierarchy root, a mount point, or outside ${ROOT})`);
}

/** The directories of the cgroup `rel` (relative to each hierarchy's root). */
export function cgroupDirs(rel: string): string[] {
  if (cgroupLayout() === 'v2') return [join(ROOT, rel)];
  return V1_CONTROLLERS.filter((c) => existsSync(join(ROOT, c, 'cgroup.procs'))).map((c) => join(ROOT, c, rel));
}

/** v2: enables memory, pids, cpu, cpuset, io and hugetlb in every ancestor's subtree_control (those it has). */
function enableControllers(dir: string): void {
  const parts = dir.slice(ROOT.length + 1).split('/').slice(0, -1);
  let at = ROOT;
  for (const p of ['', ...parts]) {
    at = p ? join(at, p) : at;
    const have = readFileSync(join(at, 'cgroup.controllers'), 'utf8').split(/\s+/);
    const want = ['memory', 'pids', 'cpu', 'cpuset', 'io', 'hugetlb'].filter((c) => have.includes(c));
    if (want.length) writeFileSync(join(at, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
  }
}

/** Makes the cgroup's directories (existing ones are reused) and writes the limits. */
export function createCgroup(dirs: readonly string[], limits: CgroupLimits, afterEach: () => void = () => {}): Result<void, ContainerFailure> {
  const layout = cgroupLayout();
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true });
      if (layout === 'v2') enableControllers(dir);
      writeLimitFiles(dir, limits);
    } catch (e) {
      return err(fsError(e, { path: (e as { path?: string }).path ?? dir }));
    }
    afterEach();
  }
  return ok(undefined);
}

/** Writes `limits` to the existing cgroup `dirs` (a running container's new resources); the others are left as they are. */
export function writeLimits(dirs: readonly string[], limits: CgroupLimits): Result<void, ContainerFailure> {
  for (const dir of dirs) {
    try {
      writeLimitFiles(dir, limits);
    } catch (e) {
      return err(fsError(e, { path: (e as { path?: string }).path ?? dir }));
    }
  }
  return ok(undefined);
}

/** The cgroups below `dir` (not `dir` itself), deepest first. */
function descendants(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const sub = join(dir, e.name);
    out.push(...descendants(sub), sub);
  }
  return out;
}

/** The pids in the cgroup (any of its directories, and every cgroup below them). */
export function cgroupPids(dirs: readonly string[]): number[] {
  const pids = new Set<number>();
  for (const dir of dirs) {
    for (const d of [dir, ...descendants(dir)]) {
      try {
        for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (l) pids.add(Number(l));
      } catch {
        /* gone already */
      }
    }
  }
  return [...pids];
}

/** True while a process is in the cgroup or below it (v2: `populated 1` in cgroup.events). */
export function cgroupPopulated(dirs: readonly string[]): boolean {
  for (const dir of dirs) {
    try {
      const events = readFileSync(join(dir, 'cgroup.events'), 'utf8');
      if (/^populated 1$/m.test(events)) return true;
      continue;
    } catch {
      /* v1, or gone */
    }
    if (cgroupPids([dir]).length) return true;
  }
  return false;
}

/** The directories of `dirs` that exist with a process in them or below them: a cgroup no container may take. */
export function populatedDirs(dirs: readonly string[]): string[] {
  return dirs.filter((d) => existsSync(d) && cgroupPopulated([d]));
}

/**
 * SIGKILLs every process of the cgroup and of the cgroups below it
 * (cgroup.kill on v2, which takes the whole subtree; each pid, read again
 * until none is left, on v1) and waits, up to `timeoutMs`, until it is empty.
 * Throws a RangeError, killing nothing, for a directory that is not a
 * container's cgroup ({@link isHierarchyRoot}).
 */
export async function killCgroup(dirs: readonly string[], timeoutMs = 5000): Promise<boolean> {
  refuseRoots(dirs, 'kill the processes of');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pids = cgroupPids(dirs);
    if (pids.length === 0 && !cgroupPopulated(dirs)) return true;
    if (Date.now() > end) return false;
    for (const dir of dirs) {
      try {
        if (existsSync(join(dir, 'cgroup.kill'))) writeFileSync(join(dir, 'cgroup.kill'), '1');
      } catch {
        /* v1, or gone */
      }
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* exited meanwhile */
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Removes the cgroup's directories, the cgroups below them first (retrying
 * while the last processes leave), then its empty linuxns parent. Throws a
 * RangeError, removing nothing, for a directory that is not a container's
 * cgroup ({@link isHierarchyRoot}).
 */
export async function removeCgroup(dirs: readonly string[], timeoutMs = 2000): Promise<Result<void, ContainerFailure>> {
  refuseRoots(dirs, 'remove');
  const end = Date.now() + timeoutMs;
  for (const dir of dirs) {
    for (const d of [...descendants(dir), dir]) {
      for (;;) {
        try {
          rmdirSync(d);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || Date.now() > end) return err(fsError(e, { path: d }));
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    }
    const parent = join(dir, '..');
    try {
      if (/\/linuxns-[0-9a-f]+$/.test(parent)) rmdirSync(parent); // the factory's shared parent, once its last container is gone
    } catch {
      /* other containers in it */
    }
  }
  return ok(undefined);
}
