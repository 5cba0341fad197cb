/**
 * What a config mounts in its rootfs: a fresh `/proc` (with a new pid
 * namespace), masked and read-only paths, and extra mounts (OCI style), each
 * shaped here and checked by core's rules as the helper's spawn will take
 * them, so that `start` never refuses what `create` took.
 *
 * @module
 */
import type { MountSpec, NamespaceType } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { cString, isArray, isObject } from './shape.js';
import { mountsRefusal, spawnRefusal } from './spawn-rules.js';
import type { ContainerConfig } from './types.js';

/** Checks `mountProc` (given, or the default `mountProc`), `maskedPaths` and `readonlyPaths`. */
export function checkPaths(c: Pick<ContainerConfig, 'maskedPaths' | 'readonlyPaths'>, mountProc: boolean, fresh: ReadonlySet<NamespaceType>): ContainerFailure | undefined {
  if (mountProc) {
    const e = spawnRefusal('mountProc', { create: [...fresh], mountProc });
    if (e) return e;
  }
  for (const k of ['maskedPaths', 'readonlyPaths'] as const) {
    if (c[k] === undefined) continue;
    const e = spawnRefusal(k, { create: [...fresh], [k]: c[k] });
    if (e) return e;
  }
  return undefined;
}

/** The shape of mount `i`: an object with a destination, and strings where strings go. */
function checkMountShape(m: unknown, i: number): ContainerFailure | undefined {
  const f = `mounts[${i}]`;
  if (!isObject(m) || typeof m.destination !== 'string') return configInvalid(f, `${f}.destination must be an absolute path`);
  if (m.options !== undefined && (!isArray(m.options) || !(m.options as unknown[]).every((o) => typeof o === 'string'))) return configInvalid(`${f}.options`, `${f}.options must be strings`);
  if (m.type !== undefined && !cString(m.type)) return configInvalid(`${f}.type`, `${f}.type must be a string`);
  if (m.source !== undefined && !cString(m.source)) return configInvalid(`${f}.source`, `${f}.source must be a string`);
  return undefined;
}

/** `'idmap'` or `'ridmap'` when mount `m` is to be id-mapped (runtime-spec's options, as runc 1.2 takes them), else undefined; the last of the two wins. */
export function idmapOf(m: Pick<MountSpec, 'options'>): 'idmap' | 'ridmap' | undefined {
  return (m.options ?? []).filter((o): o is 'idmap' | 'ridmap' => o === 'idmap' || o === 'ridmap').pop();
}

/** Mount `m` without its `idmap` and `ridmap` options: what the helper takes. */
export function withoutIdmap(m: MountSpec): MountSpec {
  return { ...m, options: (m.options ?? []).filter((o) => o !== 'idmap' && o !== 'ridmap') };
}

/**
 * Checks `mounts`: at most 64, each shaped as a {@link MountSpec} and taken by core's rules; an `idmap` or
 * `ridmap` one must be a bind of an absolute source, in a container with a new user namespace (its mappings map it).
 */
export function checkMounts(mounts: unknown, fresh: ReadonlySet<NamespaceType> = new Set()): ContainerFailure | undefined {
  if (mounts === undefined) return undefined;
  if (!isArray(mounts)) return configInvalid('mounts', 'mounts must be an array');
  for (const [i, m] of (mounts as unknown[]).entries()) {
    const e = checkMountShape(m, i);
    if (e) return e;
    const spec = m as MountSpec;
    if (idmapOf(spec) === undefined) continue;
    const f = `mounts[${i}].options`;
    const bind = spec.type === 'bind' || (spec.options ?? []).some((o) => o === 'bind' || o === 'rbind');
    if (!bind) return configInvalid(f, `${f}: idmap and ridmap apply to binds only (runc's rule), not to ${JSON.stringify(spec.type)}`);
    if (!fresh.has('user')) return configInvalid(f, `${f}: an id-mapped bind needs a new user namespace, whose uidMappings and gidMappings map it: add { type: "user" }`);
  }
  return mountsRefusal((mounts as MountSpec[]).map(withoutIdmap));
}
