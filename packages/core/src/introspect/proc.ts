/**
 * Reading other processes through `/proc` for {@link listNamespaces}: their
 * namespace links, open fds, mount tables and the few details lsns shows.
 * A process may exit at any moment: every reader here treats "gone" and
 * "not allowed" as "nothing to see" (`undefined` or empty), and throws
 * anything else (Node `fs` errors, mapped to an {@link NsError} by the caller).
 *
 * @module
 * @internal
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { isNamespaceType, type NamespaceType } from '../namespace/kind.js';
import { parseProcessStat } from '../proc-stat.js';

/** The types in `/proc/PID/ns/`, in the order lsns reads them. */
export const SCAN_TYPES: readonly NamespaceType[] = ['mnt', 'net', 'pid', 'user', 'uts', 'ipc', 'cgroup', 'time'];

const SKIPPED = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM']);

/** True for the errors of a process that exited (ENOENT, ESRCH) or is not ours to read (EACCES, EPERM). */
export function isSkippable(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && SKIPPED.has(code);
}

/** Runs `read`; `undefined` when it failed with a skippable error, rethrows anything else. */
export function tolerant<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (isSkippable(e)) return undefined;
    throw e;
  }
}

/** A namespace link's text, `net:[4026531840]`, taken apart; `undefined` for anything else (`socket:[...]`, a path...). */
export function parseNsLink(text: string): { type: NamespaceType; ino: bigint } | undefined {
  const m = /^([a-z]+):\[(\d+)\]$/.exec(text);
  if (!m || !isNamespaceType(m[1])) return undefined;
  return { type: m[1], ino: BigInt(m[2]!) };
}

/** Every pid in `/proc`, ascending. */
export function listPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name)) pids.push(Number(name));
  }
  return pids.sort((a, b) => a - b);
}

/** Names in directory `dir`; empty when it is gone or unreadable. */
export function listDir(dir: string): string[] {
  return tolerant(() => readdirSync(dir)) ?? [];
}

/** `readlink`; `undefined` when gone or unreadable. */
export function readLink(path: string): string | undefined {
  return tolerant(() => readlinkSync(path));
}

/** What lsns shows of a process. */
export interface ProcessDetails {
  readonly ppid: number;
  readonly uid: number;
  readonly command: string;
}

/** ppid (from `stat`), uid (owner of `/proc/PID`, as lsns reads it) and command line (or `comm`); `undefined` once the process is gone. */
export function processDetails(pid: number): ProcessDetails | undefined {
  return tolerant(() => {
    const uid = statSync(`/proc/${pid}`).uid;
    const ppid = parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.ppid ?? 0;
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    while (args.length > 0 && args[args.length - 1] === '') args.pop();
    const command = args.length > 0 ? args.join(' ') : readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
    return { ppid, uid, command };
  });
}

/** uid → name from `/etc/passwd` (no NSS: a missing or unreadable file gives an empty map). */
export function readPasswd(): Map<number, string> {
  const names = new Map<number, string>();
  const text = tolerant(() => readFileSync('/etc/passwd', 'utf8')) ?? '';
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || f[0] === '' || !/^\d+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    if (!names.has(uid)) names.set(uid, f[0]!);
  }
  return names;
}
