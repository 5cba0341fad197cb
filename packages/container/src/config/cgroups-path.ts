/**
 * An OCI config's `linux.cgroupsPath` as runc 1.1 reads it, to the cgroup
 * path of a {@link CgroupConfig} (relative to each hierarchy's root).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import type { CgroupConfig } from './types.js';

/** `slice:prefix:name`, the systemd form (runc with `--systemd-cgroup`, containerd's `SystemdCgroup`). */
const SYSTEMD_FORM = /^([^/:]*):([^/:]*):([^/:]+)$/;

/**
 * systemd's expansion of a slice name to its path (runc's `ExpandSlice`): `a-b-c.slice` is
 * `a.slice/a-b.slice/a-b-c.slice`, `-.slice` the root; or why it is no slice name.
 */
export function expandSlice(slice: string): string | { readonly why: string } {
  if (!slice.endsWith('.slice') || slice.includes('/')) return { why: `${JSON.stringify(slice)} is not a slice name (x.slice)` };
  const name = slice.slice(0, -'.slice'.length);
  if (name === '-') return '';
  if (name === '' || name.includes('--') || name.startsWith('-') || name.endsWith('-')) return { why: `${JSON.stringify(slice)} is not a valid slice name` };
  const parts = name.split('-');
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('-')}.slice`).join('/');
}

/** This process's own cgroup, as /proc/self/cgroup says: the v2 line, or on v1 the one of `controller`. */
function ownCgroup(controller: string): string {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => l.split(':'));
  const v2 = lines.find(([id]) => id === '0');
  const v1 = lines.find(([, controllers]) => controllers!.split(',').includes(controller));
  // runc's fs2: the parent of its own cgroup (its own has processes, so takes no controllers); fs: its own.
  return v1 ? v1.slice(2).join(':') : dirname(v2!.slice(2).join(':'));
}

/**
 * The cgroup path of `cgroupsPath` (a string), as runc 1.1 places it: `''` is the factory's default; an
 * absolute path is below each hierarchy's root (podman's `/libpod_parent/libpod-<id>`); a relative one is below
 * this process's own cgroup (runc's cgroupfs rule: on v1 its cgroup in the memory hierarchy, on v2 the parent of
 * its own); `slice:prefix:name` (the systemd form) is the path systemd would give that unit,
 * `<slice expanded>/<prefix>-<name>.scope` (a `name` ending in `.slice` is that slice; an empty slice is
 * `system.slice`) made with cgroupfs: linuxns never asks systemd for a scope, as runc does when it runs without
 * systemd. Or why the value is refused.

 */
export function ociCgroupPath(cgroupsPath: string): CgroupConfig['path'] | { readonly why: string } {
  if (cgroupsPath === '') return undefined;
  const systemd = SYSTEMD_FORM.exec(cgroupsPath);
  if (systemd) {
    const [, slice, prefix, name] = systemd as unknown as [string, string, string, string];
    const parent = expandSlice(slice || 'system.slice');
    if (typeof parent !== 'string') return parent;
    const unit = name.endsWith('.slice') ? expandSlice(name) : `${prefix ? `${prefix}-` : ''}${name}.scope`;
    if (typeof unit !== 'string') return unit;
    return posix.join('/', parent, name.endsWith('.slice') ? posix.basename(unit) : unit);
  }
  if (cgroupsPath.startsWith('/')) return cgroupsPath;
  return posix.join(ownCgroup('memory'), cgroupsPath);
}
