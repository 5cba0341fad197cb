/**
 * The one name every layer of core needs, errors included: the namespace
 * types. Imports nothing, so that the folders above it keep their order
 * (errors ← ffi ← namespace ← thread/introspect ← lifecycle/socket/helper).
 * Users get it from `namespace/kind.ts`, with what each type maps to.
 *
 * @module
 */

/** A Linux namespace type, named as in `/proc/PID/ns/`. */
export type NamespaceType = 'cgroup' | 'ipc' | 'mnt' | 'net' | 'pid' | 'time' | 'user' | 'uts';
