/**
 * `/proc/PID/stat`, read once for every layer of core (errors included):
 * the state of a process, its parent, and its start time, which tells it
 * apart from a later process with the same pid. Imports nothing of core, so
 * that the folders above it keep their order.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** What {@link readProcessStat} gives of `/proc/PID/stat` (proc_pid_stat(5)). */
export interface ProcessStat {
  /** Field 1: the pid. */
  readonly pid: number;
  /** Field 2: the command name, without its parentheses (it may hold spaces and parentheses itself). */
  readonly comm: string;
  /** Field 3: `R`, `S`, `D`, `Z` (a zombie: exited, not yet reaped), `T`, `t`, `X` (dead), `I`... */
  readonly state: string;
  /** Field 4: the parent's pid (0 for a process whose parent is outside its pid namespace). */
  readonly ppid: number;
  /** Field 22: when the process started, in clock ticks since boot; with the pid, who it is. */
  readonly startTime: number;
}

/**
 * Parses the text of a `/proc/PID/stat` file; `undefined` when it is not one. The command name
 * may contain spaces and parentheses: the fields after it start after the last `)`.
 *
 * @internal
 */
export function parseProcessStat(text: string): ProcessStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // fields[0] is field 3 (state); field N is fields[N - 3].
  const fields = text.slice(close + 2).split(' ');
  const pid = Number(text.slice(0, open));
  const ppid = Number(fields[1]);
  const startTime = Number(fields[19]);
  if (fields.length < 20 || !Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(startTime)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state: fields[0]!, ppid, startTime };
}

/**
 * The state, parent and start time of process `pid` from `/proc/PID/stat`, as this process's
 * pid namespace numbers it; `undefined` when there is no such process (or its file cannot be
 * read). A zombie (state `Z`) still has one. A pid and its start time name one process: a later
 * process that reuses the pid has another start time.
 *
 * @example
 * ```ts
 * import { readProcessStat } from '@linuxns/core';
 * const me = readProcessStat(process.pid);
 * if (me) console.log(me.state, me.ppid === process.ppid, me.startTime);
 * const gone = (pid: number, startTime: number) => readProcessStat(pid)?.startTime !== startTime;
 * console.log(gone(process.pid, me?.startTime ?? 0)); // false
 * ```
 */
export function readProcessStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return parseProcessStat(text);
}
