/**
 * A process told apart from a later one with the same pid: its start time
 * (field 22 of `/proc/PID/stat`, clock ticks since boot, read by core's
 * `readProcessStat`), as the helper wrote it in `init.pid`.
 *
 * @module
 */
import { readProcessStat } from '@linuxns/core/light';

/** A process: its pid and its start time, which a later process with the pid does not share. */
export interface ProcessRecord {
  readonly pid: number;
  readonly startTime: number;
}

/** True while the process that was `pid` at `startTime` exists and is not a zombie. */
export function isAlive(pid: number, startTime: number): boolean {
  const s = readProcessStat(pid);
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
