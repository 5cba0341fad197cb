/**
 * The process settings of {@link spawn}, applied in the command's process
 * just before exec: a fresh /proc, time offsets, rlimits, session,
 * parent-death signal, ids, chroot, mount propagation and capabilities.
 * Checked here, before anything is made, as the helper will take them.
 *
 * @module
 */
import { constants as osConstants } from 'node:os';
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { invalidOption, isArray } from './invalid.js';
import { CAPABILITY_SETS, capabilityNumber, RLIMIT_NAMES, type CapabilitySet, type RlimitName } from './names.js';
import type { SpawnOptions } from './options.js';
import { MAX_GROUPS, type HelperRequest } from './protocol.js';

const PROPAGATIONS = ['private', 'slave', 'shared', 'unchanged'];

/** An id the kernel takes for setuid/setgid: 0 to 4294967294 ((uid_t)-1 is no id). */
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 0xffffffff;

/** The mask (bit n: capability n) of `names` in capability set `set`; or the error. */
function capMask(set: string, names: readonly string[]): Result<bigint, NsError> {
  if (!isArray(names)) return err(invalidOption('capabilities', `capabilities.${set} must be an array of capability names`));
  let mask = 0n;
  for (const n of names) {
    const i = capabilityNumber(n);
    if (i < 0) return err(invalidOption('capabilities', `unknown capability ${JSON.stringify(n)} in capabilities.${set}`));
    mask |= 1n << BigInt(i);
  }
  return ok(mask);
}

/** `rlimits` as [RLIMIT_* number, soft, hard] (-1: unlimited); or the error. */
function rlimitList(rlimits: NonNullable<SpawnOptions['rlimits']>): Result<Array<[number, number, number]>, NsError> {
  const list: Array<[number, number, number]> = [];
  const conv = (v: number): number => (v === Infinity ? -1 : v);
  for (const [name, lim] of Object.entries(rlimits)) {
    const res = RLIMIT_NAMES.indexOf(name as RlimitName);
    if (res < 0) return err(invalidOption('rlimits', `unknown resource ${JSON.stringify(name)}: one of ${RLIMIT_NAMES.join(', ')}`));
    const soft = conv(lim.soft);
    const hard = conv(lim.hard);
    if (![soft, hard].every((v) => v === -1 || (Number.isInteger(v) && v >= 0))) return err(invalidOption('rlimits', `rlimits.${name} needs whole soft and hard values (or Infinity)`));
    if (hard !== -1 && (soft === -1 || soft > hard)) return err(invalidOption('rlimits', `rlimits.${name}: soft ${lim.soft} is above hard ${lim.hard}`));
    list.push([res, soft, hard]);
  }
  return ok(list);
}

/** The ids of `user` as the helper takes them; or the error. */
function userIds(user: NonNullable<SpawnOptions['user']>): Result<Partial<HelperRequest>, NsError> {
  const { uid, gid, groups } = user;
  if (uid !== undefined && !isId(uid)) return err(invalidOption('user', `user.uid must be an id from 0 to 4294967294, got ${String(uid)}`));
  if (gid !== undefined && !isId(gid)) return err(invalidOption('user', `user.gid must be an id from 0 to 4294967294, got ${String(gid)}`));
  if (groups !== undefined && (!isArray(groups) || !groups.every(isId) || groups.length > MAX_GROUPS)) return err(invalidOption('user', `user.groups must be at most ${MAX_GROUPS} ids`));
  return ok({ ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(groups !== undefined ? { groups } : {}) });
}

/** Validates the process settings: the helper request fields, or the error. */
export function processSettings(o: SpawnOptions, creating: ReadonlySet<NamespaceType>): Result<Partial<HelperRequest>, NsError> {
  const out: Record<string, unknown> = {};
  if (o.mountProc) {
    if (!creating.has('mnt') || !creating.has('pid')) return err(invalidOption('mountProc', "mountProc needs new mnt and pid namespaces: add 'mnt' and 'pid' to create"));
    out.mountProc = true;
  }
  if (o.timeOffsets !== undefined) {
    if (!creating.has('time')) return err(invalidOption('timeOffsets', "time offsets need a new time namespace: add 'time' to create"));
    for (const k of ['monotonic', 'boottime'] as const) {
      const v: unknown = o.timeOffsets[k];
      if (v === undefined) continue;
      const secs = typeof v === 'object' && v !== null ? (v as { secs?: unknown }).secs : v;
      const nsec = typeof v === 'object' && v !== null ? ((v as { nanosecs?: unknown }).nanosecs ?? 0) : 0;
      if (!Number.isInteger(secs) || Math.abs(secs as number) > 2 ** 40) return err(invalidOption('timeOffsets', `timeOffsets.${k} must be a whole number of seconds or { secs, nanosecs }, got ${JSON.stringify(v)}`));
      if (!Number.isInteger(nsec) || (nsec as number) < 0 || (nsec as number) > 999999999) return err(invalidOption('timeOffsets', `timeOffsets.${k}.nanosecs must be from 0 to 999999999, got ${JSON.stringify(nsec)}`));
      out[k] = secs;
      if (nsec !== 0) out[`${k}Nsec`] = nsec;
    }
  }
  if (o.rlimits !== undefined) {
    const list = rlimitList(o.rlimits);
    if (list.isErr()) return err(list.error);
    out.rlimits = list.value;
  }
  if (o.newSession) out.setsid = true;
  if (o.noNewPrivileges) out.noNewPrivs = true;
  if (o.preserveCredentials) out.preserveCredentials = true;
  if (o.parentDeathSignal !== undefined) {
    const n = (osConstants.signals as Record<string, number>)[o.parentDeathSignal];
    if (n === undefined) return err(invalidOption('parentDeathSignal', `unknown signal ${JSON.stringify(o.parentDeathSignal)}`));
    out.pdeathsig = n;
  }
  if (o.user !== undefined) {
    const ids = userIds(o.user);
    if (ids.isErr()) return err(ids.error);
    Object.assign(out, ids.value);
  }
  if (o.root !== undefined) {
    if (typeof o.root !== 'string' || !o.root.startsWith('/')) return err(invalidOption('root', `root must be an absolute path, got ${JSON.stringify(o.root)}`));
    out.root = o.root;
  }
  if (o.mountPropagation !== undefined) {
    if (!creating.has('mnt')) return err(invalidOption('mountPropagation', "mountPropagation applies to a new mount namespace: add 'mnt' to create"));
    if (!PROPAGATIONS.includes(o.mountPropagation)) return err(invalidOption('mountPropagation', `mountPropagation must be private, slave, shared or unchanged, got ${JSON.stringify(o.mountPropagation)}`));
    out.propagation = o.mountPropagation;
  }
  if (o.capabilities !== undefined) {
    const caps: Record<string, bigint> = {};
    for (const [set, names] of Object.entries(o.capabilities)) {
      if (!CAPABILITY_SETS.includes(set as CapabilitySet)) return err(invalidOption('capabilities', `unknown capability set ${JSON.stringify(set)}`));
      const m = capMask(set, names ?? []);
      if (m.isErr()) return err(m.error);
      caps[set] = m.value;
    }
    out.caps = caps;
  }
  return ok(out);
}
