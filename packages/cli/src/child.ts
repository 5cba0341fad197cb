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

/** Runs `words` with `options` (stdio inherited) and resolves to its exit status. */
export async function runCommand(command: string, words: readonly string[], options: SpawnOptions): Promise<number> {
  const [file, args] = commandOf(words);
  const r = await spawn(file, args, { ...options, stdio: 'inherit' });
  if (r.isErr()) {
    const e = r.error;
    // As util-linux's errexec: 127 when there is no such command, 126 when it cannot be run.
    if (e.kind === 'spawn-setup-failed' && e.step === 'exec') {
      const why = e.code === 'ENOENT' ? 'no such file or directory (check the name and $PATH)' : `execve gave ${e.code}`;
      throw new CommandError(command, `cannot execute '${file}': ${why}`, e, e.code === 'ENOENT' ? 127 : 126);
    }
    throw failed(command, e);
  }
  const child = r.value;
  // The terminal's SIGINT and SIGQUIT reach the command too (one process group): just outlive it.
  // SIGTERM and SIGHUP sent to linuxns alone are passed on.
  const ignore = (): void => {};
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', ignore).on('SIGQUIT', ignore).on('SIGTERM', forward).on('SIGHUP', forward);
  const status = await child.exited;
  process.off('SIGINT', ignore).off('SIGQUIT', ignore).off('SIGTERM', forward).off('SIGHUP', forward);
  if (status.code !== null) return status.code;
  const n = status.signal === null ? undefined : (constants.signals as Record<string, number | undefined>)[status.signal];
  return 128 + (n ?? 0);
}
