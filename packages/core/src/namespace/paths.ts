/**
 * `/proc` paths of namespaces: the process's, the calling thread's, another
 * process's, and the `*_for_children` variants of pid and time.
 *
 * `/proc/self/ns/X` is the main thread's namespace; a worker thread's own is
 * `/proc/thread-self/ns/X`. After unshare or setns of a pid or time
 * namespace, only `pid_for_children`/`time_for_children` change.
 *
 * @module
 */
import { cloneFlag, type NamespaceType } from './kind.js';

/** Options for the path builders. */
export interface NsPathOptions {
  /**
   * For `pid` and `time`: the namespace new children will be in
   * (`pid_for_children`, `time_for_children`) rather than the current one.
   */
  readonly forChildren?: boolean;
}

/**
 * The file name of a type under `/proc/.../ns/`.
 *
 * @example
 * ```ts
 * import { nsFileName } from '@linuxns/core';
 * nsFileName('pid', { forChildren: true }); // 'pid_for_children'
 * ```
 */
export function nsFileName(type: NamespaceType, options: NsPathOptions = {}): string {
  cloneFlag(type); // throws TypeError on a bad type
  if (options.forChildren) {
    if (type !== 'pid' && type !== 'time') throw new TypeError(`forChildren applies to pid and time only, not ${type}`);
    return `${type}_for_children`;
  }
  return type;
}

/**
 * `/proc/self/ns/TYPE`: the namespace of the process's main thread.
 *
 * @example
 * ```ts
 * import { selfNamespacePath } from '@linuxns/core';
 * selfNamespacePath('net'); // '/proc/self/ns/net'
 * ```
 */
export function selfNamespacePath(type: NamespaceType, options: NsPathOptions = {}): string {
  return `/proc/self/ns/${nsFileName(type, options)}`;
}

/**
 * `/proc/thread-self/ns/TYPE`: the namespace of the calling thread.
 *
 * @example
 * ```ts
 * import { threadNamespacePath } from '@linuxns/core';
 * threadNamespacePath('uts'); // '/proc/thread-self/ns/uts'
 * ```
 */
export function threadNamespacePath(type: NamespaceType, options: NsPathOptions = {}): string {
  return `/proc/thread-self/ns/${nsFileName(type, options)}`;
}

/**
 * `/proc/PID/ns/TYPE`: the namespace of another process. Beware pid reuse:
 * the path names whatever process has that pid when it is opened; open a
 * handle early and keep it.
 *
 * @example
 * ```ts
 * import { processNamespacePath } from '@linuxns/core';
 * processNamespacePath(1234, 'pid', { forChildren: true }); // '/proc/1234/ns/pid_for_children'
 * ```
 */
export function processNamespacePath(pid: number, type: NamespaceType, options: NsPathOptions = {}): string {
  checkPid(pid);
  return `/proc/${pid}/ns/${nsFileName(type, options)}`;
}

/**
 * Throws a `TypeError` unless `pid` is a number, a `RangeError` unless it is a
 * positive integer a pid can be (misuse, not an error value).
 *
 * @example
 * ```ts
 * import { checkPid } from '@linuxns/core';
 * checkPid(process.pid); // fine
 * ```
 */
export function checkPid(pid: unknown): asserts pid is number {
  if (typeof pid !== 'number') throw new TypeError(`pid must be a number, got ${typeof pid}`);
  if (!Number.isInteger(pid) || pid <= 0 || pid > 0x3fffffff) throw new RangeError(`pid must be a positive integer, got ${pid}`);
}
