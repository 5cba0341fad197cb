/**
 * What {@link listNamespaces} reports about one namespace: {@link NamespaceInfo}
 * and how it was found ({@link NamespaceHolder}).
 *
 * @module
 */
import type { NamespaceIdentity } from '../namespace/identity.js';
import type { NamespaceType } from '../namespace/kind.js';

/**
 * How a namespace was found, i.e. what keeps it alive:
 *
 * - `'process'`: the `/proc/PID/ns/TYPE` link of a process (its main thread) points to it;
 * - `'thread'`: only some other thread of a process is in it (`/proc/PID/task/TID/ns/TYPE`),
 *   e.g. a {@link NamespacePool} worker in the middle of a task;
 * - `'pin'`: an nsfs bind mount (`ip netns add`, `pin`, `unshare --net=FILE`);
 * - `'fd'`: an open file descriptor of some process (`/proc/PID/fd/N` reads `net:[ino]`);
 * - `'related'`: nothing of the above: it is the owner or parent of another namespace that
 *   is listed, which keeps it alive (a user namespace whose every process has exited, while a
 *   pinned network namespace it owns lives on).
 *
 * @example
 * ```ts
 * import { listNamespaces } from '@linuxns/core';
 * const r = listNamespaces({ type: 'net' });
 * const pinnedOnly = r.isOk() ? r.value.filter((ns) => ns.holders.length === 1 && ns.holders[0] === 'pin') : [];
 * console.log(pinnedOnly.map((ns) => ns.paths[0])); // e.g. ['/run/netns/lab']
 * ```
 */
export type NamespaceHolder = 'process' | 'thread' | 'pin' | 'fd' | 'related';

/**
 * Options of {@link listNamespaces}, as `lsns -t TYPE` and `lsns -p PID`.
 *
 * @example
 * ```ts
 * import { listNamespaces, type ListNamespacesOptions } from '@linuxns/core';
 * const options: ListNamespacesOptions = { type: 'user', pid: process.pid };
 * listNamespaces(options); // ok([the user namespace of this process])
 * ```
 */
export interface ListNamespacesOptions {
  /** Only namespaces of this type. */
  readonly type?: NamespaceType;
  /**
   * Only the namespaces process `pid` is in (its `/proc/PID/ns/*` links), each still with its
   * system-wide `nprocs`. A pid that does not exist gives `no-such-process`.
   */
  readonly pid?: number;
}

/**
 * One namespace on the system, as `lsns` shows it, plus what the nsfs ioctls tell.
 * Inode numbers (`ino`, `parent`, `owner`) are bigints: compare them with `===`.
 *
 * The process fields (`pid`, `ppid`, `uid`, `user`, `command`) describe the lowest pid in the
 * namespace; for a namespace only a thread is in (holder `'thread'`) the lowest pid with such a
 * thread; they are `undefined` when no process is in it (held by a pin, an fd, or another
 * namespace only).
 *
 * @example
 * ```ts
 * import { listNamespaces, type NamespaceInfo } from '@linuxns/core';
 * const describe = (ns: NamespaceInfo): string =>
 *   `${ns.type}:[${ns.ino}] ${ns.nprocs} procs, pid ${ns.pid ?? '-'} (${ns.command ?? ns.paths.join(' ')}), owner ${ns.owner ?? '-'}, via ${ns.holders.join('+')}`;
 * listNamespaces().map((all) => all.forEach((ns) => console.log(describe(ns))));
 * ```
 */
export interface NamespaceInfo extends NamespaceIdentity {
  /** The namespace type. */
  readonly type: NamespaceType;
  /** Device of the nsfs inode. */
  readonly dev: bigint;
  /** Inode number: lsns's `NS` column, the number in `net:[4026531840]`. */
  readonly ino: bigint;
  /** Number of processes whose `/proc/PID/ns/TYPE` link points to it (each process once; threads are not counted). */
  readonly nprocs: number;
  /** The lowest pid in it (see above). */
  readonly pid?: number;
  /** Parent pid of {@link NamespaceInfo.pid}. */
  readonly ppid?: number;
  /** uid of {@link NamespaceInfo.pid} (the owner of its `/proc/PID` directory, as lsns reads it). */
  readonly uid?: number;
  /** User name of {@link NamespaceInfo.uid} from `/etc/passwd`, else the uid as a string. */
  readonly user?: string;
  /** Command line of {@link NamespaceInfo.pid}, arguments joined by spaces; its `comm` when the command line is empty (kernel threads). */
  readonly command?: string;
  /**
   * Pin paths: mount points of nsfs bind mounts of this namespace in the caller's mount
   * namespace. A namespace pinned only in other mount namespaces gets those pins as
   * `/proc/PID/root/MOUNTPOINT` (PID: a process in that mount namespace), a path the caller
   * can open while that process lives.
   */
  readonly paths: readonly string[];
  /** Inode of the parent namespace (user and pid namespaces, `NS_GET_PARENT`); `undefined` at the root or when the kernel hides it (`EPERM`). */
  readonly parent?: bigint;
  /** Inode of the user namespace that owns it (`NS_GET_USERNS`); `undefined` when the kernel hides it (the initial user namespace has no owner). */
  readonly owner?: bigint;
  /** For user namespaces: the uid of the process that created it (`NS_GET_OWNER_UID`), as the caller's user namespace sees it. */
  readonly ownerUid?: number;
  /**
   * For network namespaces: the id the caller's network namespace gave it (`ip netns set`,
   * a veth peer's link-netnsid; lsns's `NETNSID`), when one is set (an `RTM_GETNSID` request).
   */
  readonly netnsid?: number;
  /** How it was found, in this order: `'process'`, `'thread'`, `'pin'`, `'fd'`, `'related'`. Never empty. */
  readonly holders: readonly NamespaceHolder[];
}
