/**
 * An OCI bundle's `config.json` (runtime-spec field names) → a
 * {@link ContainerConfig}, for the parts this runtime supports, so that a
 * bundle made by `runc spec` (with `process.terminal` set to false) runs
 * unchanged. Every other field is refused by name, never silently ignored.
 *
 * @module
 */
import { isAbsolute, join } from 'node:path';
import { err, type Result } from 'neverthrow';
import { fromOciType, type MountSpec, type NamespaceType } from '@linuxns/core';
import { isObject } from './config/shape.js';
import type { ContainerConfig, ProcessConfig } from './config/types.js';
import { validateConfig } from './config/validate.js';
import { configInvalid, type ContainerFailure } from './errors.js';

/** The runtime-spec fields that are supported (a `*` entry: any key below it). Everything else is refused. */
export const OCI_SUPPORTED_FIELDS: readonly string[] = [
  'ociVersion', 'root.path', 'root.readonly', 'hostname', 'domainname', 'annotations.*',
  'process.terminal (false only)', 'process.args', 'process.env', 'process.cwd', 'process.user.uid', 'process.user.gid',
  'process.user.additionalGids', 'process.capabilities.*', 'process.rlimits', 'process.noNewPrivileges',
  'mounts (proc on /proc, tmpfs on /dev, sysfs on /sys, cgroup on /sys/fs/cgroup as a read-only bind, any other type or bind)',
  'linux.namespaces', 'linux.uidMappings', 'linux.gidMappings', 'linux.maskedPaths', 'linux.readonlyPaths',
  'linux.cgroupsPath', 'linux.resources.memory.limit', 'linux.resources.pids.limit', 'linux.resources.cpu.quota',
  'linux.resources.cpu.period', 'linux.resources.cpu.shares', 'linux.resources.devices (runc spec\'s deny-all only)',
  'linux.rootfsPropagation (private, rprivate)',
];

/** runtime-spec rlimits: RLIM_INFINITY is 2^64-1 (a JSON number that parses as 2^64) → `'unlimited'`. */
function ociRlimits(v: unknown): ProcessConfig['rlimits'] {
  if (!Array.isArray(v)) return v as ProcessConfig['rlimits'];
  const u = (x: unknown): unknown => (typeof x === 'number' && x >= 2 ** 64 ? 'unlimited' : x);
  return v.map((r: unknown) => (isObject(r) ? { ...r, soft: u(r.soft), hard: u(r.hard) } : r)) as ProcessConfig['rlimits'];
}

/** Records every key of `o` not in `allowed` as refused, under `prefix`. */
function refuseOthers(o: unknown, prefix: string, allowed: readonly string[], refused: string[]): void {
  if (!isObject(o)) return;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) refused.push(`${prefix}${k}`);
}

/**
 * Converts a runtime-spec `config.json` (parsed) of the bundle at `bundle`
 * into a validated {@link ContainerConfig}. Refused fields give one
 * `container-config-invalid` naming all of them (`field` is the first), e.g.
 * `linux.seccomp`, `hooks`, `process.terminal` (a console is not supported:
 * set it to false), `linux.resources.blockIO`. Supported: see
 * {@link OCI_SUPPORTED_FIELDS}.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { fromOciSpec } from '@linuxns/container';
 * const spec: unknown = JSON.parse(readFileSync('/srv/bundle/config.json', 'utf8'));
 * const r = fromOciSpec(spec, '/srv/bundle');
 * if (r.isErr()) console.error(r.error.message); // e.g. refused: linux.seccomp
 * ```
 */
export function fromOciSpec(spec: unknown, bundle: string): Result<ContainerConfig, ContainerFailure> {
  if (!isObject(spec)) return err(configInvalid('', 'config.json must be a JSON object'));
  const refused: string[] = [];
  refuseOthers(spec, '', ['ociVersion', 'root', 'process', 'hostname', 'domainname', 'mounts', 'linux', 'annotations'], refused);
  if (typeof spec.ociVersion !== 'string' || !spec.ociVersion.startsWith('1.')) return err(configInvalid('ociVersion', `ociVersion must be a 1.x version, got ${JSON.stringify(spec.ociVersion)}`));
  const root = isObject(spec.root) ? spec.root : {};
  refuseOthers(root, 'root.', ['path', 'readonly'], refused);
  if (typeof root.path !== 'string') return err(configInvalid('root.path', 'root.path is required'));

  let process: ProcessConfig | undefined;
  if (spec.process !== undefined) {
    const p = isObject(spec.process) ? spec.process : {};
    refuseOthers(p, 'process.', ['terminal', 'user', 'args', 'env', 'cwd', 'capabilities', 'rlimits', 'noNewPrivileges'], refused);
    if (p.terminal === true) refused.push('process.terminal (a console is not supported: set it to false)');
    const user = isObject(p.user) ? p.user : {};
    refuseOthers(user, 'process.user.', ['uid', 'gid', 'additionalGids'], refused);
    process = {
      args: p.args as string[],
      ...(p.env !== undefined ? { env: p.env as string[] } : {}),
      ...(p.cwd !== undefined ? { cwd: p.cwd as string } : {}),
      ...(p.user !== undefined ? { user: user } : {}),
      ...(p.rlimits !== undefined ? { rlimits: ociRlimits(p.rlimits) } : {}),
      ...(p.capabilities !== undefined ? { capabilities: p.capabilities as ProcessConfig['capabilities'] } : {}),
      ...(p.noNewPrivileges !== undefined ? { noNewPrivileges: p.noNewPrivileges as boolean } : {}),
    };
  }

  let mountProc = false;
  let mountDev = false;
  let mountSys = false;
  const mounts: MountSpec[] = [];
  for (const [i, m] of (Array.isArray(spec.mounts) ? (spec.mounts as unknown[]) : []).entries()) {
    if (!isObject(m) || typeof m.destination !== 'string') return err(configInvalid(`mounts[${i}]`, `mounts[${i}] needs a destination`));
    refuseOthers(m, `mounts[${i}].`, ['destination', 'type', 'source', 'options'], refused);
    const options = Array.isArray(m.options) ? (m.options as string[]) : [];
    if (m.destination === '/proc' && m.type === 'proc') mountProc = true;
    else if (m.destination === '/dev' && m.type === 'tmpfs') mountDev = true;
    else if (m.destination === '/sys' && m.type === 'sysfs') mountSys = true;
    else if (m.type === 'cgroup') mounts.push({ destination: m.destination, source: '/sys/fs/cgroup', options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] });
    else {
      const bind = m.type === 'bind' || options.includes('bind') || options.includes('rbind');
      const source = typeof m.source === 'string' ? (bind && !isAbsolute(m.source) ? join(bundle, m.source) : m.source) : undefined;
      mounts.push({ destination: m.destination, ...(bind ? {} : { type: m.type as string }), ...(source !== undefined ? { source } : {}), options });
    }
  }

  const linux = isObject(spec.linux) ? spec.linux : {};
  refuseOthers(linux, 'linux.', ['namespaces', 'uidMappings', 'gidMappings', 'maskedPaths', 'readonlyPaths', 'cgroupsPath', 'resources', 'rootfsPropagation'], refused);
  if (linux.rootfsPropagation !== undefined && !['private', 'rprivate'].includes(linux.rootfsPropagation as string)) refused.push(`linux.rootfsPropagation (${JSON.stringify(linux.rootfsPropagation)}; only private)`);
  const namespaces: Array<{ type: NamespaceType; path?: string }> = [];
  for (const [i, n] of (Array.isArray(linux.namespaces) ? (linux.namespaces as unknown[]) : []).entries()) {
    const type = isObject(n) && typeof n.type === 'string' ? fromOciType(n.type) : undefined;
    if (!type) return err(configInvalid(`linux.namespaces[${i}]`, `unknown namespace type ${JSON.stringify(isObject(n) ? n.type : n)}`));
    namespaces.push(isObject(n) && typeof n.path === 'string' && n.path !== '' ? { type, path: n.path } : { type });
  }
  const res = isObject(linux.resources) ? linux.resources : {};
  refuseOthers(res, 'linux.resources.', ['memory', 'pids', 'cpu', 'devices'], refused);
  const memory = isObject(res.memory) ? res.memory : undefined;
  const pids = isObject(res.pids) ? res.pids : undefined;
  const cpu = isObject(res.cpu) ? res.cpu : undefined;
  refuseOthers(memory, 'linux.resources.memory.', ['limit'], refused);
  refuseOthers(pids, 'linux.resources.pids.', ['limit'], refused);
  refuseOthers(cpu, 'linux.resources.cpu.', ['quota', 'period', 'shares'], refused);
  const devices = Array.isArray(res.devices) ? (res.devices as unknown[]) : [];
  const denyAll = (d: unknown): boolean => isObject(d) && d.allow === false && (d.access === 'rwm' || d.access === undefined) && d.type === undefined && d.major === undefined && d.minor === undefined;
  if (!devices.every(denyAll)) refused.push('linux.resources.devices (only the deny-all rule of runc spec: the minimal /dev has no other device)');
  if (linux.cgroupsPath !== undefined && typeof linux.cgroupsPath !== 'string') return err(configInvalid('linux.cgroupsPath', 'linux.cgroupsPath must be a string'));
  // Given: checked by validateConfig, which refuses "/", "." and ".." segments (never a hierarchy root).
  const cgroupsPath = linux.cgroupsPath === '' ? undefined : linux.cgroupsPath;
  if (cgroupsPath !== undefined && cgroupsPath.includes(':')) refused.push('linux.cgroupsPath (systemd slice:prefix:name form)');

  if (refused.length) return err(configInvalid(refused[0]!, `unsupported OCI fields: ${refused.join(', ')}`));
  const rootPath = isAbsolute(root.path) ? root.path : join(bundle, root.path);
  return validateConfig({
    rootfs: { path: rootPath, readonly: root.readonly === true },
    namespaces,
    ...(linux.uidMappings !== undefined ? { uidMappings: linux.uidMappings as ContainerConfig['uidMappings'] } : {}),
    ...(linux.gidMappings !== undefined ? { gidMappings: linux.gidMappings as ContainerConfig['gidMappings'] } : {}),
    ...(typeof spec.hostname === 'string' ? { hostname: spec.hostname } : {}),
    ...(typeof spec.domainname === 'string' ? { domainname: spec.domainname } : {}),
    ...(process ? { process } : {}),
    mountProc,
    mountDev,
    mountSys,
    mounts,
    maskedPaths: Array.isArray(linux.maskedPaths) ? (linux.maskedPaths as string[]) : [],
    readonlyPaths: Array.isArray(linux.readonlyPaths) ? (linux.readonlyPaths as string[]) : [],
    cgroup: {
      ...(cgroupsPath !== undefined ? { path: cgroupsPath } : {}),
      ...(memory?.limit !== undefined ? { memory: { limit: memory.limit as number } } : {}),
      ...(pids?.limit !== undefined ? { pids: { limit: pids.limit as number } } : {}),
      ...(cpu ? { cpu: cpu } : {}),
    },
  }, true);
}
