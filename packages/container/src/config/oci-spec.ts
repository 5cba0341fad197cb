/**
 * An OCI bundle's `config.json` (runtime-spec 1.x, as podman, containerd and
 * `runc spec` write it) → a validated {@link ContainerConfig}, applied as
 * runc 1.1 applies it. Every field linuxns does not support is refused by
 * name (one `container-config-invalid` listing them all), never ignored.
 *
 * @module
 */
import { isAbsolute, join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fromOciType, type NamespaceType } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { ociMounts } from './oci-mounts.js';
import { ociProcess } from './oci-process.js';
import { ociCgroup } from './oci-resources.js';
import { refuseOthers } from './oci-fields.js';
import { isArray, isObject } from './shape.js';
import { spawnRefusal } from './spawn-rules.js';
import type { ContainerConfig, ProcessConfig } from './types.js';
import { validateConfig } from './validate.js';
import { checkProcess } from './validate-process.js';

const LINUX_KEYS = [
  'namespaces', 'uidMappings', 'gidMappings', 'maskedPaths', 'readonlyPaths', 'cgroupsPath', 'resources', 'rootfsPropagation',
  'devices', 'sysctl', 'seccomp', 'personality', 'mountLabel', 'timeOffsets',
];

/**
 * `linux.timeOffsets` (`{ monotonic: { secs, nanosecs } }`) as spawn's: whole seconds, or `{ secs, nanosecs }`
 * where nanoseconds are given (the helper writes both to /proc/self/timens_offsets).
 */
function ociTimeOffsets(v: unknown, refused: string[]): ContainerConfig['timeOffsets'] | ContainerFailure {
  if (v === undefined) return undefined;
  if (!isObject(v)) return configInvalid('linux.timeOffsets', 'linux.timeOffsets must be an object of clock -> { secs, nanosecs }');
  const out: Record<string, unknown> = {};
  for (const [clock, o] of Object.entries(v)) {
    const f = `linux.timeOffsets.${clock}`;
    if (!isObject(o)) return configInvalid(f, `${f} must be { secs, nanosecs }`);
    refuseOthers(o, `${f}.`, ['secs', 'nanosecs'], refused);
    out[clock] = o.nanosecs !== undefined && o.nanosecs !== 0 ? { secs: o.secs ?? 0, nanosecs: o.nanosecs } : (o.secs ?? 0);
  }
  return out;
}

/** A refusal of the fields in `refused`, or undefined. */
const refusal = (refused: readonly string[]): ContainerFailure | undefined =>
  refused.length ? configInvalid(refused[0]!.split(' ')[0]!, `unsupported OCI fields: ${refused.join(', ')}`) : undefined;

/** The config.json field of a container config field (the first match, by prefix). */
const OCI_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['rootfs.path', 'root.path'], ['rootfs', 'root'], ['cgroup.path', 'linux.cgroupsPath'], ['cgroup', 'linux.resources'],
  ...['namespaces', 'uidMappings', 'gidMappings', 'maskedPaths', 'readonlyPaths', 'devices', 'rootfsPropagation', 'sysctl', 'seccomp', 'personality', 'mountLabel', 'timeOffsets'].map((k) => [k, `linux.${k}`] as const),
];

/** `e` with its field (and its first mention in the message) named as config.json names it. */
function asOciField(e: ContainerFailure): ContainerFailure {
  if (e.kind !== 'container-config-invalid') return e;
  const hit = OCI_NAMES.find(([k]) => e.field === k || e.field.startsWith(`${k}.`) || e.field.startsWith(`${k}[`));
  if (!hit) return e;
  const field = hit[1] + e.field.slice(hit[0].length);
  return { ...e, field, message: e.message.replace(e.field, field) };
}

/** `linux.namespaces` by linuxns's type names. */
function ociNamespaces(list: unknown): Array<{ type: NamespaceType; path?: string }> | ContainerFailure {
  if (list !== undefined && !isArray(list)) return configInvalid('linux.namespaces', 'linux.namespaces must be an array');
  const out: Array<{ type: NamespaceType; path?: string }> = [];
  for (const [i, n] of ((list ?? []) as unknown[]).entries()) {
    const type = isObject(n) && typeof n.type === 'string' ? fromOciType(n.type) : undefined;
    if (!type) return configInvalid(`linux.namespaces[${i}]`, `unknown namespace type ${JSON.stringify(isObject(n) ? n.type : n)}`);
    out.push(isObject(n) && typeof n.path === 'string' && n.path !== '' ? { type, path: n.path } : { type });
  }
  return out;
}

/**
 * Converts a runtime-spec `process` object (parsed), such as the one an OCI runtime's `exec --process FILE` is
 * given, into a checked {@link ProcessConfig}, with the rules of {@link ociConfig}'s process (`newUser`: the
 * container has a new user namespace, which decides whether CAP_MKNOD may be kept).
 */
export function ociProcessConfig(process: unknown, newUser: boolean): Result<ProcessConfig, ContainerFailure> {
  if (!isObject(process)) return err(configInvalid('process', 'process must be a JSON object'));
  const refused: string[] = [];
  const p = ociProcess(process, refused);
  const bad = refusal(refused) ?? checkProcess(p, 'process', newUser);
  return bad ? err(bad) : ok(p);
}

/**
 * Converts a runtime-spec `config.json` (parsed) of the bundle at `bundle` into a validated
 * {@link ContainerConfig} (`checkFs`: the rootfs must be a directory). Where runc 1.1 and the runtime spec
 * differ, runc's meaning: every mount made in order by the helper, runc's default devices and links, `rslave`
 * when `rootfsPropagation` is absent, relative bind sources and root path in the bundle, cgroupsPath's three
 * forms (see `ociCgroupPath`).
 */
export function ociConfig(spec: unknown, bundle: string, checkFs = true): Result<ContainerConfig, ContainerFailure> {
  if (!isObject(spec)) return err(configInvalid('', 'config.json must be a JSON object'));
  const refused: string[] = [];
  refuseOthers(spec, '', ['ociVersion', 'root', 'process', 'hostname', 'domainname', 'mounts', 'linux', 'annotations'], refused);
  if (typeof spec.ociVersion !== 'string' || !spec.ociVersion.startsWith('1.')) return err(configInvalid('ociVersion', `ociVersion must be a 1.x version, got ${JSON.stringify(spec.ociVersion)}`));
  const root = isObject(spec.root) ? spec.root : {};
  refuseOthers(root, 'root.', ['path', 'readonly'], refused);
  if (typeof root.path !== 'string') return err(configInvalid('root.path', 'root.path is required'));
  if (root.readonly !== undefined && typeof root.readonly !== 'boolean') return err(configInvalid('root.readonly', 'root.readonly must be a boolean'));
  const process = spec.process !== undefined ? ociProcess(spec.process, refused) : undefined;
  const linux = isObject(spec.linux) ? spec.linux : {};
  refuseOthers(linux, 'linux.', LINUX_KEYS, refused);
  const rootPath = isAbsolute(root.path) ? root.path : join(bundle, root.path);
  const dev = ociMounts(spec.mounts, linux.devices, bundle, refused);
  if ('kind' in dev) return err(dev);
  if (isArray(linux.devices)) {
    const e = spawnRefusal('linux.devices', { create: ['mnt'], rootfs: { path: '/' }, devices: linux.devices as never }, 'devices');
    if (e) return err(e);
  }
  const namespaces = ociNamespaces(linux.namespaces);
  if ('kind' in namespaces) return err(namespaces);
  const cgroup = ociCgroup(linux.resources, linux.cgroupsPath, refused);
  if ('kind' in cgroup) return err(cgroup);
  const timeOffsets = ociTimeOffsets(linux.timeOffsets, refused);
  if (isObject(timeOffsets) && 'kind' in timeOffsets) return err(timeOffsets as ContainerFailure);
  const bad = refusal(refused);
  if (bad) return err(bad);
  const given = <K extends string>(k: K, v: unknown): Partial<Record<K, unknown>> => (v !== undefined ? ({ [k]: v } as Record<K, unknown>) : {});
  // runc: an empty label is none.
  const mountLabel = linux.mountLabel === '' ? undefined : linux.mountLabel;
  const config = validateConfig({
    rootfs: { path: rootPath, readonly: root.readonly === true },
    namespaces,
    ...given('uidMappings', linux.uidMappings),
    ...given('gidMappings', linux.gidMappings),
    ...given('hostname', spec.hostname === '' ? undefined : spec.hostname),
    ...given('domainname', spec.domainname === '' ? undefined : spec.domainname),
    ...(process ? { process } : {}),
    // Every mount is the config's own, made in its order: none of the container's defaults.
    mountProc: false,
    mountDev: false,
    mountSys: false,
    mounts: dev.mounts,
    devices: dev.devices,
    devSymlinks: dev.devSymlinks,
    rootfsPropagation: (linux.rootfsPropagation ?? 'rslave') as ContainerConfig['rootfsPropagation'],
    maskedPaths: (linux.maskedPaths ?? []) as string[],
    readonlyPaths: (linux.readonlyPaths ?? []) as string[],
    ...given('sysctl', linux.sysctl),
    ...given('seccomp', linux.seccomp),
    ...given('personality', linux.personality),
    ...given('mountLabel', mountLabel),
    ...given('timeOffsets', timeOffsets),
    cgroup,
  } as ContainerConfig, checkFs);
  return config.mapErr(asOciField);
}
