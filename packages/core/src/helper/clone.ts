/**
 * The in-process path of {@link spawn}: liblinuxns's `lns_spawn` makes the
 * command's process with clone(CLONE_VM | CLONE_VFORK) from the calling
 * thread (no copy of Node's address space, no helper program exec'd first),
 * creates the new namespaces in that clone, joins the others in the child and
 * execs. Its exit comes from liblinuxns's reaping thread over a pipe read
 * here (children are waited for by pidfd: no other child's exit is taken,
 * libuv's included); its stdio pipes are ordinary Node streams.
 *
 * It serves what needs no helper step: joins of net, uts, ipc, cgroup, mnt,
 * pid (the calling thread enters a pid namespace around the clone) and user
 * (when nothing is created), new
 * net, uts, ipc, mnt (made private, as unshare(1) does, or as
 * `mountPropagation` says), cgroup and pid namespaces, a new user namespace
 * with its maps (when nothing is joined: the child waits while they are
 * written), a new time namespace with its offsets, stdio, env and the process settings of clone-settings.ts (hostname, domainname, cwd, root,
 * umask, rlimits, a new session, the parent-death signal, ids, capabilities,
 * no_new_privs); on the main thread only (a worker's spawn keeps
 * the enterSync path); and when liblinuxns loads. `LINUXNS_SPAWN=helper` in
 * the environment sends everything to the helper instead (tests run the
 * spawn suites on both paths).
 *
 * @module
 */
import { accessSync, constants as fsConstants, openSync, closeSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { errAsync, okAsync, type ResultAsync } from 'neverthrow';
import { errnoName } from '../errors/errno.js';
import type { NsError } from '../errors/ns-error.js';
import { close as closeRaw, errno as libcErrno, pipe2 } from '../ffi/libc.js';
import { O_CLOEXEC } from '../ffi/constants.js';
import { liblinuxns, type Liblinuxns } from '../ffi/liblinuxns.js';
import { cloneFlag, type NamespaceType } from '../namespace/kind.js';
import { cloneStepError, lnsSettings } from './clone-settings.js';
import { endingOfStreams, nsChild, type ExitStatus, type NsChild } from './child.js';
import { closeAll, type JoinHandles } from './join.js';
import { STEP_EXEC } from './protocol.js';
import { setupFailed } from './setup-failed.js';
import type { ValidatedSpawn } from './validate.js';

/**
 * Namespace types lns_spawn creates: by the clone, user too with nothing joined (a join from inside the
 * new user namespace would lack the privileges the helper has outside it), its maps written by the
 * caller while the child waits; time by the child's unshare, its offsets written before its exec (the
 * only moment a process enters it).
 */
export const CLONE_CREATES: readonly NamespaceType[] = ['net', 'uts', 'ipc', 'mnt', 'cgroup', 'pid', 'user', 'time'];

/**
 * Namespace types lns_spawn joins: user only when nothing is created (the clone would make the new
 * namespaces owned by the caller's user namespace, the helper makes them after the join); not time
 * (setns of a time namespace needs a single-threaded caller, which neither Node nor a child sharing
 * its memory is: EUSERS).
 */
export const CLONE_JOINS: readonly NamespaceType[] = ['net', 'uts', 'ipc', 'cgroup', 'mnt', 'pid', 'user'];

const CLD_EXITED = 1;

/** The library when this call may take the in-process path; else undefined. */
export function clonePath(): Liblinuxns | undefined {
  if (!isMainThread || process.env.LINUXNS_SPAWN === 'helper') return undefined;
  return liblinuxns();
}

// ------------------------------------------------------------------ exits

/** Commands started here and not yet reported, by pid. */
const waiting = new Map<number, (status: ExitStatus) => void>();
let exits: Socket | undefined;
let partial = Buffer.alloc(0);

const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

function onRecords(chunk: Buffer): void {
  let buf = partial.length > 0 ? Buffer.concat([partial, chunk]) : chunk;
  while (buf.length >= 12) {
    const pid = buf.readInt32LE(0);
    const code = buf.readInt32LE(4);
    const status = buf.readInt32LE(8);
    buf = buf.subarray(12);
    const resolve = waiting.get(pid);
    if (resolve === undefined) continue;
    waiting.delete(pid);
    resolve(code === CLD_EXITED ? { code: status, signal: null } : { code: null, signal: SIGNAL_NAMES.get(status) ?? null });
  }
  partial = Buffer.from(buf);
  if (waiting.size === 0) exits?.unref();
}

/** The pipe of exits, read from the first in-process spawn on; referenced only while a command runs. */
function exitReader(lib: Liblinuxns): number | undefined {
  if (exits !== undefined) return 0;
  const fd = lib.exitFd();
  if (fd < 0) return -fd;
  exits = new Socket({ fd, readable: true, writable: false });
  exits.on('data', onRecords);
  exits.unref();
  return 0;
}

function exitOf(pid: number): Promise<ExitStatus> {
  const p = new Promise<ExitStatus>((resolve) => waiting.set(pid, resolve));
  exits!.ref();
  return p;
}

// ------------------------------------------------------------------ the command

/** `command` as execvp finds it: a path as it is, a name searched on the PATH of `env` (execvp's default without one). */
function resolveCommand(command: string, env: NodeJS.ProcessEnv): string | { code: string } {
  if (command.includes('/')) return command;
  let denied = false;
  for (const dir of (env.PATH ?? '/bin:/usr/bin').split(':')) {
    const candidate = `${dir === '' ? '.' : dir}/${command}`;
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch (e) {
      if ((e as { code?: string }).code === 'EACCES') denied = true;
    }
  }
  return { code: denied ? 'EACCES' : 'ENOENT' };
}

function envOf(v: ValidatedSpawn): NodeJS.ProcessEnv {
  if (v.envMode === 'replace') return Object.fromEntries(v.env);
  return v.env.length > 0 ? { ...process.env, ...Object.fromEntries(v.env) } : process.env;
}

/**
 * Starts `command` by lns_spawn, creating `v.create` and joining `handles`
 * (closed before this returns, as on the other paths).
 */
export function spawnClone(lib: Liblinuxns, command: string, args: readonly string[], v: ValidatedSpawn, handles: JoinHandles): ResultAsync<NsChild, NsError> {
  const env = envOf(v);
  const path = resolveCommand(command, env);
  if (typeof path !== 'string') {
    closeAll(handles);
    return errAsync(setupFailed(command, STEP_EXEC, 'execvp', path.code));
  }
  const readerError = exitReader(lib);
  if (readerError) {
    closeAll(handles);
    return errAsync(setupFailed(command, 'fork', 'pipe2', errnoName(readerError)));
  }
  // stdio: the child's ends (dup2'd to 0-2 in the child), ours (kept), and what to close after.
  const childFds = new Int32Array(3);
  const ours: (number | undefined)[] = [undefined, undefined, undefined];
  const toClose: number[] = [];
  let devNull: number | undefined;
  const fds = new Int32Array(2);
  // On a failure here, everything made so far is closed and the step named.
  const fail = (syscall: string, code: string): ResultAsync<NsChild, NsError> => {
    for (const fd of [...toClose, ...ours, devNull]) if (fd !== undefined) closeRaw(fd);
    closeAll(handles);
    return errAsync(setupFailed(command, 'fds', syscall, code));
  };
  for (let i = 0; i < 3; i++) {
    const s = v.stdio[i];
    if (s === 'pipe' || s === 'overlapped') {
      if (pipe2(fds, O_CLOEXEC) !== 0) return fail('pipe2', errnoName(libcErrno()));
      childFds[i] = i === 0 ? fds[0]! : fds[1]!;
      ours[i] = i === 0 ? fds[1]! : fds[0]!;
      toClose.push(childFds[i]!);
    } else if (s === 'ignore' || s === null || s === undefined) {
      try {
        devNull ??= openSync('/dev/null', 'r+'); // O_CLOEXEC, as every fd Node opens
      } catch (e) {
        return fail('open', (e as NodeJS.ErrnoException).code ?? 'EIO');
      }
      childFds[i] = devNull;
    } else if (s === 'inherit') {
      childFds[i] = i;
    } else {
      childFds[i] = s as number;
    }
  }
  if (devNull !== undefined) toClose.push(devNull);
  const join = new Int32Array(handles.length * 2);
  handles.forEach(([type, h], i) => {
    join[2 * i] = h.fd;
    join[2 * i + 1] = cloneFlag(type);
  });
  const flags = v.create.reduce((f, t) => f | cloneFlag(t), 0);
  const argv = [command, ...args, null];
  // execvp's rule for a file the kernel cannot execute (ENOEXEC, a script without #!): run it with /bin/sh.
  const shArgv = ['sh', path, ...args, null];
  // Our own environment unchanged: the library takes the process's environ itself (process.env is it, on
  // the main thread), instead of the slow walk of process.env's getters (a tenth of a millisecond a spawn).
  const envp = env === process.env ? null : [...Object.entries(env).filter(([, value]) => value !== undefined).map(([k, value]) => `${k}=${value}`), null];
  let pid: number;
  try {
    pid = lib.spawn(path, argv, shArgv, envp, join, handles.length, flags, childFds, lnsSettings(v));
  } catch (e) {
    // A value koffi cannot pass (a bug, not the kernel's answer): nothing was started; everything made here is closed.
    return fail('lns_spawn', (e as NodeJS.ErrnoException).code ?? 'EINVAL');
  }
  for (const fd of toClose) closeSync(fd);
  closeAll(handles);
  if (pid < 0) {
    ours.forEach((fd) => fd !== undefined && closeSync(fd));
    return errAsync(cloneStepError(command, pid));
  }
  let reported = false;
  const stdin = ours[0] === undefined ? null : new Socket({ fd: ours[0], readable: false, writable: true });
  // Once the command has exited its stdin is closed, as child_process does (nobody can read it any more).
  const exit = exitOf(pid).then((status) => {
    reported = true;
    stdin?.destroy();
    return status;
  });
  const stdout = ours[1] === undefined ? null : new Socket({ fd: ours[1], readable: true, writable: false });
  const stderr = ours[2] === undefined ? null : new Socket({ fd: ours[2], readable: true, writable: false });
  const ending = endingOfStreams(exit, stdout, stderr);
  const kill = (signal: NodeJS.Signals | number = 'SIGTERM'): boolean => {
    if (reported) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  return okAsync(nsChild(pid, { stdin, kill }, ending.stdout, ending.stderr, ending.exited));
}
