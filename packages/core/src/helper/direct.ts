/**
 * The fast path of {@link spawn}, when nothing needs the helper: only joins
 * of thread-joinable types (net, uts, ipc, cgroup), stdio and env.
 *
 * @module
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { errAsync, ResultAsync, err, ok, type Result } from 'neverthrow';
import { syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { enterSync } from '../thread/enter-sync.js';
import { endingOf, nsChild, type NsChild } from './child.js';
import { closeAll, type JoinHandles } from './join.js';
import { STEP_EXEC, STEP_JOIN } from './protocol.js';
import { setupFailed } from './setup-failed.js';
import type { ValidatedSpawn } from './validate.js';

/** The environment of the command: no copy of ours unless something is added to it or it is replaced. */
function envOf(v: ValidatedSpawn): NodeJS.ProcessEnv {
  if (v.envMode === 'replace') return Object.fromEntries(v.env);
  return v.env.length > 0 ? { ...process.env, ...Object.fromEntries(v.env) } : process.env;
}

/**
 * Starts `command` with the calling thread in the namespaces of `handles`
 * for the one synchronous `child_process.spawn` call (libuv forks and execs
 * within it, so the child starts inside them); the thread is back before
 * this returns: no helper process, no second exec. Closes `handles`. Errors
 * have the helper's shapes: `spawn-setup-failed` at `join` or `exec`.
 */
export function spawnDirect(command: string, args: readonly string[], v: ValidatedSpawn, handles: JoinHandles): ResultAsync<NsChild, NsError> {
  let sub: ChildProcess | undefined;
  let thrown: unknown;
  const env = envOf(v);
  const entered = enterSync(Object.fromEntries(handles), () => {
    try {
      sub = spawnProcess(command, args, { stdio: [...v.stdio], env });
    } catch (e) {
      thrown = e; // reported below, once the thread is back
    }
  });
  closeAll(handles);
  if (entered.isErr()) {
    const e = entered.error;
    return errAsync('code' in e && typeof e.code === 'string' ? setupFailed(command, STEP_JOIN, 'setns', e.code) : e);
  }
  if (sub === undefined) {
    const x = thrown as NodeJS.ErrnoException | undefined;
    return errAsync(syscallError(x?.syscall ?? 'spawn', x?.code ?? 'EINVAL', { path: command }));
  }
  const child = sub;
  const { stdout, stderr, exited } = endingOf(child);
  return new ResultAsync(
    new Promise<Result<NsChild, NsError>>((resolve) => {
      if (child.pid !== undefined) {
        resolve(ok(nsChild(child.pid, child, stdout, stderr, exited)));
        return;
      }
      // libuv reports a failed exec (ENOENT, EACCES...) as an 'error' on the next tick.
      child.once('error', (e: NodeJS.ErrnoException) => {
        stdout?.destroy();
        stderr?.destroy();
        resolve(err(setupFailed(command, STEP_EXEC, 'execvp', typeof e.code === 'string' ? e.code : 'EIO')));
      });
    }),
  );
}
