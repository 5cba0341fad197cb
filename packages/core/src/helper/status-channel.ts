/**
 * The helper's status channel as the caller reads it (protocol.h's "Status
 * channel"): PID, READY and ERR lines, and what breaks the protocol.
 *
 * @module
 * @internal
 */
import { MAX_STATUS_LINE, STATUS_ERR, STATUS_PID, STATUS_READY } from './protocol.js';

/** What the status channel said. */
export interface StatusReport {
  readonly pid?: number;
  /** PROGRAM is set up and waits at its gate (`--gate-fd`). */
  readonly ready?: boolean;
  readonly error?: { readonly step: string; readonly syscall: string; readonly errno: number };
  /** A line that breaks the protocol (unknown, out of order, cut short, too long, a number out of range). */
  readonly garbage?: string;
}

/** Pids are below the kernel's PID_MAX_LIMIT (2^22). */
const PID_LIMIT = 2 ** 22;
/** errno values are below 4096 (the kernel's MAX_ERRNO is 4095). */
const ERRNO_LIMIT = 4096;
const PID_LINE = new RegExp(`^${STATUS_PID} ([1-9]\\d{0,6})$`);
const ERR_LINE = new RegExp(`^${STATUS_ERR} ([a-z][a-z_-]*) (\\S.*) (\\d{1,4})$`);

/**
 * Parses the status channel's text: PID, then READY, then ERR, each at most
 * once and in that order; the first ERR ends it. A line that is none of these,
 * or whose numbers are out of range, or the text's last line without its
 * newline (cut short, or not all read yet), is `garbage`.
 */
export function decodeStatus(text: string): StatusReport {
  const lines = text.split('\n');
  const last = lines.pop()!; // '' once the text ends in a newline
  let pid: number | undefined;
  let ready = false;
  const sofar = (): StatusReport => ({ ...(pid !== undefined ? { pid } : {}), ...(ready ? { ready } : {}) });
  for (const line of lines) {
    if (line === '') continue;
    if (line.length >= MAX_STATUS_LINE) return { garbage: line };
    const p = PID_LINE.exec(line);
    if (p && pid === undefined && Number(p[1]) < PID_LIMIT) {
      pid = Number(p[1]);
      continue;
    }
    if (line === STATUS_READY && pid !== undefined && !ready) {
      ready = true;
      continue;
    }
    const e = ERR_LINE.exec(line);
    if (e && Number(e[3]) < ERRNO_LIMIT) return { ...sofar(), error: { step: e[1]!, syscall: e[2]!, errno: Number(e[3]) } };
    return { garbage: line };
  }
  return last === '' ? sofar() : { garbage: last };
}
