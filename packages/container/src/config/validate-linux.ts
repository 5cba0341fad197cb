/**
 * The settings an OCI config's `linux` carries for the whole container
 * (`devices`, `devSymlinks`, `rootfsPropagation`, `sysctl`, `seccomp`,
 * `personality`, `mountLabel`, `timeOffsets`): spawn takes them as they are, so each is
 * checked by core's rules (`spawn-rules.ts`) with the namespaces and rootfs
 * of the config, and refused as the config field at fault
 * (`seccomp.syscalls[3].action`, `devices[1].major`).
 *
 * @module
 */
import type { NamespaceType, SpawnOptions } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { spawnRefusal } from './spawn-rules.js';
import type { ContainerConfig } from './types.js';

/**
 * Checks the container-wide OCI settings of `c`; the error or undefined. `fresh`: the types it creates;
 * sysctl keys must belong to one of them or to one it joins (runc's rule).
 */
export function checkLinux(c: ContainerConfig, fresh: ReadonlySet<NamespaceType>): ContainerFailure | undefined {
  const create = [...fresh];
  const join = Object.fromEntries(c.namespaces.filter((n) => n.path !== undefined).map((n) => [n.type, n.path!]));
  const rootfs = { path: '/', pivotRoot: c.rootfs.pivotRoot ?? true };
  if (c.devSymlinks !== undefined && typeof c.devSymlinks !== 'boolean') return configInvalid('devSymlinks', 'devSymlinks must be a boolean');
  const each: ReadonlyArray<readonly [keyof ContainerConfig & keyof SpawnOptions, SpawnOptions]> = [
    ['devices', { create, rootfs, devices: c.devices! }],
    ['rootfsPropagation', { create, rootfs, rootfsPropagation: c.rootfsPropagation! }],
    ['sysctl', { create, join, sysctl: c.sysctl! }],
    ['seccomp', { seccomp: c.seccomp! }],
    ['personality', { personality: c.personality! }],
    ['mountLabel', { create, mountLabel: c.mountLabel! }],
    ['timeOffsets', { create, timeOffsets: c.timeOffsets! }],
  ];
  for (const [field, options] of each) {
    if (c[field] === undefined) continue;
    const e = spawnRefusal(field, options, field);
    if (e) return e;
  }
  return undefined;
}
