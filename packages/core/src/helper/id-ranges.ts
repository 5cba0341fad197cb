/**
 * {@link validateIdRanges}: the kernel's rules for one uid or gid map
 * (`map_write` in kernel/user_namespace.c, user_namespaces(7)), checked
 * before anything is made, so that a map the kernel would refuse never
 * reaches it.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { InvalidOptionError, NsError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { invalidOption, isArray } from './invalid.js';
import type { SpawnOptions } from './options.js';
import { IDMAP_TEXT_LIMIT, MAX_IDMAP, type IdRange } from './protocol.js';

/** The highest id plus one: 4294967295 is `(uid_t)-1`, which is no id. */
const ID_LIMIT = 0xffffffff;

/**
 * An id map the kernel would refuse: an `invalid-option` of the option that holds it
 * (`'uidMappings'`, `'gidMappings'`), with the range at fault when one is.
 */
export interface InvalidIdRangesError extends InvalidOptionError {
  /** The index of the range at fault (of the later one, in the order given, for an overlap). */
  readonly index?: number;
}

const invalid = (option: string, message: string, index?: number): InvalidIdRangesError => ({
  kind: 'invalid-option',
  option,
  ...(index !== undefined ? { index } : {}),
  message: `${option}${index !== undefined ? `[${index}]` : ''}${message}`,
});

const overlaps = (a: number, sizeA: number, b: number, sizeB: number): boolean => a < b + sizeB && b < a + sizeA;

/**
 * Checks one uid or gid map by the kernel's rules: at least one and at most 340 ranges; each
 * `containerID`, `hostID` and `size` an integer, a size of at least 1, no range reaching
 * 4294967295 (`(uid_t)-1`) inside or outside; no two ranges overlapping inside (`containerID`)
 * or outside (`hostID`); the map's text (`"IN OUT COUNT\n"` a range) shorter than 4096 bytes,
 * the one write the kernel takes. `option` names the map in the error (`'uidMappings'`).
 * Returns a copy of the ranges sorted by `containerID` (the kernel ignores their order). Throws
 * a `TypeError` when `ranges` is not an array. {@link spawn} checks its `uidMappings` and
 * `gidMappings` with it.
 *
 * @example
 * ```ts
 * import { validateIdRanges } from '@linuxns/core';
 * validateIdRanges('uidMappings', [{ containerID: 0, hostID: 100000, size: 65536 }]).match(
 *   (ranges) => console.log(`${ranges.length} range`),
 *   (e) => console.error(e.option, e.index, e.message),
 * );
 * const bad = validateIdRanges('gidMappings', [{ containerID: 0, hostID: 0, size: 10 }, { containerID: 5, hostID: 100, size: 10 }]);
 * if (bad.isErr()) console.log(bad.error.index, bad.error.message); // 1 gidMappings[1]: ... overlaps range 0's
 * ```
 */
export function validateIdRanges(option: string, ranges: readonly IdRange[]): Result<IdRange[], InvalidIdRangesError> {
  if (!isArray(ranges)) throw new TypeError(`${option} must be an array of { containerID, hostID, size }`);
  if (ranges.length === 0) return err(invalid(option, ' is empty: give at least one range (a user namespace without a map can do nothing), or leave it out'));
  if (ranges.length > MAX_IDMAP) return err(invalid(option, ` has ${ranges.length} ranges; the kernel takes at most ${MAX_IDMAP}`));
  const copy: IdRange[] = [];
  let bytes = 0;
  for (const [i, r] of ranges.entries()) {
    for (const f of ['containerID', 'hostID', 'size'] as const) {
      const v = (r as Partial<IdRange> | null | undefined)?.[f];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > ID_LIMIT) return err(invalid(option, `.${f} must be an integer from 0 to 4294967295, got ${String(v)}`, i));
    }
    const { containerID, hostID, size } = r;
    if (size === 0) return err(invalid(option, '.size must be at least 1', i));
    // The kernel refuses an extent that reaches 4294967295, (uid_t)-1, which is no id.
    if (containerID + size > ID_LIMIT) return err(invalid(option, `: containerID ${containerID} + size ${size} reaches 4294967295 ((uid_t)-1), which is no id`, i));
    if (hostID + size > ID_LIMIT) return err(invalid(option, `: hostID ${hostID} + size ${size} reaches 4294967295 ((uid_t)-1), which is no id`, i));
    copy.push({ containerID, hostID, size });
    bytes += `${containerID} ${hostID} ${size}\n`.length;
  }
  for (let i = 1; i < copy.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = copy[i]!;
      const b = copy[j]!;
      if (overlaps(a.containerID, a.size, b.containerID, b.size)) return err(invalid(option, `: its containerID range overlaps range ${j}'s (${b.containerID}+${b.size})`, i));
      if (overlaps(a.hostID, a.size, b.hostID, b.size)) return err(invalid(option, `: its hostID range overlaps range ${j}'s (${b.hostID}+${b.size})`, i));
    }
  }
  if (bytes >= IDMAP_TEXT_LIMIT) {
    return err(invalid(option, ` takes ${bytes} bytes as a map file; the kernel takes fewer than ${IDMAP_TEXT_LIMIT} in its one write: use fewer or larger ranges`));
  }
  return ok(copy.sort((a, b) => a.containerID - b.containerID));
}

/** The uid and gid maps, `mapRootUser`'s included; or the error. */
export function idMaps(o: SpawnOptions, creating: ReadonlySet<NamespaceType>): Result<{ uid?: readonly IdRange[]; gid?: readonly IdRange[] }, NsError> {
  let uid = o.uidMappings;
  let gid = o.gidMappings;
  if (o.mapRootUser) {
    if (uid || gid) return err(invalidOption('mapRootUser', 'mapRootUser and explicit uidMappings/gidMappings exclude each other'));
    uid = [{ containerID: 0, hostID: process.geteuid?.() ?? 0, size: 1 }];
    gid = [{ containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 }];
  }
  for (const [name, ranges] of [['uidMappings', uid], ['gidMappings', gid]] as const) {
    if (ranges === undefined) continue;
    if (!creating.has('user')) {
      const option = o.mapRootUser ? 'mapRootUser' : name;
      return err(invalidOption(option, `${option} needs a new user namespace: add 'user' to create`));
    }
    const checked = validateIdRanges(name, ranges);
    if (checked.isErr()) return err(checked.error);
  }
  return ok({ ...(uid ? { uid } : {}), ...(gid ? { gid } : {}) });
}
