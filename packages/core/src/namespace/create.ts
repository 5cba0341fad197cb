/**
 * Fresh namespaces without a process: create one, keep it by a handle, and
 * pin it to a path (a bind mount of its nsfs file, as `ip netns add` and
 * `unshare --net=FILE` do) so it outlives the handle.
 *
 * @module
 */
import { closeSync, constants, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { err, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import { fsError, syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { dupCloexec } from '../ffi/syscall.js';
import { NamespaceHandle } from './handle.js';
import { cloneFlag, type NamespaceType } from './kind.js';
import { bindPin, unpin } from '../lifecycle/pin.js';
import { unsupportedInThread } from '../thread/target.js';
import { abortOnRestoreFailure, switchError, ThreadState } from '../thread/thread-state.js';


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
  // Move the fd out of Node's fd tracking into a handle this process owns.
  return opened.andThen((fd) => {
    const dup = dupCloexec(fd, { namespace: type });
    closeSync(fd);
    return dup.map((d) => NamespaceHandle.adopt(d, type));
  });
}

/**
 * A new mount namespace needs a thread with its own filesystem context: a
 * short-lived worker enters one with the same ThreadState code the pool uses
 * (unshare CLONE_FS, unshare CLONE_NEWNS, private like unshare(1)), and hands
 * back an fd of it. The thread then ends; the fd keeps the namespace.
 */
const MNT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
Promise.all([import(workerData.threadState), import(workerData.syscall), import('node:fs')]).then(([{ ThreadState }, sys, fs]) => {
  const f = ThreadState.current().enter('mnt', 'new');
  if (f) return parentPort.postMessage({ syscall: f.syscall, errno: f.errno });
  const fd = fs.openSync('/proc/thread-self/ns/mnt', 'r');
  const dup = sys.dupCloexec(fd);
  fs.closeSync(fd);
  parentPort.postMessage(dup.isOk() ? { fd: dup.value } : { syscall: 'fcntl', errno: dup.error.errno });
});`;

/**
 * Creates a fresh namespace of `type` and returns a handle on it; nothing
 * else holds it, so it disappears when the handle is closed unless it is
 * pinned ({@link pinNamespace}) or used. net, uts, ipc and cgroup are
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
  cloneFlag(type); // a TypeError for a name that is no namespace type at all
  const refused = unsupportedInThread(type, CREATABLE_TYPES, 'createNamespace');
  if (refused) return new ResultAsync(Promise.resolve(err(refused)));
  if (type !== 'mnt') {
    const r = createOnThisThread(type);
    return r.isOk() ? okAsync(r.value) : new ResultAsync(Promise.resolve(err(r.error)));
  }
  return new ResultAsync(
    new Promise<Result<NamespaceHandle, NsError>>((resolve) => {
      const w = new Worker(MNT_WORKER, {
        eval: true,
        workerData: {
          threadState: new URL('../thread/thread-state.js', import.meta.url).href,
          syscall: new URL('../ffi/syscall.js', import.meta.url).href,
        },
      });
      let answered = false;
      w.once('message', (m: { fd?: number; syscall?: string; errno?: number }) => {
        answered = true;
        const r: Result<NamespaceHandle, NsError> =
          m.fd !== undefined ? ok(NamespaceHandle.adopt(m.fd, 'mnt')) : err(syscallError(m.syscall ?? 'unshare', m.errno ?? 0, { namespace: 'mnt' }));
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

/**
 * Pins the namespace of `handle` to `path`: creates `path` as an empty file
 * (it must not exist; its directory must) and bind-mounts the namespace on
 * it. The namespace then lives until {@link unpinNamespace}, whatever
 * happens to processes and handles. On failure nothing is left behind.
 *
 * @example
 * ```ts
 * import { createNamespace, pinNamespace, unpinNamespace } from '@linuxns/core';
 * const h = (await createNamespace('net'))._unsafeUnwrap();
 * pinNamespace(h, '/run/netns/demo');
 * h.close(); // still alive: pinned
 * unpinNamespace('/run/netns/demo');
 * ```
 */
export function pinNamespace(handle: NamespaceHandle, path: string): Result<void, NsError> {
  if (!(handle instanceof NamespaceHandle)) throw new TypeError('handle must be a NamespaceHandle');
  if (typeof path !== 'string') throw new TypeError(`path must be a string, got ${typeof path}`);
  return bindPin(handle.fd, handle.type, String(handle), path, { createParents: false, reuseEmptyFile: false });
}

/**
 * Undoes {@link pinNamespace}: unmounts the pin and removes the file. A path
 * on which no namespace is pinned gives `not-pinned` and is left alone. The
 * same as {@link unpin}.
 *
 * @example
 * ```ts
 * import { unpinNamespace } from '@linuxns/core';
 * const r = unpinNamespace('/run/netns/demo');
 * if (r.isErr()) console.error(r.error.message);
 * ```
 */
export function unpinNamespace(path: string): Result<void, NsError> {
  return unpin(path);
}
