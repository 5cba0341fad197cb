/**
 * {@link listNamespaces}: every namespace on the system, like `lsns`, found
 * from processes, threads, pins and open fds, each opened once to ask the
 * nsfs ioctls (owner, parent, owner uid) and closed again.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import { closeFd, NS_GET_PARENT, NS_GET_USERNS, nsIoctlFd, nsOwnerUid, nsTypeFlag } from '../ffi/syscall.js';
import { cloneFlag, typeFromCloneFlag, type NamespaceType } from '../namespace/kind.js';
import { NS_OPEN_FLAGS } from '../namespace/open.js';
import { checkPid } from '../namespace/paths.js';
import type { ListNamespacesOptions, NamespaceHolder, NamespaceInfo } from './info.js';
import { isSkippable, parseNsLink, processDetails, readPasswd, SCAN_TYPES, type ProcessDetails } from './proc.js';
import { keyOf, newEntry, scanSystem, type ScanEntry } from './scan.js';
import { NsidQuery } from './netnsid.js';

/** An {@link NsError} that ends the listing (thrown inside, returned by {@link listNamespaces}). */
class Abort extends Error {
  constructor(readonly error: NsError) {
    super(error.message);
  }
}

/** What the ioctls tell about one open namespace. */
interface Related {
  dev: bigint;
  parent?: bigint;
  owner?: bigint;
  ownerUid?: number;
  netnsid?: number;
}

/** Per-call state: the scan, the filter, and caches of what was read. */
class Lister {
  readonly #entries: Map<string, ScanEntry>;
  /** Which namespaces to open and ask (a superset of those returned). */
  readonly #open: (e: ScanEntry) => boolean;
  /** Which namespaces to return. */
  readonly #wanted: (e: ScanEntry) => boolean;
  /** Whether owners and parents found nowhere else are listed (holder `'related'`). */
  readonly #related: boolean;
  readonly #out = new Map<string, NamespaceInfo>();
  readonly #details = new Map<number, ProcessDetails | undefined>();
  #passwd: Map<number, string> | undefined;
  /** Asks network namespaces' ids; made on the first one. */
  #nsid: NsidQuery | undefined;
  #nsfsDev: bigint | undefined;

  constructor(entries: Map<string, ScanEntry>, open: (e: ScanEntry) => boolean, wanted: (e: ScanEntry) => boolean, related: boolean) {
    this.#entries = entries;
    this.#open = open;
    this.#wanted = wanted;
    this.#related = related;
  }

  run(): NamespaceInfo[] {
    try {
      for (const e of [...this.#entries.values()]) {
        if (this.#open(e) && !this.#out.has(e.key)) this.#inspect(e);
      }
    } finally {
      this.#nsid?.close();
    }
    return [...this.#out.values()].filter((info) => this.#wanted(this.#entries.get(keyOf(info.type, info.ino))!)).sort((a, b) => (a.ino < b.ino ? -1 : a.ino > b.ino ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  /** Opens the namespace of `e` from the first of its paths that still names it, asks, closes. */
  #inspect(e: ScanEntry): void {
    const candidates = [
      ...e.procs.map((pid) => `/proc/${pid}/ns/${e.type}`),
      ...e.threads.values(),
      ...e.pins,
      ...e.foreignPins,
      ...e.fds,
    ];
    let denied = false;
    for (const path of candidates) {
      let fd: number;
      try {
        fd = openSync(path, NS_OPEN_FLAGS);
      } catch (thrown) {
        if (!isSkippable(thrown)) throw thrown;
        const code = (thrown as { code?: unknown }).code;
        if (code === 'EACCES' || code === 'EPERM') denied = true;
        continue;
      }
      try {
        // The path may name something else by now (pid reuse, an fd number reused, a pin replaced).
        const st = fstatSync(fd, { bigint: true });
        if (st.ino !== e.ino || typeFromCloneFlag(nsTypeFlag(fd)) !== e.type) continue;
        this.#describe(e, this.#ask(fd, e.type, st.dev));
        return;
      } finally {
        closeSync(fd);
      }
    }
    // Nothing could be opened: gone (every holder exited or closed it), or not ours to open.
    if (denied) this.#describe(e, { dev: this.#devOfNsfs() });
  }

  /** The ioctls on an open namespace fd: `NS_GET_USERNS`, `NS_GET_PARENT` (user, pid), `NS_GET_OWNER_UID` (user). */
  #ask(fd: number, type: NamespaceType, dev: bigint): Related {
    const info: Related = { dev };
    info.owner = this.#relatedIno(fd, NS_GET_USERNS);
    if (type === 'user' || type === 'pid') info.parent = this.#relatedIno(fd, NS_GET_PARENT);
    if (type === 'user') {
      const uid = nsOwnerUid(fd, { namespace: type });
      if (uid.isOk()) info.ownerUid = uid.value;
    }
    if (type === 'net') {
      this.#nsid ??= new NsidQuery();
      const id = this.#nsid.get(fd);
      if (id !== undefined) info.netnsid = id;
    }
    return info;
  }

  /**
   * The inode of the namespace an ioctl opens, closing it again; `undefined`
   * when the kernel hides it (`EPERM`: the root, or outside the caller's
   * hierarchy). A namespace found this way and nowhere else is described from
   * this very fd (holder `'related'`).
   */
  #relatedIno(fd: number, request: number): bigint | undefined {
    const r = nsIoctlFd(fd, request);
    if (r.isErr()) {
      if ('code' in r.error && (r.error.code === 'EPERM' || r.error.code === 'EINVAL')) return undefined;
      throw new Abort(r.error);
    }
    const rfd = r.value;
    try {
      const type = typeFromCloneFlag(nsTypeFlag(rfd));
      if (type === undefined) return undefined;
      const st = fstatSync(rfd, { bigint: true });
      const key = keyOf(type, st.ino);
      if (this.#related && !this.#entries.has(key)) {
        const e = newEntry(type, st.ino);
        e.related = true;
        this.#entries.set(key, e);
        this.#describe(e, this.#ask(rfd, type, st.dev));
      }
      return st.ino;
    } finally {
      closeFd(rfd);
    }
  }

  #describe(e: ScanEntry, rel: Related): void {
    const holders: NamespaceHolder[] = [];
    if (e.procs.length > 0) holders.push('process');
    if (e.threads.size > 0) holders.push('thread');
    if (e.pins.length > 0 || e.foreignPins.length > 0) holders.push('pin');
    if (e.fds.length > 0) holders.push('fd');
    if (e.related || holders.length === 0) holders.push('related');
    const info: { -readonly [K in keyof NamespaceInfo]: NamespaceInfo[K] } = {
      type: e.type,
      dev: rel.dev,
      ino: e.ino,
      nprocs: e.procs.length,
      paths: e.pins.length > 0 ? [...e.pins] : [...e.foreignPins],
      holders,
    };
    const proc = this.#lowest(e.procs) ?? this.#lowest([...e.threads.keys()].sort((a, b) => a - b));
    if (proc !== undefined) {
      info.pid = proc.pid;
      info.ppid = proc.details.ppid;
      info.uid = proc.details.uid;
      info.user = this.#userName(proc.details.uid);
      info.command = proc.details.command;
    }
    if (rel.parent !== undefined) info.parent = rel.parent;
    if (rel.owner !== undefined) info.owner = rel.owner;
    if (rel.ownerUid !== undefined) info.ownerUid = rel.ownerUid;
    if (rel.netnsid !== undefined) info.netnsid = rel.netnsid;
    this.#out.set(e.key, info);
  }

  /** The first pid of `pids` (ascending) still alive, with its details. */
  #lowest(pids: readonly number[]): { pid: number; details: ProcessDetails } | undefined {
    for (const pid of pids) {
      if (!this.#details.has(pid)) this.#details.set(pid, processDetails(pid));
      const details = this.#details.get(pid);
      if (details !== undefined) return { pid, details };
    }
    return undefined;
  }

  #userName(uid: number): string {
    this.#passwd ??= readPasswd();
    return this.#passwd.get(uid) ?? String(uid);
  }

  /** All namespaces live on the one nsfs superblock: its device, for a namespace that could not be opened. */
  #devOfNsfs(): bigint {
    this.#nsfsDev ??= statSync('/proc/thread-self/ns/user', { bigint: true }).dev;
    return this.#nsfsDev;
  }
}

/** The keys of the namespaces process `pid` is in (`/proc/PID/ns/*`). */
function namespacesOf(pid: number): Set<string> {
  const dir = `/proc/${pid}/ns`;
  const keys = new Set<string>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Abort(fsError(e, { path: dir, pid }));
  }
  for (const type of SCAN_TYPES) {
    if (!names.includes(type)) continue;
    const path = `${dir}/${type}`;
    try {
      const ns = parseNsLink(readlinkSync(path));
      if (ns !== undefined) keys.add(keyOf(ns.type, ns.ino));
    } catch (e) {
      throw new Abort(fsError(e, { path, pid, namespace: type }));
    }
  }
  return keys;
}

/**
 * Every namespace on the system, like `lsns`: the namespaces of every
 * process (`/proc/PID/ns/*`) and of threads in other namespaces than their
 * process (`/proc/PID/task/TID/ns/*`, e.g. {@link NamespacePool} workers),
 * namespaces pinned by nsfs bind mounts (`/proc/thread-self/mountinfo`, and
 * the mount table of every other mount namespace a process is in), those
 * held only by an open fd of some process (`/proc/PID/fd/N`), and user
 * namespaces kept alive only as the owner or parent of one of these.
 * {@link NamespaceInfo.holders} says which.
 *
 * Each namespace is opened once, from the first path that still names it
 * (checked by inode), to ask its owner (`NS_GET_USERNS`), parent
 * (`NS_GET_PARENT`) and owner uid (`NS_GET_OWNER_UID`), and closed at once:
 * nothing stays open. Processes that exit during the scan, and those the
 * caller may not inspect (`EACCES`), are left out, never errors; a
 * namespace seen but not openable (`EACCES`) is listed without owner or
 * parent.
 *
 * Sorted by inode number like `lsns` (which orders by its `NS` column
 * whatever the type), type breaking ties. `type` and `pid` filter like
 * `lsns -t TYPE` and `lsns -p PID`; `nprocs` always counts the whole
 * system. A `pid` that does not exist gives `no-such-process`; one the
 * caller may not inspect, `permission-denied`.
 *
 * @example
 * ```ts
 * import { listNamespaces } from '@linuxns/core';
 * const r = listNamespaces({ type: 'net' });
 * if (r.isOk()) {
 *   for (const ns of r.value) console.log(ns.ino, ns.nprocs, ns.holders.join(','), ns.paths.join(' '), ns.command ?? '');
 * }
 * const mine = listNamespaces({ pid: process.pid }); // the 8 namespaces of this process
 * if (mine.isOk()) console.log(mine.value.map((ns) => `${ns.type}:[${ns.ino}]`).join(' '));
 * ```
 */
export function listNamespaces(options: ListNamespacesOptions = {}): Result<NamespaceInfo[], NsError> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { type, pid } = options;
  if (type !== undefined) cloneFlag(type);
  if (pid !== undefined) checkPid(pid);
  try {
    const only = pid === undefined ? undefined : namespacesOf(pid);
    const entries = scanSystem();
    const wanted = (e: ScanEntry): boolean => (type === undefined || e.type === type) && (only === undefined || only.has(e.key));
    // A user or pid namespace may be found only as the owner or parent of another one: for
    // those types every namespace is asked; for the others only those of the type.
    const related = only === undefined && (type === undefined || type === 'user' || type === 'pid');
    const open = related ? (): boolean => true : wanted;
    return ok(new Lister(entries, open, wanted, related).run());
  } catch (e) {
    if (e instanceof Abort) return err(e.error);
    const path = (e as { path?: unknown })?.path;
    return err(fsError(e, typeof path === 'string' ? { path } : {}));
  }
}
