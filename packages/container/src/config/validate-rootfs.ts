/**
 * The root filesystem of a config: an absolute path (a directory, at create),
 * a bind or an overlay on a tmpfs, id-mapped with a new user namespace.
 *
 * @module
 */
import { statSync } from 'node:fs';
import type { NamespaceType } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { isObject, posInt } from './shape.js';
import { spawnRefusal } from './spawn-rules.js';

/**
 * Checks `rootfs`. `checkFs`: also that its path is a directory (at create;
 * not when loading a container whose rootfs may be gone).
 */
export function checkRootfs(rootfs: unknown, fresh: ReadonlySet<NamespaceType>, checkFs: boolean): ContainerFailure | undefined {
  if (!isObject(rootfs) || typeof rootfs.path !== 'string') return configInvalid('rootfs.path', `rootfs.path must be an absolute path, got ${JSON.stringify(isObject(rootfs) ? rootfs.path : rootfs)}`);
  const bad = spawnRefusal('rootfs.path', { create: ['mnt'], rootfs: { path: rootfs.path } });
  if (bad) return bad;
  const ov = rootfs.overlay;
  if (ov !== undefined && typeof ov !== 'boolean' && !(isObject(ov) && (ov.size === undefined || posInt(ov.size)))) {
    return configInvalid('rootfs.overlay', 'rootfs.overlay must be a boolean or { size } in bytes');
  }
  if (rootfs.idmap !== undefined) {
    if (typeof rootfs.idmap !== 'boolean') return configInvalid('rootfs.idmap', 'rootfs.idmap must be a boolean');
    if (rootfs.idmap && !fresh.has('user')) return configInvalid('rootfs.idmap', 'an id-mapped rootfs needs a new user namespace with uidMappings and gidMappings: add { type: "user" }');
  }
  if (checkFs) {
    let dir = false;
    try {
      dir = statSync(rootfs.path).isDirectory();
    } catch {
      /* missing */
    }
    if (!dir) return configInvalid('rootfs.path', `rootfs.path ${JSON.stringify(rootfs.path)} is not a directory`);
  }
  return undefined;
}
