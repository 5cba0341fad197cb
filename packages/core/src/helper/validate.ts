/**
 * {@link validateSpawnOptions}: the front half of {@link spawn}, which finds
 * every option that is wrong before anything is opened, joined or made.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError, NsErrorBase } from '../errors/ns-error.js';
import { isNamespaceType, unknownNamespaceType, type NamespaceType } from '../namespace/kind.js';
import { idMaps } from './id-ranges.js';
import { joinPlan, type JoinPlan } from './join.js';
import { consoleSettings } from './console.js';
import { detachSettings } from './detach.js';
import { invalidOption, isArray } from './invalid.js';
import type { SpawnOptions, StdioValue } from './options.js';
import type { HelperRequest, IdRange } from './protocol.js';
import type { SeccompProgram } from '../seccomp/profile.js';
import { schedulingSettings } from './scheduling.js';
import { securitySettings } from './security.js';
import { processSettings } from './validate-process.js';
import { rootfsSettings } from './validate-rootfs.js';
import { sysctlSettings } from './validate-sysctl.js';

/** {@link SpawnOptions} checked by {@link validateSpawnOptions}, with their defaults filled in. */
export interface ValidatedSpawn {
  /** The new namespaces, in the order given. */
  readonly create: readonly NamespaceType[];
  /** The uid map to write: `uidMappings`, or the one range of `mapRootUser`; empty for none. */
  readonly uidMappings: readonly IdRange[];
  /** The gid map to write, as `uidMappings`. */
  readonly gidMappings: readonly IdRange[];
  /** What is written to `setgroups`: the option, else `'deny'` with `mapRootUser`. */
  readonly setgroups?: 'allow' | 'deny';
  /** `env` as [name, value] entries. */
  readonly env: ReadonlyArray<readonly [string, string]>;
  /** `envMode`, `'extend'` by default. */
  readonly envMode: 'extend' | 'replace';
  /** stdin, stdout and stderr, each spelled out. */
  readonly stdio: readonly [StdioValue, StdioValue, StdioValue];
  /** The new namespaces to pin, [type, path], in the order given. */
  readonly pins: ReadonlyArray<readonly [NamespaceType, string]>;
  /** The extra fds, [fd in the command, fd of this process]. */
  readonly fds: ReadonlyArray<readonly [number, number]>;
  /** @internal The helper request's process and container settings (hostname to readonly paths). */
  readonly settings: Partial<HelperRequest>;
  /** @internal What to join: a pid (its namespaces that differ from ours), or the targets, checked but not opened. */
  readonly join?: JoinPlan;
  /** @internal `gateFd`: the caller's fd the command waits on. */
  readonly gate?: number;
  /** @internal The compiled `seccomp` filter the helper installs. */
  readonly seccomp?: SeccompProgram;
}

type Pins = Array<readonly [NamespaceType, string]>;

/** Validates `pin`: [type, path] in the order given, or the error. Only new namespaces are pinned. */
function pinList(pin: SpawnOptions['pin'], creating: ReadonlySet<NamespaceType>): Result<Pins, NsError> {
  if (pin === undefined) return ok([]);
  if (typeof pin !== 'object' || pin === null || isArray(pin)) throw new TypeError('pin must be an object of namespace type -> absolute path');
  const list: Pins = [];
  for (const [type, path] of Object.entries(pin)) {
    if (!isNamespaceType(type)) return err({ kind: 'unknown-namespace-type', value: type, message: `unknown namespace type ${JSON.stringify(type)} in pin` });
    if (!creating.has(type)) return err(invalidOption('pin', `pin.${type} needs a new ${type} namespace: add '${type}' to create (pin a namespace that exists with pinNamespace)`));
    if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0')) return err(invalidOption('pin', `pin.${type} must be an absolute path, got ${JSON.stringify(path)}`));
    const twin = list.find(([, p]) => p === path);
    if (twin) return err(invalidOption('pin', `pin.${twin[0]} and pin.${type} are both ${JSON.stringify(path)}`));
    list.push([type, path]);
  }
  return ok(list);
}

function stdioOf(stdio: SpawnOptions['stdio']): [StdioValue, StdioValue, StdioValue] {
  if (stdio === undefined) return ['pipe', 'pipe', 'pipe'];
  if (Array.isArray(stdio)) {
    if (stdio.length !== 3) throw new TypeError('stdio must be one value or [stdin, stdout, stderr]');
    return [stdio[0], stdio[1], stdio[2]] as [StdioValue, StdioValue, StdioValue];
  }
  return [stdio as StdioValue, stdio as StdioValue, stdio as StdioValue];
}

/** The extra fds, [target, source]; or the error. */
function fdList(fds: SpawnOptions['fds']): Result<Array<[number, number]>, NsError> {
  const extra: Array<[number, number]> = [];
  for (const [target, source] of Object.entries(fds ?? {})) {
    const t = Number(target);
    if (!Number.isInteger(t) || t < 3 || t > 1023) return err(invalidOption('fds', `fds: target ${target} must be an fd number from 3 to 1023 (0-2 are stdio)`));
    if (!Number.isInteger(source) || source < 0) throw new TypeError(`fds[${target}] must be an fd number, got ${String(source)}`);
    extra.push([t, source]);
  }
  return ok(extra);
}

/**
 * Checks the options of {@link spawn} without opening, joining or making anything: what spawn
 * itself checks first, so that a spawn of valid options fails only at what exists (a join
 * target, the helper, a setup step). The errors are those spawn returns: `invalid-option` (with
 * the option at fault), `unknown-namespace-type`, `invalid-target` and `wrong-namespace-type` for
 * join targets. Two checks need the namespaces of a pid given as `join` and are left to spawn:
 * whether one of them is also created, and whether one is a user namespace for
 * `preserveCredentials`. Throws a `TypeError` for values of the wrong type, as spawn does.
 *
 * @example
 * ```ts
 * import { validateSpawnOptions, type SpawnOptions } from '@linuxns/core';
 * const options: SpawnOptions = { create: ['user', 'mnt'], mapRootUser: true, rlimits: { nofile: { soft: 64, hard: 32 } } };
 * validateSpawnOptions(options).match(
 *   (v) => console.log(`creates ${v.create.join(', ')}`),
 *   (e) => console.error(`${e.kind}: ${e.message}`), // invalid-option: rlimits.nofile: soft 64 is above hard 32
 * );
 * ```
 */
export function validateSpawnOptions<E extends NsErrorBase = NsError>(options: SpawnOptions<E>): Result<ValidatedSpawn, NsError> {
  const o = options as unknown as SpawnOptions;
  // A string is not a list: [...'user'] would be four unknown types.
  if (o.create !== undefined && !isArray(o.create)) throw new TypeError(`create must be an array of namespace types (e.g. ['user', 'net']), got ${typeof o.create === 'string' ? JSON.stringify(o.create) : typeof o.create}`);
  const create = [...(o.create ?? [])];
  for (const t of create) {
    if (typeof t !== 'string') throw new TypeError(`create must hold namespace type names, got ${typeof t}`);
    if (!isNamespaceType(t)) return err(unknownNamespaceType(t, ' in create'));
  }
  const creating = new Set(create);
  const maps = idMaps(o, creating);
  if (maps.isErr()) return err(maps.error);
  if (o.setgroups !== undefined && !creating.has('user')) return err(invalidOption('setgroups', "setgroups needs a new user namespace: add 'user' to create"));
  if (o.setgroups !== undefined && o.setgroups !== 'allow' && o.setgroups !== 'deny') throw new TypeError("setgroups must be 'allow' or 'deny'");
  for (const k of ['hostname', 'domainname'] as const) {
    if (o[k] !== undefined && !creating.has('uts')) return err(invalidOption(k, `${k} needs a new uts namespace (setting it in a shared one would change the host's): add 'uts' to create`));
  }
  const env = Object.entries(o.env ?? {});
  for (const [k, v] of env) {
    if (k === '' || k.includes('=') || typeof v !== 'string') return err(invalidOption('env', `env entry ${JSON.stringify(k)} must be a name without '=' and a string value`));
  }
  const stdio = stdioOf(o.stdio);
  const proc = processSettings(o, creating);
  if (proc.isErr()) return err(proc.error);
  const pins = pinList(o.pin, creating);
  if (pins.isErr()) return err(pins.error);
  const fs = rootfsSettings(o, creating);
  if (fs.isErr()) return err(fs.error);
  const fds = fdList(o.fds);
  if (fds.isErr()) return err(fds.error);
  const join = joinPlan(o, create);
  if (join.isErr()) return err(join.error);
  const sched = schedulingSettings(o);
  if (sched.isErr()) return err(sched.error);
  const joined = join.value === undefined ? [] : typeof join.value === 'number' ? undefined : join.value.map((e) => e.type);
  const sysctl = sysctlSettings(o, creating, joined);
  if (sysctl.isErr()) return err(sysctl.error);
  const security = securitySettings(o);
  if (security.isErr()) return err(security.error);
  if (o.beforeExec !== undefined && typeof o.beforeExec !== 'function') throw new TypeError(`beforeExec must be a function, got ${typeof o.beforeExec}`);
  const detached = detachSettings(o);
  if (detached.isErr()) return err(detached.error);
  const terminal = consoleSettings(o.console, o.detach);
  if (terminal.isErr()) return err(terminal.error);
  const setgroups = o.setgroups ?? (o.mapRootUser ? 'deny' : undefined);
  return ok({
    create,
    uidMappings: maps.value.uid ?? [],
    gidMappings: maps.value.gid ?? [],
    ...(setgroups !== undefined ? { setgroups } : {}),
    env,
    envMode: o.envMode ?? 'extend',
    stdio,
    pins: pins.value,
    fds: fds.value,
    settings: {
      ...(o.hostname !== undefined ? { hostname: o.hostname } : {}),
      ...(o.domainname !== undefined ? { domainname: o.domainname } : {}),
      ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
      ...proc.value,
      ...fs.value,
      ...sched.value,
      ...sysctl.value,
      ...security.value.settings,
      ...(detached.value.detach ? { detach: true } : {}),
      ...terminal.value,
    },
    ...(detached.value.gate !== undefined ? { gate: detached.value.gate } : {}),
    ...(join.value !== undefined ? { join: join.value } : {}),
    ...(security.value.seccomp !== undefined ? { seccomp: security.value.seccomp } : {}),
  });
}
