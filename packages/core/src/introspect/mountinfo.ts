/**
 * nsfs bind mounts (namespace pins) in a `mountinfo` file.
 *
 * @module
 * @internal
 */
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

/**
 * The nsfs mounts of a `/proc/.../mountinfo` text. For nsfs the root field
 * (the 4th) is the namespace, `net:[4026532xxx]`; the 5th is the mount point.
 * The filesystem type follows the `-` separator.
 */
export function parseNsfsMounts(text: string): NsfsMount[] {
  const out: NsfsMount[] = [];
  if (!text.includes(' nsfs ')) return out;
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-', 6);
    if (sep < 0 || f[sep + 1] !== 'nsfs') continue;
    const ns = parseNsLink(f[3] ?? '');
    if (ns === undefined || f[4] === undefined) continue;
    out.push({ ...ns, mountPoint: unescape(f[4]) });
  }
  return out;
}
