/**
 * What one thread knows about its own namespaces: fds of the namespaces it
 * started in (opened once, after the thread is pinned and before it joins
 * anything), the stack of namespaces entered on top of them, and the cheap
 * identity check used after every restore.
 *
 * Used by the pool's worker (`worker.ts`) and by `enterSync` on the calling
 * thread. Module state is per thread: each worker has its own instance.
 *
 * @module
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { NsError } from '../errors/ns-error.js';
import { syscallError } from '../errors/from-errno.js';
import * as libc from '../ffi/libc.js';
import { CLONE_FS, O_PATH } from '../ffi/constants.js';
import { MS_PRIVATE, MS_REC } from '../ffi/mount-flags.js';
import { gettid, setnsRaw, unshareRaw } from '../ffi/syscall.js';
import { CLONE_FLAGS, type NamespaceType } from '../namespace/kind.js';


/** The namespace files whose identity is checked after a restore: every one a thread can change. */
const VERIFIED: ReadonlyArray<readonly [NamespaceType, string]> = [
  ['cgroup', 'cgroup'],
  ['ipc', 'ipc'],
  ['mnt', 'mnt'],
  ['net', 'net'],
  ['pid', 'pid_for_children'],
  ['time', 'time_for_children'],
  ['uts', 'uts'],
];
/** Index of each type in {@link VERIFIED}. */
const VERIFIED_INDEX = Object.fromEntries(VERIFIED.map(([type], i) => [type, i])) as Record<NamespaceType, number>;

/**
 * One namespace entered on top of the original: the fd it was joined by, or
 * -1 when it was created with unshare and nothing opened it yet. `owned`
 * fds were opened by this class (see {@link ThreadState.enter}) and are
 * closed when the entry is left.
 */
interface StackEntry {
  fd: number;
  owned: boolean;
}

/** A failed step of a join or restore. */
export interface SwitchFailure {
  readonly namespace: NamespaceType;
  readonly syscall: string;
  readonly errno: number;
}

export class ThreadState {
  readonly tid: number;
  readonly #dirFd: number;
  readonly #dirPath: string;
  readonly #links = new Map<string, string>();
  /** The original links as bytes, in VERIFIED order, for the allocation-free check. */
  #linkBytes: Uint8Array[] = [];
  readonly #orig = new Map<NamespaceType, number>();
  readonly #stack = new Map<NamespaceType, StackEntry[]>();
  readonly #buf = new Uint8Array(64);
  #fs: { cwd: number; root: number } | undefined;

  private constructor() {
    this.tid = gettid();
    this.#dirPath = `/proc/self/task/${this.tid}/ns`;
    this.#dirFd = openSync(this.#dirPath, constants.O_RDONLY | constants.O_DIRECTORY);
    for (const [, name] of VERIFIED) this.#links.set(name, this.#readLink(name));
    this.#linkBytes = VERIFIED.map(([, name]) => Buffer.from(this.#links.get(name)!, 'latin1'));
    // Open the originals now, while the thread is surely in them.
    for (const type of ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'] as const) this.original(type);
  }

  static #current: ThreadState | undefined;

  /** The calling thread's state, created on first use (the thread must then be in its original namespaces). */
  static current(): ThreadState {
    return (ThreadState.#current ??= new ThreadState());
  }

  #readLink(name: string): string {
    const n = libc.readlinkat(this.#dirFd, name, this.#buf, this.#buf.length);
    if (n < 0) return `error:${libc.errno()}`;
    return Buffer.from(this.#buf.buffer, 0, n).toString('latin1');
  }

  /** The fd of the thread's original namespace of `type`, opened once. */
  original(type: NamespaceType): number {
    let fd = this.#orig.get(type);
    if (fd === undefined) {
      fd = openSync(`${this.#dirPath}/${type}`, constants.O_RDONLY);
      this.#orig.set(type, fd);
    }
    return fd;
  }

  /** The fd that returns the thread to where it is now for `type`: the enclosing entry, or the original. */
  returnFd(type: NamespaceType): { fd: number; owned: boolean } {
    const top = this.#stack.get(type)?.at(-1);
    if (top === undefined) return { fd: this.original(type), owned: false };
    if (top.fd >= 0) return { fd: top.fd, owned: false };
    // The enclosing level created its namespace with unshare and the thread is in it now: open it (slow path, nesting only).
    return { fd: openSync(this.#currentPath(type), constants.O_RDONLY), owned: true };
  }

  #currentPath(type: NamespaceType): string {
    return `${this.#dirPath}/${type === 'pid' ? 'pid_for_children' : type}`;
  }

  /** Gives this thread its own cwd/root (unshare CLONE_FS) so it may join mount namespaces. Once per thread. */
  prepareMount(): SwitchFailure | undefined {
    if (this.#fs) return undefined;
    const e = unshareRaw(CLONE_FS);
    if (e) return { namespace: 'mnt', syscall: 'unshare', errno: e };
    this.#fs = {
      cwd: openSync('.', O_PATH | constants.O_DIRECTORY),
      root: openSync('/', O_PATH | constants.O_DIRECTORY),
    };
    return undefined;
  }

  /**
   * Joins `fd` (or, with fd `'new'`, creates) a namespace of `type` and
   * records it. Returns the failure, if any; then nothing changed.
   */
  enter(type: NamespaceType, fd: number | 'new'): SwitchFailure | undefined {
    if (type === 'mnt') {
      const f = this.prepareMount();
      if (f) return f;
    }
    let s = this.#stack.get(type);
    if (!s) this.#stack.set(type, (s = []));
    const top = s.at(-1);
    if (top !== undefined && top.fd < 0) {
      // Nesting inside a namespace made with unshare: open it while the thread is still in
      // it, or leave() could not come back to it (slow path, nesting only).
      try {
        top.fd = openSync(this.#currentPath(type), constants.O_RDONLY);
        top.owned = true;
      } catch (x) {
        return { namespace: type, syscall: 'open', errno: -((x as { errno?: number }).errno ?? -5) };
      }
    }
    const flag = CLONE_FLAGS[type];
    const e = fd === 'new' ? unshareRaw(flag) : setnsRaw(fd, flag);
    if (e) return { namespace: type, syscall: fd === 'new' ? 'unshare' : 'setns', errno: e };
    s.push({ fd: fd === 'new' ? -1 : fd, owned: false });
    if (fd === 'new' && type === 'mnt' && libc.mount(null, '/', null, MS_REC | MS_PRIVATE, null) !== 0) {
      // Like unshare(1): a new mount namespace starts private so that nothing propagates back.
      const errno = libc.errno();
      const back = this.leave(type);
      // Not back where it was: the caller must treat this thread as tainted (the worker retires).
      if (back) throw new Error(`could not leave a new mount namespace after making it private failed: ${back.syscall} errno ${back.errno}`);
      return { namespace: type, syscall: 'mount', errno };
    }
    return undefined;
  }

  /**
   * Returns to the namespace of `type` that was current before the matching
   * {@link ThreadState.enter}. For mnt, restores the thread's root and cwd too.
   */
  leave(type: NamespaceType): SwitchFailure | undefined {
    const s = this.#stack.get(type);
    const left = s?.pop();
    // enter() opened every enclosing level before nesting, so this is never the slow path.
    const { fd, owned } = this.returnFd(type);
    const e = setnsRaw(fd, CLONE_FLAGS[type]);
    if (owned) closeSync(fd);
    if (left?.owned) closeSync(left.fd);
    if (e) return { namespace: type, syscall: 'setns', errno: e };
    if (type === 'mnt' && (s === undefined || s.length === 0)) return this.#restoreRootAndCwd();
    return undefined;
  }

  /** Back in the original mount namespace: setns moved root and cwd to its root; put both back. */
  #restoreRootAndCwd(): SwitchFailure | undefined {
    if (this.#fs === undefined) return undefined;
    if (libc.fchdir(this.#fs.root) !== 0 || libc.chroot('.') !== 0 || libc.fchdir(this.#fs.cwd) !== 0) {
      return { namespace: 'mnt', syscall: 'chroot', errno: libc.errno() };
    }
    return undefined;
  }

  /**
   * With nothing entered: the types whose current identity differs from the
   * thread's original (empty when the thread is clean). Every type, or only
   * `types` (the ones a task entered, whose restore this proves).
   */
  mismatches(types?: readonly NamespaceType[]): NamespaceType[] {
    const bad: NamespaceType[] = [];
    if (types === undefined) {
      for (let i = 0; i < VERIFIED.length; i++) if (!this.#isOriginal(i)) bad.push(VERIFIED[i]![0]);
    } else {
      for (const type of types) if (!this.#isOriginal(VERIFIED_INDEX[type])) bad.push(type);
    }
    return bad;
  }

  /** Whether link `i` of {@link VERIFIED} reads as it did when the thread started (no allocation). */
  #isOriginal(i: number): boolean {
    const want = this.#linkBytes[i]!;
    const buf = this.#buf;
    const n = libc.readlinkat(this.#dirFd, VERIFIED[i]![1], buf, buf.length);
    if (n !== want.length) return false;
    for (let j = 0; j < n; j++) if (buf[j] !== want[j]) return false;
    return true;
  }
}

/**
 * A restore failed on a thread that cannot be retired (the calling thread of
 * enterSync or createNamespace): it is in an unknown namespace and nothing
 * it does can be trusted. Print why and abort the process.
 */
export function abortOnRestoreFailure(f: SwitchFailure, who: string): never {
  const msg = `linuxns: FATAL: ${who} could not restore the ${f.namespace} namespace of thread ${ThreadState.current().tid} (${switchError(f).message}). The thread may be in the wrong namespace; aborting.\n`;
  try {
    writeSync(2, msg);
  } catch {
    /* stderr closed: abort anyway */
  }
  process.abort();
}

/** The {@link NsError} of a failed switch. */
export function switchError(f: SwitchFailure, path?: string): NsError {
  return syscallError(f.syscall, f.errno, { namespace: f.namespace, ...(path !== undefined ? { path } : {}) });
}
