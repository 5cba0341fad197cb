/**
 * Running the command of `exec`, `run` and `netns exec` through core's
 * spawn with this terminal's stdio, and passing its exit status on like a
 * shell: its code, or 128 + the signal that killed it.
 *
 * @module
 */
import { constants } from 'node:os';
import { spawn, type SpawnOptions } from '@linuxns/core';
import { CommandError, failed } from './output.js';

/** The command to run: the words given, or `$SHELL` (else `/bin/sh`) like nsenter and unshare. */
function commandOf(words: readonly string[]): [string, string[]] {
  const [file, ...args] = words;
  if (file !== undefined) return [file, args];
  const shell = process.env.SHELL;
  return [shell !== undefined && shell !== '' ? shell : '/bin/sh', []];
}

/** 128 + the number of `signal`, the status a shell gives a command it killed. */
export function signalStatus(signal: NodeJS.Signals | null): number {
  const n = signal === null ? undefined : (constants.signals as Record<string, number | undefined>)[signal];
  return 128 + (n ?? 0);
}

/**
 * Runs `words` with `options` (stdio inherited) and resolves to its exit
 * status. The signal handlers are in place before the helper starts: a
 * signal that comes while it sets the command up is held, then sent to the
 * command as soon as it exists, and the command is waited for (reaped).
 */
export async function runCommand(command: string, words: readonly string[], options: SpawnOptions): Promise<number> {
  const [file, args] = commandOf(words);
  let child: { kill(signal: NodeJS.Signals): unknown } | undefined;
  let early: NodeJS.Signals | undefined;
  // The terminal's SIGINT and SIGQUIT reach the command too (one process group): just outlive it.
  // SIGTERM and SIGHUP sent to linuxns alone are passed on. Any of them during setup is held.
  const onGroupSignal = (signal: NodeJS.Signals): void => {
    if (child === undefined) early ??= signal;
  };
  const forward = (signal: NodeJS.Signals): void => {
    if (child === undefined) early ??= signal;
    else child.kill(signal);
  };
  process.on('SIGINT', onGroupSignal).on('SIGQUIT', onGroupSignal).on('SIGTERM', forward).on('SIGHUP', forward);
  try {
    const r = await spawn(file, args, { ...options, stdio: 'inherit' });
    if (r.isErr()) {
      // Interrupted during setup: end as the signal would have ended us.
      if (early !== undefined) return signalStatus(early);
      const e = r.error;
      // As util-linux's errexec: 127 when there is no such command, 126 when it cannot be run.
      if (e.kind === 'spawn-setup-failed' && e.step === 'exec') {
        const why = e.code === 'ENOENT' ? 'no such file or directory (check the name and $PATH)' : `execve gave ${e.code}`;
        throw new CommandError(command, `cannot execute '${file}': ${why}`, e, e.code === 'ENOENT' ? 127 : 126);
      }
      throw failed(command, e);
    }
    const started = r.value;
    child = started;
    // A signal that came before the command existed: it gets it now (and is reaped below).
    if (early !== undefined) started.kill(early);
    const status = await started.exited;
    if (status.code !== null) return status.code;
    return signalStatus(status.signal);
  } finally {
    process.off('SIGINT', onGroupSignal).off('SIGQUIT', onGroupSignal).off('SIGTERM', forward).off('SIGHUP', forward);
  }
}
