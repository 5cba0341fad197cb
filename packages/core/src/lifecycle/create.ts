/**
 * Fresh namespaces without a process: create one and keep it by a handle
 * (pin it with `pin` so it outlives the handle).
 *
 * @module
 */
import { constants, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import { fsError, syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { NamespaceHandle } from '../namespace/handle.js';
import { isNamespaceType, unknownNamespaceType, type NamespaceType } from '../namespace/kind.js';
import { unsupportedInThread } from '../thread/target.js';
import { abortOnRestoreFailure, switchError, ThreadState } from '../thread/thread-state.js';
import type { MntWorkerReply } from './mnt-worker.js';


/**
 * Types {@link createNamespace} can make without a process.
 *
 * @example
 * ```ts
 * import { CREATABLE_TYPES } from '@linuxns/core';
 * CREATABLE_TYPES.includes('pid'); // false: a pid namespace needs its first process
 * ```
 */
export const CREATABLE_TYPES: readonly NamespaceType[] = Object.freeze(['cgroup', 'ipc', 'mnt', 'net', 'uts']);

function createOnThisThread(type: NamespaceType): Result<NamespaceHandle, NsError> {
  const state = ThreadState.current();
  const f = state.enter(type, 'new');
  if (f) return err(switchError(f));
  const path = `/proc/thread-self/ns/${type}`;
  let opened: Result<number, NsError>;
  try {
    opened = ok(openSync(path, constants.O_RDONLY));
  } catch (x) {
    opened = err(fsError(x, { path, namespace: type }));
  }
  const back = state.leave(type);
  if (back) abortOnRestoreFailure(back, 'createNamespace');
  // Node's openSync opens with O_CLOEXEC and keeps no record of the fd: the handle owns it as it is.
  return opened.map((fd) => NamespaceHandle.adopt(fd, type));
}

/**
 * Creates a fresh namespace of `type` and returns a handle on it; nothing
 * else holds it, so it disappears when the handle is closed unless it is
 * pinned ({@link pin}) or used. net, uts, ipc and cgroup are
 * created on the calling thread (which is back in its own namespaces before
 * this returns); mnt on a short-lived thread of its own, private like
 * `unshare(1)` makes it. pid, user and time need a process (a new pid
 * namespace cannot even be opened before its first process exists): they
 * are refused with `unsupported-in-thread`.
 *
 * @example
 * ```ts
 * import { createNamespace } from '@linuxns/core';
 * const net = await createNamespace('net');
 * if (net.isOk()) { console.log(String(net.value)); net.value.close(); }
 * ```
 */
export function createNamespace(type: NamespaceType): ResultAsync<NamespaceHandle, NsError> {
  if (typeof type !== 'string') throw new TypeError(`type must be a namespace type name, got ${typeof type}`);
  if (!isNamespaceType(type)) return errAsync(unknownNamespaceType(type));
  const refused = unsupportedInThread(type, CREATABLE_TYPES, 'createNamespace');
  if (refused) return errAsync(refused);
  if (type !== 'mnt') {
    const r = createOnThisThread(type);
    return r.isOk() ? okAsync(r.value) : errAsync(r.error);
  }
  return new ResultAsync(
    new Promise<Result<NamespaceHandle, NsError>>((resolve) => {
      const w = new Worker(new URL('./mnt-worker.js', import.meta.url));
      let answered = false;
      w.once('message', (m: MntWorkerReply) => {
        answered = true;
        const r: Result<NamespaceHandle, NsError> = 'fd' in m ? ok(NamespaceHandle.adopt(m.fd, 'mnt')) : err(syscallError(m.syscall, m.errno, { namespace: 'mnt' }));
        // Settle once the thread is gone, so that its fds are released when the caller looks.
        w.terminate().then(
          () => resolve(r),
          () => resolve(r),
        );
      });
      w.once('error', (e) => {
        if (!answered) resolve(err(syscallError('unshare', 'EIO', { namespace: 'mnt', path: String(e) })));
      });
      // A thread that ends without a word must not leave the promise pending.
      w.once('exit', (code) => {
        if (!answered) resolve(err(syscallError('unshare', 'EIO', { namespace: 'mnt', path: `worker exited with code ${code}` })));
      });
    }),
  );
}
