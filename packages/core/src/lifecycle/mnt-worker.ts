/**
 * The short-lived thread {@link createNamespace} runs for a new mount
 * namespace: a thread needs a filesystem context of its own to join or
 * create one, and the calling thread must keep its own. It enters a new
 * mount namespace with the same ThreadState code the pool's workers use
 * (unshare CLONE_FS, unshare CLONE_NEWNS, made private like unshare(1)),
 * posts one {@link MntWorkerReply} with an fd of it, and is terminated; the
 * fd keeps the namespace.
 *
 * @module
 */
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { dupCloexec } from '../ffi/syscall.js';
import { ThreadState } from '../thread/thread-state.js';

/** What the thread posts: the fd of the new namespace, or the call that failed. */
export type MntWorkerReply = { readonly fd: number } | { readonly syscall: string; readonly errno: number };

function make(): MntWorkerReply {
  const f = ThreadState.current().enter('mnt', 'new');
  if (f) return { syscall: f.syscall, errno: f.errno };
  const fd = openSync('/proc/thread-self/ns/mnt', 'r');
  const dup = dupCloexec(fd);
  closeSync(fd);
  return dup.isOk() ? { fd: dup.value } : { syscall: 'fcntl', errno: 'errno' in dup.error ? dup.error.errno : 5 /* EIO */ };
}

parentPort?.postMessage(make());
