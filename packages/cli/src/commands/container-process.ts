/**
 * A process of a container run with this terminal's stdio, as `linuxns
 * container run` and `exec` do: signals passed on to it, and its exit status
 * passed on like a shell's; and the SIGNAL argument of `kill`.
 *
 * @module
 */
import { constants } from 'node:os';
import type { Container } from '@linuxns/container';
import type { NsChild } from '@linuxns/core';
import { signalStatus } from '../child.js';
import { CommandError, failed, UsageError } from '../output.js';

/** A SIGNAL argument: a name with or without SIG (any case) or a number 0..64. */
export function signalArg(command: string, text: string): NodeJS.Signals | number {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n > 64) throw new UsageError(command, `signal number must be from 0 to 64, got '${text}'`);
    return n;
  }
  const up = text.toUpperCase();
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  if (!Object.hasOwn(constants.signals, name)) throw new UsageError(command, `unknown signal '${text}': a name such as TERM, KILL or SIGHUP, or a number`);
  return name as NodeJS.Signals;
}

export type Launch = () => ReturnType<Container['exec']>;

/**
 * Launches a process (the init of `run`, or one of `exec`) with this
 * terminal's stdio and resolves to its exit status, passing signals on: the
 * ones in `forward` to it (held while it is set up, sent once it exists);
 * the others of SIGINT and SIGQUIT reach it from the terminal, being in our
 * process group: linuxns just outlives them.
 */
export async function passThrough(command: string, launch: Launch, forward: readonly NodeJS.Signals[], onStarted?: () => void): Promise<number> {
  let child: NsChild | undefined;
  let early: NodeJS.Signals | undefined;
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const s of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) {
    const passes = forward.includes(s);
    handlers.set(s, () => {
      if (child === undefined) early ??= s;
      else if (passes) child.kill(s);
    });
  }
  for (const [s, h] of handlers) process.on(s, h);
  try {
    const r = await launch();
    if (r.isErr()) {
      const e = r.error;
      const cause = e.kind === 'container-system-error' ? e.cause : undefined;
      // As util-linux's errexec: 127 when there is no such command, 126 when it cannot be run.
      if (cause?.kind === 'spawn-setup-failed' && cause.step === 'exec') {
        const why = cause.code === 'ENOENT' ? 'no such file or directory in the container' : `execve gave ${cause.code}`;
        throw new CommandError(command, `cannot execute the command: ${why}`, e, cause.code === 'ENOENT' ? 127 : 126);
      }
      if (early !== undefined) return signalStatus(early);
      throw failed(command, e);
    }
    child = r.value;
    onStarted?.();
    if (early !== undefined && forward.includes(early)) child.kill(early);
    const status = await child.exited;
    return status.code ?? signalStatus(status.signal);
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}
