/**
 * The helper's side of {@link spawn}: the request becomes the helper's
 * argv, the helper is started with the join handles and extra fds as
 * inherited fds, and its status channel says how the setup went (PID,
 * READY at the gate of `beforeExec`, or ERR).
 *
 * @module
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { errAsync, ResultAsync, err, ok, type Result } from 'neverthrow';
import { errnoName } from '../errors/errno.js';
import { syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { serializeThrown } from '../thread/serialize.js';
import { endingOf, nsChild, type NsChild } from './child.js';
import { invalidOption } from './invalid.js';
import { closeAll, type JoinHandles } from './join.js';
import type { SpawnOptions } from './options.js';
import { encodeRequest, GATE_OPEN } from './protocol.js';
import { decodeStatus } from './status-channel.js';
import { setupFailed } from './setup-failed.js';
import type { ValidatedSpawn } from './validate.js';

/** The status channel's fd in the helper; the join handles follow it, then the extra fds, then the gate. */
const STATUS_FD = 3;

/** A neverthrow Result (an Ok or an Err, from any copy of the library). */
function isResult(v: unknown): v is Result<unknown, NsError> {
  return typeof v === 'object' && v !== null && typeof (v as { isOk?: unknown }).isOk === 'function' && ('value' in v || 'error' in v);
}

/**
 * Runs `beforeExec` for the command `pid`, waiting at its gate: writes the byte that lets it
 * exec once the hook's Result is ok; otherwise closes the gate (end of file: the command gives
 * up) and returns the hook's error.
 */
async function openGate(beforeExec: NonNullable<SpawnOptions['beforeExec']>, gate: Writable, pid: number): Promise<NsError | undefined> {
  let r: unknown;
  try {
    r = await beforeExec(pid);
  } catch (e) {
    r = err(serializeThrown(e));
  }
  const result = isResult(r) ? r : err(invalidOption('beforeExec', `beforeExec must return a Result (or a promise of one), got ${r === null ? 'null' : typeof r}`));
  if (result.isOk()) {
    gate.end(GATE_OPEN);
    return undefined;
  }
  gate.destroy();
  return result.error;
}

/**
 * Starts `command` through the helper at `helper`, set up as `v` says, joining `handles` (closed
 * here, once the helper has its own copies). Resolves once the status channel has ended: to the
 * command, or to the error that stopped it, with nothing left running and no fd open.
 */
export function spawnWithHelper(
  helper: string,
  command: string,
  args: readonly string[],
  v: ValidatedSpawn,
  handles: JoinHandles,
  beforeExec: SpawnOptions['beforeExec'],
): ResultAsync<NsChild, NsError> {
  const firstFd = STATUS_FD + 1;
  // The gate, a socket of its own after the other inherited fds: end of file on it, rather than a byte, tells the command not to run.
  const gateFd = beforeExec || v.gate !== undefined ? firstFd + handles.length + v.fds.length : undefined;
  // The seccomp program's bytes, on a pipe of their own after the gate: the helper reads them to the end first thing.
  const seccompFd = v.seccomp ? firstFd + handles.length + v.fds.length + (gateFd !== undefined ? 1 : 0) : undefined;
  const argv = encodeRequest({
    statusFd: STATUS_FD,
    ...(gateFd !== undefined ? { gateFd } : {}),
    join: handles.map(([type], i) => [type, firstFd + i] as const),
    create: v.create,
    uidMappings: v.uidMappings,
    gidMappings: v.gidMappings,
    ...(v.setgroups !== undefined ? { setgroups: v.setgroups } : {}),
    envClear: v.envMode === 'replace',
    env: v.env,
    ...v.settings,
    ...(v.seccomp && seccompFd !== undefined ? { seccomp: [seccompFd, v.seccomp.flags] as const } : {}),
    fds: v.fds.map(([target], i) => [target, firstFd + handles.length + i] as const),
    pins: v.pins,
    command,
    args,
  });

  let sub: ChildProcess;
  try {
    const pipes = [...(gateFd !== undefined ? [v.gate ?? ('pipe' as const)] : []), ...(seccompFd !== undefined ? ['pipe' as const] : [])];
    sub = spawnProcess(helper, argv, { stdio: [...v.stdio, 'pipe', ...handles.map(([, h]) => h.fd), ...v.fds.map(([, source]) => source), ...pipes] });
  } catch (e) {
    // Node throws at once for what it refuses itself (e.g. an stdio fd that is not open).
    const x = e as NodeJS.ErrnoException;
    return errAsync(syscallError(x.syscall ?? 'spawn', x.code ?? 'EINVAL', { path: helper }));
  } finally {
    closeAll(handles); // the helper has its own copies now
  }
  const { stdout, stderr, exited, closed } = endingOf(sub);
  if (v.seccomp && seccompFd !== undefined) {
    const program = sub.stdio[seccompFd] as Writable;
    program.on('error', () => {}); // a helper that failed first (a bad join fd...) no longer reads it
    program.end(v.seccomp.filter);
  }

  return new ResultAsync(
    new Promise<Result<NsChild, NsError>>((resolve) => {
      let status = '';
      const channel = sub.stdio[STATUS_FD] as Readable;
      channel.setEncoding('latin1');
      // beforeExec: called at READY; the command waits for a byte on the gate, end of file makes it give up.
      const gate = gateFd !== undefined ? (sub.stdio[gateFd] as Writable) : undefined;
      gate?.on('error', () => {}); // the helper may be gone by the time the gate is written
      let gateDone: Promise<NsError | undefined> | undefined;
      channel.on('data', (d: string) => {
        status += d;
        if (gate && beforeExec && gateDone === undefined) {
          const r = decodeStatus(status);
          if (r.ready && r.pid !== undefined && !r.error) gateDone = openGate(beforeExec, gate, r.pid);
        }
      });
      sub.once('error', (e: NodeJS.ErrnoException) => {
        resolve(err({ kind: 'helper-not-found', path: helper, fix: 'reinstall @linuxns/helper-c', message: `could not start the helper ${helper}: ${e.message}` }));
      });
      const onEnd = async (): Promise<void> => {
        const report = decodeStatus(status);
        // A refused gate: the command gave up (ERR gate), and the caller's own error is the answer.
        const gateError = gateDone ? await gateDone : undefined;
        if (gateError) {
          stdout?.destroy();
          stderr?.destroy();
          await closed;
          resolve(err(gateError));
          return;
        }
        if (report.error || report.pid === undefined) {
          const e = report.error ?? { step: 'protocol', syscall: 'read', errno: 71 /* EPROTO */ };
          stdout?.destroy(); // nothing to read: the command never ran
          stderr?.destroy();
          const message = report.garbage !== undefined ? `the helper broke its protocol (it said ${JSON.stringify(report.garbage)})` : undefined;
          void closed.then(() => resolve(err(setupFailed(command, e.step, e.syscall, errnoName(e.errno), v.pins, message))));
          return;
        }
        resolve(ok(nsChild(report.pid, sub, stdout, stderr, exited)));
      };
      channel.once('end', () => void onEnd());
    }),
  );
}
