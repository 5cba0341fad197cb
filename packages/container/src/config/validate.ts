/**
 * {@link validateConfig}: a config checked before anything is made, field
 * by field in the order of {@link ContainerConfig}, with libcontainer's rules
 * for invalid combinations (network settings without a network namespace, a
 * hostname without uts, mounts and restricted paths without mnt), the runtime
 * spec's for namespaces, and core's for what the config passes on to spawn.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { DEFAULT_MASKED, DEFAULT_READONLY } from './defaults.js';
import { isObject } from './shape.js';
import type { ContainerConfig } from './types.js';
import { checkCgroup } from './validate-cgroup.js';
import { checkMounts, checkPaths } from './validate-mounts.js';
import { checkIdMaps, checkNamespaces, checkPins, checkUtsNames, mayKeepMknod } from './validate-namespaces.js';
import { checkNetwork } from './validate-network.js';
import { checkProcess, normalizeProcess } from './validate-process.js';
import { checkLinux } from './validate-linux.js';
import { checkRootfs } from './validate-rootfs.js';

/**
 * Validates a config and fills in the defaults (the result is what
 * `config.json` keeps). `checkFs`: also check that the rootfs is a directory
 * (at create; not when loading a container whose rootfs may be gone).
 * Every error is `container-config-invalid` with the field at fault.
 *
 * @example
 * ```ts
 * import { validateConfig } from '@linuxns/container';
 * validateConfig({ rootfs: { path: '/srv/busybox' }, namespaces: [{ type: 'mnt' }], hostname: 'box' }, false).match(
 *   (config) => console.log(config.maskedPaths),
 *   (e) => console.log(e.kind === 'container-config-invalid' ? e.field : e.kind, e.message), // hostname ... needs a new uts namespace
 * );
 * ```
 */
export function validateConfig(config: ContainerConfig, checkFs = true): Result<ContainerConfig, ContainerFailure> {
  if (!isObject(config)) return err(configInvalid('', 'the config must be an object'));
  const c = config;
  const namespaces = checkNamespaces(c.namespaces);
  if (namespaces.isErr()) return err(namespaces.error);
  const fresh = namespaces.value;
  const mountProc = c.mountProc ?? fresh.has('pid');
  const bad =
    checkIdMaps(c, fresh) ??
    checkUtsNames(c, fresh) ??
    (c.network !== undefined && !fresh.has('net')
      ? configInvalid('network', 'network settings need a new net namespace (unable to apply network parameters without one): add { type: "net" }')
      : undefined) ??
    (c.network !== undefined ? checkNetwork(c.network) : undefined) ??
    checkRootfs(c.rootfs, fresh, checkFs) ??
    checkPaths(c, mountProc, fresh) ??
    checkMounts(c.mounts, fresh) ??
    checkPins(c.pins, fresh) ??
    checkLinux(c, fresh);
  if (bad) return err(bad);
  const cgroup = checkCgroup(c.cgroup);
  if (cgroup.isErr()) return err(cgroup.error);
  if (c.process !== undefined) {
    const e = checkProcess(c.process, 'process', mayKeepMknod(c));
    if (e) return err(e);
  }
  return ok({
    ...c,
    ...(c.process !== undefined ? { process: normalizeProcess(c.process) } : {}),
    namespaces: c.namespaces.map((ns) => (ns.path !== undefined ? { type: ns.type, path: ns.path } : { type: ns.type })),
    mountProc,
    mountDev: c.mountDev ?? true,
    mountSys: c.mountSys ?? true,
    maskedPaths: c.maskedPaths ?? DEFAULT_MASKED,
    readonlyPaths: c.readonlyPaths ?? DEFAULT_READONLY,
    cgroup: cgroup.value,
  });
}
