/**
 * Id-mapped user namespaces, cached by their uid/gid mappings.
 *
 * This package is a shell: the cache arrives with its own issue. Today it only
 * states the version of the protocol it will implement, so that the workspace,
 * the build and the reference documentation already cover it.
 *
 * @packageDocumentation
 */

/**
 * The stage of this package. `'planned'` until the cache lands.
 *
 * @example
 * ```ts
 * import { status } from '@linuxns/userns-cache';
 * console.log(status); // 'planned'
 * ```
 */
export const status = 'planned' as const;
