/**
 * A process told apart from a later one with the same pid: its start time
 * (field 22 of `/proc/PID/stat`, clock ticks since boot), as the helper wrote
 * it in `init.pid`.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** Start time and state letter of pid, or undefined if there is no such process. */
export function procStat(pid: number): { startTime: number; state: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field 22 is fields[19].
  return { state: fields[0] ?? '?', startTime: Number(fields[19]) };
}

/** True while the process that was `pid` at `startTime` exists and is not a zombie. */
export function isAlive(pid: number, startTime: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.startTime === startTime && s.state !== 'Z' && s.state !== 'X';
}

/** Resolves once `isAlive` turns false (polling), or after `timeoutMs` with false. */
export async function waitGone(pid: number, startTime: number, timeoutMs = Infinity, everyMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (isAlive(pid, startTime)) {
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return true;
}
