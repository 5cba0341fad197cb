/**
 * Finding every namespace on the system without opening any: the links of
 * processes and threads, open fds, and nsfs mounts. {@link listNamespaces}
 * then opens each identity once.
 *
 * @module
 * @internal
 */
import { readFileSync, readlinkSync } from 'node:fs';
import type { NamespaceType } from '../namespace/kind.js';
import { parseNsfsMounts } from './mountinfo.js';
import { listDir, listPids, parseNsLink, readLink, SCAN_TYPES, tolerant } from './proc.js';

/** Everything the scan learnt about one namespace, keyed by its link text `type:[ino]`. */
export interface ScanEntry {
  readonly key: string;
  readonly type: NamespaceType;
  readonly ino: bigint;
  /** Pids whose main-thread link points here, ascending. */
  readonly procs: number[];
  /** Pids some other thread of which is in it (and the main thread is not) → that thread's link path. */
  readonly threads: Map<number, string>;
  /** Pin mount points in the caller's mount namespace. */
  readonly pins: string[];
  /** Pins seen in other mount namespaces, as `/proc/PID/root/MOUNTPOINT`. */
  readonly foreignPins: string[];
  /** `/proc/PID/fd/N` paths of fds open on it. */
  readonly fds: string[];
  /** Found only as the owner or parent of another namespace. */
  related: boolean;
}

/** The key of a namespace: its link text. */
export const keyOf = (type: NamespaceType, ino: bigint): string => `${type}:[${ino}]`;

/** A new, empty entry. */
export function newEntry(type: NamespaceType, ino: bigint): ScanEntry {
  return { key: keyOf(type, ino), type, ino, procs: [], threads: new Map(), pins: [], foreignPins: [], fds: [], related: false };
}

/**
 * Walks `/proc` once: every process's ns links, the links of its other
 * threads (only for multi-threaded processes), its fds, then the nsfs
 * mounts of the caller's mount namespace and of every other mount namespace
 * a process or thread is in (one `mountinfo` read each). Processes that
 * exit meanwhile, and those the caller may not inspect, are skipped.
 */
export function scanSystem(): Map<string, ScanEntry> {
  const entries = new Map<string, ScanEntry>();
  const entry = (ns: { type: NamespaceType; ino: bigint }): ScanEntry => {
    const key = keyOf(ns.type, ns.ino);
    let e = entries.get(key);
    if (e === undefined) entries.set(key, (e = newEntry(ns.type, ns.ino)));
    return e;
  };
  // mnt namespace key → a /proc directory (process or thread) in it, whose mountinfo and root to read.
  const mountDirs = new Map<string, string>();

  for (const pid of listPids()) {
    const base = `/proc/${pid}`;
    for (const type of SCAN_TYPES) {
      const ns = parseNsLink(readLink(`${base}/ns/${type}`) ?? '');
      if (ns === undefined || ns.type !== type) continue;
      const e = entry(ns);
      e.procs.push(pid);
      if (type === 'mnt' && !mountDirs.has(e.key)) mountDirs.set(e.key, base);
    }
    const tasks = listDir(`${base}/task`);
    if (tasks.length > 1) {
      for (const tid of tasks) {
        if (tid === String(pid)) continue;
        const dir = `${base}/task/${tid}`;
        for (const type of SCAN_TYPES) {
          const path = `${dir}/ns/${type}`;
          const ns = parseNsLink(readLink(path) ?? '');
          if (ns === undefined || ns.type !== type) continue;
          const e = entry(ns);
          if (e.procs[e.procs.length - 1] !== pid && !e.threads.has(pid)) e.threads.set(pid, path);
          if (type === 'mnt' && !mountDirs.has(e.key)) mountDirs.set(e.key, dir);
        }
      }
    }
    for (const fd of listDir(`${base}/fd`)) {
      const path = `${base}/fd/${fd}`;
      const ns = parseNsLink(readLink(path) ?? '');
      if (ns !== undefined) entry(ns).fds.push(path);
    }
  }

  // Paths resolve in the calling thread's mount namespace: that is "ours".
  const own = readlinkSync('/proc/thread-self/ns/mnt');
  for (const m of parseNsfsMounts(readFileSync('/proc/thread-self/mountinfo', 'utf8'))) entry(m).pins.push(m.mountPoint);
  for (const [key, dir] of mountDirs) {
    if (key === own) continue;
    const text = tolerant(() => readFileSync(`${dir}/mountinfo`, 'utf8'));
    if (text === undefined) continue;
    for (const m of parseNsfsMounts(text)) entry(m).foreignPins.push(`${dir}/root${m.mountPoint === '/' ? '' : m.mountPoint}`);
  }
  return entries;
}
