/**
 * The error kinds of `@linuxns/userns-cache`, composed with core's `NsError` in
 * its signatures. Plain objects with a stable `kind`, like every linuxns error
 * (`docs/errors.md`).
 *
 * @module
 */
import type { NsErrorBase, SyscallContext } from '@linuxns/core';

/**
 * An id mapping (`uidMappings`/`gidMappings` of a user namespace) that the
 * kernel would refuse, found before any process or namespace is made.
 */
export interface InvalidMappingError extends NsErrorBase {
  readonly kind: 'invalid-mapping';
  /** `'uidMappings'` or `'gidMappings'`. */
  readonly field: string;
  /** The range at fault, when one is. */
  readonly index?: number;
}

/**
 * Making a user namespace with the requested maps failed at `step`
 * (`'clone'`, `'pdeathsig'`, `'parent'`, `'traceme'`, `'sigstop'`, `'stop'`,
 * `'uid_map'`, `'setgroups'`, `'gid_map'`, `'open'`, `'reap'`, `'call'`);
 * no process is left.
 */
export interface UsernsSetupFailedError extends NsErrorBase, SyscallContext {
  readonly kind: 'userns-setup-failed';
  readonly step: string;
}

/**
 * `mount_setattr(MOUNT_ATTR_IDMAP)` refused: the filesystem at `path` cannot
 * be id-mapped (`EINVAL`), or the kernel has no mount_setattr (`ENOSYS`).
 */
export interface IdmapNotSupportedError extends NsErrorBase, SyscallContext {
  readonly kind: 'idmap-not-supported';
  readonly path: string;
}

/** The errors of `@linuxns/userns-cache` beyond core's `NsError`. Branch on `kind`. */
export type UsernsCacheError = InvalidMappingError | UsernsSetupFailedError | IdmapNotSupportedError;
