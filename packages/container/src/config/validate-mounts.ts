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

/** Checks `mounts`: at most 64, each shaped as a {@link MountSpec} and taken by core's rules. */
export function checkMounts(mounts: unknown): ContainerFailure | undefined {
  if (mounts === undefined) return undefined;
  if (!isArray(mounts)) return configInvalid('mounts', 'mounts must be an array');
  for (const [i, m] of (mounts as unknown[]).entries()) {
    const e = checkMountShape(m, i);
    if (e) return e;
  }
  return mountsRefusal(mounts as MountSpec[]);
}
