/**
 * Id-mapped user namespaces, cached by their uid/gid mappings (runc's internal/userns,
 * runc's `libcontainer/userns`), and id-mapped mounts.
 *
 * - {@link UsernsCache}: `get(mapping)` gives a handle on a user namespace
 *   with those maps; the first `get` makes it with a dummy process that never
 *   runs anything in it and is gone before `get` resolves.
 * - {@link idmapMount} / {@link unmount}: bind mounts whose ids are mapped
 *   through such a namespace.
 * - {@link readMappings}: the maps of any user namespace, by pid or handle.
 *
 * A cached namespace is joined by `spawn` from `@linuxns/core` with
 * `join: { user: handle }`.
 *
 * @packageDocumentation
 */
export { UsernsCache, type UsernsCacheStats } from './cache.js';
export { canonicalMapping, MAX_MAP_BYTES, MAX_RANGES, type CanonicalMapping, type IdMapping, type Mapping } from './mapping.js';
export { idmapMount, unmount, sharedCache, type IdmapMountOptions, type UnmountOptions } from './idmap.js';
export { readMappings } from './read.js';
export type { UsernsCacheError, InvalidMappingError, UsernsSetupFailedError, IdmapNotSupportedError } from './errors.js';
