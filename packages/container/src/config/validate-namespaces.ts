/**
 * The namespaces of a config (the runtime spec's rules: known types, each at
 * most once, paths absolute; a new mnt, where the rootfs is made) and what
 * needs one of them: the id maps a new user namespace, the hostname and
 * domainname a new uts namespace (libcontainer's invalid combinations, as
 * spawn refuses them: core's rules), a pin a new namespace of its type.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { isNamespaceType, type NamespaceType } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { absPath, isArray, isObject } from './shape.js';
import { spawnRefusal } from './spawn-rules.js';
import type { ContainerConfig } from './types.js';

/** Whether the config makes a new user namespace. */
export function hasNewUserns(c: Pick<ContainerConfig, 'namespaces'>): boolean {
  return c.namespaces.some((n) => n.type === 'user' && n.path === undefined);
}

/**
 * Whether the container's processes may keep CAP_MKNOD: with a new user namespace (a node made there opens
 * nothing of the host's), or with device rules its cgroup enforces (runc keeps it then too). What a
 * process config given to `exec` (e.g. `fromOciProcess`'s `newUser`) is checked against.
 *
 * @example
 * ```ts
 * import { Factory, fromOciProcess, mayKeepMknod } from '@linuxns/container';
 * const c = new Factory('/run/linuxns').load('web');
 * if (c.isOk() && c.value.config) {
 *   const p = fromOciProcess({ args: ['sh'], capabilities: { bounding: ['CAP_MKNOD'] } }, mayKeepMknod(c.value.config));
 *   console.log(p.isOk()); // true where the v1 devices controller enforces the container's device rules
 * }
 * ```
 */
export function mayKeepMknod(c: Pick<ContainerConfig, 'namespaces' | 'cgroup'>): boolean {
  return hasNewUserns(c) || (c.cgroup !== false && c.cgroup?.devices !== undefined);
}

/** Checks `namespaces`; the types of the new ones. */
export function checkNamespaces(namespaces: unknown): Result<ReadonlySet<NamespaceType>, ContainerFailure> {
  if (!isArray(namespaces)) return err(configInvalid('namespaces', 'namespaces must be an array of { type, path? }'));
  const fresh = new Set<NamespaceType>();
  const joined = new Set<NamespaceType>();
  for (const [i, ns] of (namespaces as unknown[]).entries()) {
    if (!isObject(ns) || !isNamespaceType(ns.type)) return err(configInvalid(`namespaces[${i}]`, `namespaces[${i}].type must be one of cgroup, ipc, mnt, net, pid, time, user, uts; got ${JSON.stringify(isObject(ns) ? ns.type : ns)}`));
    if (fresh.has(ns.type) || joined.has(ns.type)) return err(configInvalid(`namespaces[${i}]`, `namespace ${ns.type} is given twice`));
    if (ns.path !== undefined) {
      if (!absPath(ns.path)) return err(configInvalid(`namespaces[${i}].path`, `namespaces[${i}].path must be an absolute path, got ${JSON.stringify(ns.path)}`));
      joined.add(ns.type);
    } else fresh.add(ns.type);
  }
  if (!fresh.has('mnt')) return err(configInvalid('namespaces', 'a container needs a new mnt namespace (its rootfs is made there): add { type: "mnt" }'));
  return ok(fresh);
}

/**
 * Checks `uidMappings` and `gidMappings` (each needs a new user namespace,
 * and the kernel's rules: core's `validateIdRanges`, through spawn's check)
 * and that a new user namespace has both.
 */
export function checkIdMaps(c: Pick<ContainerConfig, 'uidMappings' | 'gidMappings'>, fresh: ReadonlySet<NamespaceType>): ContainerFailure | undefined {
  for (const k of ['uidMappings', 'gidMappings'] as const) {
    const m = c[k];
    if (m === undefined) continue;
    if (!isArray(m)) return configInvalid(k, `${k} must be a non-empty array of { containerID, hostID, size }`);
    const e = spawnRefusal(k, { create: [...fresh], [k]: m });
    if (e) return e;
  }
  if (fresh.has('user') && (c.uidMappings === undefined || c.gidMappings === undefined)) {
    return configInvalid('uidMappings', 'a new user namespace needs uidMappings and gidMappings');
  }
  return undefined;
}

/** Checks `hostname` and `domainname`: at most 64 bytes (UTF-8) without NUL, and a new uts namespace. */
export function checkUtsNames(c: Pick<ContainerConfig, 'hostname' | 'domainname'>, fresh: ReadonlySet<NamespaceType>): ContainerFailure | undefined {
  for (const k of ['hostname', 'domainname'] as const) {
    const v: unknown = c[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || Buffer.byteLength(v) > 64 || v.includes('\0')) return configInvalid(k, `${k} must be a string of at most 64 bytes (UTF-8) without NUL`);
    const e = spawnRefusal(k, { create: [...fresh], [k]: v });
    if (e) return e;
  }
  return undefined;
}

/** Checks `pins`: each of a new namespace, on an absolute path, no path twice (core's rules). */
export function checkPins(pins: unknown, fresh: ReadonlySet<NamespaceType>): ContainerFailure | undefined {
  if (pins === undefined) return undefined;
  if (!isObject(pins)) return configInvalid('pins', 'pins must be an object of namespace type -> absolute path');
  for (const [type, path] of Object.entries(pins)) {
    const e = spawnRefusal(`pins.${type}`, { create: [...fresh], pin: { [type]: path } });
    if (e) return e;
  }
  return spawnRefusal('pins', { create: [...fresh], pin: pins });
}
