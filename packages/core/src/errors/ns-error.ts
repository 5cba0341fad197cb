/**
 * The error model of linuxns: tagged unions of plain objects. This file has
 * the base every error shares ({@link NsErrorBase}, {@link SyscallContext})
 * and core's own kinds, {@link NsError}; the packages built on core define
 * theirs next to their code and compose them with it. Errors are
 * plain objects (they cross threads with `postMessage` unchanged); code
 * branches on `kind`, never on `instanceof`. Kinds are stable: never renamed,
 * never reused. `docs/errors.md` lists them with what to do about each.
 *
 * @module
 */
import type { NamespaceType } from '../types.js';

/** Fields every error has. */
export interface NsErrorBase {
  /** Stable discriminant; branch on it. */
  readonly kind: string;
  /** One readable sentence that names the values involved. */
  readonly message: string;
}

/** Context shared by errors that come from a failed system call. */
export interface SyscallContext {
  /** The system call that failed, e.g. `'setns'`, `'open'`, `'mount'`. */
  readonly syscall: string;
  /** The errno name, e.g. `'EPERM'`. */
  readonly code: string;
  /** The errno number, e.g. `1`. */
  readonly errno: number;
  /** The file involved, when there is one. */
  readonly path?: string;
  /** The namespace type involved, when there is one. */
  readonly namespace?: NamespaceType;
  /** The socket address of a `bind` or `connect`, e.g. `'10.0.2.2:8080'`. */
  readonly address?: string;
  /** What an `ioctl` asked, e.g. `'SIOCSIFFLAGS lo'`. */
  readonly request?: string;
}

/** A system call failed for a reason without a kind of its own. */
export interface SyscallFailedError extends NsErrorBase, SyscallContext {
  readonly kind: 'syscall-failed';
}

/** `EPERM`/`EACCES`: the caller lacks a privilege; `privilege` says which. */
export interface PermissionDeniedError extends NsErrorBase, SyscallContext {
  readonly kind: 'permission-denied';
  /** The privilege that was missing, e.g. `'CAP_SYS_ADMIN in the user namespace that owns the target'`. */
  readonly privilege: string;
}

/** `ENOENT`: the path does not exist. */
export interface NotFoundError extends NsErrorBase, SyscallContext {
  readonly kind: 'not-found';
}

/** The process named by `pid` does not exist (or exited). */
export interface NoSuchProcessError extends NsErrorBase {
  readonly kind: 'no-such-process';
  readonly pid: number;
  readonly path: string;
}

/** The path exists but is not a namespace file (a regular file, a device, a socket...). */
export interface NotANamespaceError extends NsErrorBase {
  readonly kind: 'not-a-namespace';
  readonly path: string;
  /** What the path is instead: `'regular-file'`, `'symlink'`, `'fifo'`, `'socket'`, `'device'` or `'other'`. */
  readonly fileType: string;
}

/** The path is a directory (e.g. `/proc/self/ns` instead of `/proc/self/ns/net`). */
export interface IsADirectoryError extends NsErrorBase {
  readonly kind: 'is-a-directory';
  readonly path: string;
}

/** The namespace is real but of another type than the one asked for. */
export interface WrongNamespaceTypeError extends NsErrorBase {
  readonly kind: 'wrong-namespace-type';
  readonly path?: string;
  readonly expected: NamespaceType;
  readonly actual: NamespaceType;
}

/** A namespace type name that linuxns does not know (neither `net` nor `network`...). */
export interface UnknownNamespaceTypeError extends NsErrorBase {
  readonly kind: 'unknown-namespace-type';
  readonly value: string;
}

/** An OCI runtime-spec `linux.namespaces` list that breaks the spec's rules. */
export interface InvalidSpecError extends NsErrorBase {
  readonly kind: 'invalid-spec';
  /** Which rule: `'unknown-type'`, `'duplicate-type'` or `'relative-path'`. */
  readonly reason: 'unknown-type' | 'duplicate-type' | 'relative-path';
  /** Index of the offending entry in `linux.namespaces`. */
  readonly index: number;
  readonly value: string;
}

/** A target entry that cannot mean anything (e.g. a relative path). */
export interface InvalidTargetError extends NsErrorBase {
  readonly kind: 'invalid-target';
  readonly namespace: NamespaceType;
  readonly value: string;
}

/**
 * The namespace type cannot be held by one thread of a multi-threaded process
 * (user: `EINVAL`, time: `EUSERS`), or not by this entry point (enterSync takes
 * net, uts, ipc and cgroup). `hint` says what to use instead.
 */
export interface UnsupportedInThreadError extends NsErrorBase {
  readonly kind: 'unsupported-in-thread';
  readonly namespace: NamespaceType;
  readonly hint: string;
}

/** The task threw or rejected. Its error, as data. The namespaces were restored. */
export interface TaskFailedError extends NsErrorBase {
  readonly kind: 'task-failed';
  /** The thrown error's `name` (`'TypeError'`...), or `'non-error'` for a thrown non-Error. */
  readonly name: string;
  readonly stack?: string;
  /** The thrown error's `code`, when it had one (e.g. `'ECONNREFUSED'`). */
  readonly code?: string;
  /** The thrown value itself, when the task ran on the calling thread ({@link enterSync}). */
  readonly cause?: unknown;
}

/** The task module could not be found. */
export interface TaskModuleNotFoundError extends NsErrorBase {
  readonly kind: 'task-module-not-found';
  readonly module: string;
}

/** The task module was found but failed to load (syntax error, threw at top level...). */
export interface TaskModuleLoadFailedError extends NsErrorBase {
  readonly kind: 'task-module-load-failed';
  readonly module: string;
  readonly name: string;
}

/** The named export of the task module is missing or not a function. */
export interface TaskExportNotFunctionError extends NsErrorBase {
  readonly kind: 'task-export-not-function';
  readonly module: string;
  readonly exportName: string;
  /** `typeof` of what the export is: `'undefined'` when missing. */
  readonly actualType: string;
}

/** The task's result could not be sent back (it is not structured-cloneable). */
export interface TaskResultNotCloneableError extends NsErrorBase {
  readonly kind: 'task-result-not-cloneable';
}

/**
 * The worker could not put its thread back in its original namespaces, or
 * could not prove it did. The worker was retired (it exited and was replaced)
 * and never ran another task. What the task itself produced is in `outcome`.
 */
export interface RestoreFailedError extends NsErrorBase {
  readonly kind: 'restore-failed';
  readonly namespace: NamespaceType;
  /** `'setns'` when the call failed, `'verify'` when the identity check did. */
  readonly step: 'setns' | 'verify';
  readonly code?: string;
  /** The task's own outcome, as it would have been returned. */
  readonly outcome: { ok: true; value: unknown } | { ok: false; error: NsError };
}

/** The worker died while running the task (the task exited it, or crashed it). */
export interface WorkerCrashedError extends NsErrorBase {
  readonly kind: 'worker-crashed';
}

/** The pool was closed before the task ran or finished. */
export interface PoolClosedError extends NsErrorBase {
  readonly kind: 'pool-closed';
}

/**
 * The task was aborted through its `AbortSignal` before it finished. A task
 * that was already running in a worker took that worker with it (it was
 * retired: code inside a namespace cannot be stopped safely half-way).
 */
export interface AbortedError extends NsErrorBase {
  readonly kind: 'aborted';
}

/** The task did not settle within its `timeoutMs`; its worker was retired. */
export interface TaskTimedOutError extends NsErrorBase {
  readonly kind: 'task-timed-out';
  readonly timeoutMs: number;
}

/** Something already exists where linuxns must create a file (a pin path...). */
export interface AlreadyExistsError extends NsErrorBase {
  readonly kind: 'already-exists';
  readonly path: string;
}

/** `unpin` of a path on which no namespace is pinned. */
export interface NotPinnedError extends NsErrorBase {
  readonly kind: 'not-pinned';
  readonly path: string;
}

/**
 * A process could not be set up by the C helper: which step, which system
 * call, which errno. The command was not run; nothing is left behind.
 */
export interface SpawnSetupFailedError extends NsErrorBase {
  readonly kind: 'spawn-setup-failed';
  /** The helper's step (`'join'`, `'create'`, `'uid_map'`, `'gid_map'`, `'setgroups'`, `'hostname'`, `'cwd'`, `'exec'`...). */
  readonly step: string;
  readonly syscall: string;
  readonly code: string;
  readonly errno: number;
}

/** The C helper is missing or not executable; `fix` is the command that builds it. */
export interface HelperNotFoundError extends NsErrorBase {
  readonly kind: 'helper-not-found';
  readonly path: string;
  readonly fix: string;
}

/** Options that contradict each other or the kernel's rules (hostname without a new uts namespace...). */
export interface InvalidOptionError extends NsErrorBase {
  readonly kind: 'invalid-option';
  /** The option at fault, e.g. `'hostname'`, `'uidMappings'`. */
  readonly option: string;
}

/** A shared library linuxns loads on demand is missing (e.g. `libseccomp.so.2` for seccomp filters). */
export interface LibraryNotFoundError extends NsErrorBase {
  readonly kind: 'library-not-found';
  /** The file name asked of the dynamic loader. */
  readonly library: string;
}

/**
 * A sysctl key that cannot be read or written in a namespace: not a key at
 * all (`bad-key`), or global rather than per namespace (`not-namespaced`:
 * the message says where to set it).
 */
export interface InvalidSysctlError extends NsErrorBase {
  readonly kind: 'invalid-sysctl';
  readonly key: string;
  readonly reason: 'bad-key' | 'not-namespaced';
}

/**
 * Every error `@linuxns/core` returns. Branch on `kind`. The packages built
 * on it add their own kinds as their own types (`UsernsCacheError`,
 * `NetlinkError`, `ContainerError`), and their signatures name the union of
 * what they can return, e.g. `Result<T, NsError | NetlinkError>`.
 */
export type NsError =
  | SyscallFailedError
  | PermissionDeniedError
  | NotFoundError
  | NoSuchProcessError
  | NotANamespaceError
  | IsADirectoryError
  | WrongNamespaceTypeError
  | UnknownNamespaceTypeError
  | InvalidSpecError
  | InvalidTargetError
  | UnsupportedInThreadError
  | TaskFailedError
  | TaskModuleNotFoundError
  | TaskModuleLoadFailedError
  | TaskExportNotFunctionError
  | TaskResultNotCloneableError
  | RestoreFailedError
  | WorkerCrashedError
  | PoolClosedError
  | AbortedError
  | TaskTimedOutError
  | AlreadyExistsError
  | NotPinnedError
  | SpawnSetupFailedError
  | HelperNotFoundError
  | InvalidOptionError
  | LibraryNotFoundError
  | InvalidSysctlError;

/** Every `kind` of {@link NsError}. */
export type NsErrorKind = NsError['kind'];

/**
 * True when `value` looks like an {@link NsError} of the given kind (or of any
 * kind). Works on errors that crossed threads, unlike `instanceof`.
 *
 * @example
 * ```ts
 * import { openNamespace, isNsError } from '@linuxns/core';
 * const r = openNamespace('/nonexistent');
 * if (r.isErr() && isNsError(r.error, 'not-found')) console.log(r.error.path);
 * ```
 */
export function isNsError<K extends NsErrorKind>(value: unknown, kind?: K): value is Extract<NsError, { kind: K }> {
  if (typeof value !== 'object' || value === null) return false;
  const k = (value as { kind?: unknown }).kind;
  const m = (value as { message?: unknown }).message;
  return typeof k === 'string' && typeof m === 'string' && (kind === undefined || k === kind);
}
