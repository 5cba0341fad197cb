/**
 * The terminal of a container's process (OCI's `process.terminal` and
 * `consoleSize`, runc's `--console-socket`): the rules runc 1.1 checks on the
 * command line, and the library's `console` option they give. The pty itself
 * is made inside the container by the helper, which connects to the socket
 * first thing and sends the master there (SCM_RIGHTS), as runc's init does;
 * in the foreground the helper relays it to this command's stdin and stdout.
 *
 * @module
 */
import type { SpawnConsole } from '@linuxns/core';
import log = require('./log.cjs');

/**
 * runc's checkTerminal: a detached process with a terminal needs a console socket to send its
 * master to, and a console socket needs a detached process with a terminal; in runc's words,
 * after `prefix` (runc's `runc create failed: `, `exec failed: `). A foreground one with a
 * terminal has it relayed to this command's own stdin and stdout, as runc does.
 */
function checkTerminal(prefix: string, terminal: boolean, detach: boolean, consoleSocket: string | undefined): void {
  if (detach && terminal && consoleSocket === undefined) throw new log.RuntimeError(`${prefix}cannot allocate tty if runc will detach without setting console socket`);
  if ((!detach || !terminal) && consoleSocket !== undefined) throw new log.RuntimeError(`${prefix}cannot use console socket if runc will not detach or allocate tty`);
}

/** An OCI process without what the runtime handles itself (`terminal`, `consoleSize`), for the library. */
function withoutTerminal(proc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(proc).filter(([k]) => k !== 'terminal' && k !== 'consoleSize'));
}

/**
 * The library's `console` for OCI process `proc` and `--console-socket` (checked by checkTerminal): undefined
 * without a terminal; without a socket (a foreground process), relayed by the helper to this command's stdio.
 */
function consoleOf(proc: unknown, consoleSocket: string | undefined): SpawnConsole | undefined {
  const p = typeof proc === 'object' && proc !== null ? (proc as Record<string, unknown>) : {};
  if (p.terminal !== true) return undefined;
  const socket = consoleSocket !== undefined ? { socket: consoleSocket } : {};
  const size = p.consoleSize;
  if (size === undefined) return socket;
  const { height, width } = (typeof size === 'object' && size !== null ? size : {}) as Record<string, unknown>;
  const valid = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
  if (!valid(height) || !valid(width)) throw new log.RuntimeError(`process.consoleSize must be { height, width }, each an integer from 0 to 65535, got ${JSON.stringify(size)}`);
  return { ...socket, height, width };
}

/** Go's words (strerror, lower case) for the errors of a connect to a console socket. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ECONNREFUSED: 'connection refused',
  EACCES: 'permission denied',
  ENOTDIR: 'not a directory',
  ENOTSOCK: 'socket operation on non-socket',
  EPROTOTYPE: 'protocol wrong type for socket',
  ENAMETOOLONG: 'file name too long',
};

/** runc's words for a console socket its init could not connect to (`dial unix PATH: connect: ...`); undefined for another failure. */
function dialFailure(e: { readonly step: string; readonly syscall: string; readonly code: string }, socket: string): string | undefined {
  if (e.step !== 'console' || e.syscall !== 'connect') return undefined;
  return `dial unix ${socket}: connect: ${ERRNO_TEXT[e.code] ?? e.code}`;
}

export = { checkTerminal, withoutTerminal, consoleOf, dialFailure };
