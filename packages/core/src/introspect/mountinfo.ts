/**
 * `mountinfo` files: every mount, and the nsfs bind mounts (namespace pins).
 *
 * @module
 * @internal
 */
import { readFileSync } from 'node:fs';
import type { NamespaceType } from '../namespace/kind.js';
import { parseNsLink } from './proc.js';

/** One pinned namespace: its type and inode, and the mount point as the file's process sees it. */
export interface NsfsMount {
  readonly type: NamespaceType;
  readonly ino: bigint;
  readonly mountPoint: string;
}

/** Undoes the kernel's octal escapes of space, tab, newline and backslash (`\040`...). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** One line of a `mountinfo` file, its paths unescaped. */
export interface MountEntry {
  /** The root of the mount within its filesystem (for nsfs: `net:[4026532xxx]`). */
  readonly root: string;
  readonly mountPoint: string;
  /** A `shared:N` optional field: the mount propagates to and from its peers. */
  readonly shared: boolean;
  readonly fsType: string;
}

/** The mounts of a `/proc/.../mountinfo` text, in its order (a later mount on one point is on top). */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f[3] === undefined || f[4] === undefined) continue;
    out.push({ root: unescape(f[3]), mountPoint: unescape(f[4]), shared: f.slice(6, sep).some((o) => o.startsWith('shared:')), fsType: f[sep + 1] ?? '' });
  }
  return out;
}

/** The mounts of the calling thread's mount namespace. */
export function threadMounts(): MountEntry[] {
  // utf8, as node:fs encodes the paths it is compared with (a non-ASCII mount point read as latin1 matched nothing).
  return parseMountinfo(readFileSync('/proc/thread-self/mountinfo', 'utf8'));
}

/** The nsfs mounts of a `/proc/.../mountinfo` text: the root of such a mount names the namespace. */
export function parseNsfsMounts(text: string): NsfsMount[] {
  const out: NsfsMount[] = [];
  if (!text.includes(' nsfs ')) return out;
  for (const m of parseMountinfo(text)) {
    if (m.fsType !== 'nsfs') continue;
    const ns = parseNsLink(m.root);
    if (ns !== undefined) out.push({ ...ns, mountPoint: m.mountPoint });
  }
  return out;
}
