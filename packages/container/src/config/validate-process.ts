/**
 * A process of the config (the init's default, or one given to `start` or
 * `exec`): its shape here, the rules it shares with spawn (ids and groups,
 * rlimit names and soft ≤ hard, capability sets and names) core's, and the
 * container's own: CAP_MKNOD only with a new user namespace.
 *
 * @module
 */
import type { SpawnOptions } from '@linuxns/core';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { absPath, cString, isArray, isObject } from './shape.js';
import { PROCESS_PASSED, rlimitForSpawn, rlimitName } from './spawn-options.js';
import { spawnRefusal } from './spawn-rules.js';
import type { ProcessConfig } from './types.js';

/** An rlimit value as a config holds it: a whole number, or unlimited (`'unlimited'`, `Infinity`). */
const rlimitValue = (v: unknown): boolean => v === Infinity || v === 'unlimited' || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);

/** True for CAP_MKNOD, however spelt (`'CAP_MKNOD'`, `'mknod'`). */
const isMknod = (name: unknown): boolean => typeof name === 'string' && name.toLowerCase().replace(/^cap_/, '') === 'mknod';

/** Checks `user` (an object): each id, then the groups, by core's rules. */
function checkUser(user: Record<string, unknown>, field: string): ContainerFailure | undefined {
  const { uid, gid, additionalGids } = user;
  return (
    (uid !== undefined ? spawnRefusal(`${field}.user.uid`, { user: { uid } } as SpawnOptions) : undefined) ??
    (gid !== undefined ? spawnRefusal(`${field}.user.gid`, { user: { gid } } as SpawnOptions) : undefined) ??
    (additionalGids !== undefined ? spawnRefusal(`${field}.user.additionalGids`, { user: { groups: additionalGids } } as SpawnOptions) : undefined) ??
    (user.umask !== undefined ? spawnRefusal(`${field}.user.umask`, { umask: user.umask } as SpawnOptions) : undefined)
  );
}

/** Checks `rlimits`: an array of `{ type, soft, hard }`, each by core's rules. */
function checkRlimits(rlimits: unknown, field: string): ContainerFailure | undefined {
  if (!isArray(rlimits)) return configInvalid(`${field}.rlimits`, `${field}.rlimits must be an array`);
  for (const [i, r] of (rlimits as unknown[]).entries()) {
    const f = `${field}.rlimits[${i}]`;
    if (!isObject(r) || typeof r.type !== 'string') return configInvalid(f, `${f}.type must be an RLIMIT_* name, got ${JSON.stringify(isObject(r) ? r.type : r)}`);
    if (!rlimitValue(r.soft) || !rlimitValue(r.hard)) return configInvalid(f, `${f} needs whole soft and hard values ("unlimited" for no limit), got ${JSON.stringify(r)}`);
    const limit = { soft: rlimitForSpawn(r.soft as number | 'unlimited'), hard: rlimitForSpawn(r.hard as number | 'unlimited') };
    const e = spawnRefusal(f, { rlimits: { [rlimitName(r.type)]: limit } });
    if (e) return e;
  }
  return undefined;
}

/** Checks `capabilities`: a list, or sets by name; each by core's rules, then the CAP_MKNOD rule. */
function checkCapabilities(capabilities: unknown, field: string, newUser: boolean): ContainerFailure | undefined {
  const sets: Array<[string, unknown]> = isArray(capabilities) ? [['', capabilities]] : isObject(capabilities) ? Object.entries(capabilities) : [['', null]];
  for (const [set, names] of sets) {
    const f = set ? `${field}.capabilities.${set}` : `${field}.capabilities`;
    const e = spawnRefusal(f, { capabilities: { [set || 'bounding']: names } });
    if (e) return e;
    if (!isArray(names)) return configInvalid(f, `${f} must be an array of capability names`);
    if (!newUser && (names as unknown[]).some(isMknod)) {
      return configInvalid(f, `${f} keeps CAP_MKNOD without a new user namespace nor device rules (cgroup.devices): a device node made inside would give access to the host's device; drop it, add { type: "user" }, or give device rules`);
    }
  }
  return undefined;
}

/**
 * Checks a process config; the error or undefined. `newUser`: the container
 * makes a new user namespace (without one, CAP_MKNOD may not be kept: the
 * device cgroup is not enforced, so a device node made inside would open the
 * host's device).
 */
export function checkProcess(p: unknown, field: string, newUser = true): ContainerFailure | undefined {
  if (!isObject(p)) return configInvalid(field, `${field} must be an object with args`);
  const { args, env, cwd, user, rlimits, capabilities } = p;
  if (!isArray(args) || (args as unknown[]).length === 0 || !(args as unknown[]).every((a) => cString(a) && a !== '')) {
    return configInvalid(`${field}.args`, `${field}.args must be a non-empty array of non-empty strings, got ${JSON.stringify(args)}`);
  }
  if (env !== undefined && (!isArray(env) || !(env as unknown[]).every((e) => cString(e) && /^[^=]+=/.test(e as string)))) {
    return configInvalid(`${field}.env`, `${field}.env must be an array of "KEY=VALUE" strings`);
  }
  if (cwd !== undefined && !absPath(cwd)) return configInvalid(`${field}.cwd`, `${field}.cwd must be an absolute path, got ${JSON.stringify(cwd)}`);
  if (user !== undefined) {
    if (!isObject(user)) return configInvalid(`${field}.user`, `${field}.user must be an object`);
    const e = checkUser(user, field);
    if (e) return e;
  }
  if (rlimits !== undefined) {
    const e = checkRlimits(rlimits, field);
    if (e) return e;
  }
  if (capabilities !== undefined) {
    const e = checkCapabilities(capabilities, field, newUser);
    if (e) return e;
  }
  if (p.noNewPrivileges !== undefined && typeof p.noNewPrivileges !== 'boolean') return configInvalid(`${field}.noNewPrivileges`, `${field}.noNewPrivileges must be a boolean`);
  for (const k of PROCESS_PASSED) {
    if (p[k] === undefined) continue;
    const e = spawnRefusal(`${field}.${k}`, { create: ['mnt'], [k]: p[k] }, k);
    if (e) return e;
  }
  return undefined;
}

/** A checked process with its unlimited rlimits as `'unlimited'` (what JSON keeps). */
export function normalizeProcess(p: ProcessConfig): ProcessConfig {
  if (!p.rlimits) return p;
  const u = (v: number | 'unlimited'): number | 'unlimited' => (v === Infinity ? 'unlimited' : v);
  return { ...p, rlimits: p.rlimits.map((r) => ({ ...r, soft: u(r.soft), hard: u(r.hard) })) };
}
