/**
 * The error kinds of `@linuxns/container`, composed with core's `NsError` in
 * its signatures. Plain objects with a stable `kind`, like every linuxns error
 * (`docs/errors.md`), each made by one builder below, the one place its text
 * is made.
 *
 * @module
 */
import type { NsError, NsErrorBase } from '@linuxns/core';
import type { NetlinkError } from '@linuxns/netlink';
import type { UsernsCacheError } from '@linuxns/userns-cache';

/**
 * A container id that `@linuxns/container` refuses (libcontainer's
 * InvalidIdFormat): empty, longer than the limit, `.` or `..`, or with a
 * character other than letters, digits and `_ + - .`.
 */
export interface ContainerInvalidIdError extends NsErrorBase {
  readonly kind: 'container-invalid-id';
  readonly id: string;
}

/** A container of that id exists already under the factory's root (libcontainer's IdInUse). */
export interface ContainerIdInUseError extends NsErrorBase {
  readonly kind: 'container-id-in-use';
  readonly id: string;
}

/** No container of that id under the factory's root (libcontainer's ContainerNotExists). */
export interface ContainerNotFoundError extends NsErrorBase {
  readonly kind: 'container-not-found';
  readonly id: string;
}

/**
 * A container config (or OCI bundle `config.json`) that cannot run, found
 * before anything is made (libcontainer's ConfigInvalid): `field` is where, e.g.
 * `'hostname'`, `'linux.seccomp'`.
 */
export interface ContainerConfigInvalidError extends NsErrorBase {
  readonly kind: 'container-config-invalid';
  readonly field: string;
}

/**
 * The system refused a container operation (libcontainer's SystemError): a file
 * of the state directory, a cgroup, the init's setup. `cause` is the error
 * underneath when there is one (a `spawn-setup-failed`...).
 */
export interface ContainerSystemError extends NsErrorBase {
  readonly kind: 'container-system-error';
  readonly id: string;
  /** What was being done, e.g. `'write state.json'`, `'start'`, `'create cgroup'`. */
  readonly operation: string;
  readonly cause?: ContainerFailure;
}

/** The operation does not fit the container's status (starting a running container, exec in a stopped one). */
export interface ContainerWrongStatusError extends NsErrorBase {
  readonly kind: 'container-wrong-status';
  readonly id: string;
  /** `'creating'`, `'created'`, `'running'` or `'stopped'`. */
  readonly status: string;
  readonly operation: string;
}

/** The errors of `@linuxns/container` beyond those of the packages it builds on. Branch on `kind`. */
export type ContainerError = ContainerInvalidIdError | ContainerIdInUseError | ContainerNotFoundError | ContainerConfigInvalidError | ContainerSystemError | ContainerWrongStatusError;

/**
 * Everything a container operation can fail with: core's kinds, those of
 * userns-cache (id maps) and netlink (the container's network), and the
 * container's own.
 *
 * @example
 * ```ts
 * import type { ContainerFailure } from '@linuxns/container';
 * function explain(e: ContainerFailure): string {
 *   switch (e.kind) {
 *     case 'container-not-found': return `no container ${e.id}`;
 *     case 'netlink-error': return `the network: ${e.code}`;
 *     default: return e.message;
 *   }
 * }
 * ```
 */
export type ContainerFailure = NsError | UsernsCacheError | NetlinkError | ContainerError;

/** @internal A `container-config-invalid` of `field`. */
export function configInvalid(field: string, message: string): ContainerConfigInvalidError {
  return { kind: 'container-config-invalid', field, message: `invalid container config: ${message}` };
}

/** @internal A `container-system-error`: `operation` of container `id` (none: the factory's) failed, `cause` underneath when known. */
export function systemError(id: string, operation: string, cause?: ContainerFailure): ContainerSystemError {
  const message = `${id ? `container ${id}: ` : ''}${operation} failed${cause ? `: ${cause.message}` : ''}`;
  return { kind: 'container-system-error', id, operation, ...(cause ? { cause } : {}), message };
}

/** @internal A `container-wrong-status`: `operation` does not fit `status`, `why` says what it needs. */
export function wrongStatus(id: string, status: string, operation: string, why: string): ContainerWrongStatusError {
  return { kind: 'container-wrong-status', id, status, operation, message: `cannot ${operation} container ${id}: it is ${status} (${why})` };
}

/** @internal A `container-not-found`: no directory of `id` under the factory's `root`. */
export function notFound(id: string, root: string): ContainerNotFoundError {
  return { kind: 'container-not-found', id, message: `container ${id} does not exist under ${root}` };
}
