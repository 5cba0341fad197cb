/**
 * {@link Mapping}: the uid and gid maps of a user namespace, validated by
 * the kernel's rules before anything is made, and a canonical id that
 * ignores the order of the ranges (the kernel does not care about it).
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import { validateIdRanges, type NsError } from '@linuxns/core';
import type { UsernsCacheError } from './errors.js';

/** One range of a map, with the OCI runtime-spec's field names. */
export interface IdMapping {
  /** First id inside the user namespace. */
  readonly containerID: number;
  /** First id it maps to in the parent (the caller's) user namespace. */
  readonly hostID: number;
  /** Number of ids in the range, at least 1. */
  readonly size: number;
}

/** The maps of a user namespace, as in the OCI runtime-spec (`linux.uidMappings`, `linux.gidMappings`). */
export interface Mapping {
  readonly uidMappings: readonly IdMapping[];
  readonly gidMappings: readonly IdMapping[];
}

/** A validated {@link Mapping}: ranges sorted by `containerID`, the map files' text, the canonical id. */
export interface CanonicalMapping {
  /** `uid=0:100000:65536;gid=0:100000:65536`: equal for mappings that differ only in range order. */
  readonly id: string;
  readonly uidMappings: readonly IdMapping[];
  readonly gidMappings: readonly IdMapping[];
  /** The text written to `/proc/PID/uid_map` (one line per range). */
  readonly uidMapText: string;
  /** The text written to `/proc/PID/gid_map`. */
  readonly gidMapText: string;
}

/** Ranges per map the kernel accepts (`UID_GID_MAP_MAX_EXTENTS`). */
export const MAX_RANGES = 340;
/** A map file is written in one write of fewer bytes than this (a page). */
export const MAX_MAP_BYTES = 4096;

type Field = 'uidMappings' | 'gidMappings';

/** The ranges of `field` sorted by containerID, checked by core's validateIdRanges (the kernel's rules); or the `invalid-mapping`. */
function checkRanges(field: Field, ranges: readonly IdMapping[]): Result<IdMapping[], UsernsCacheError> {
  for (const [i, r] of ranges.entries()) {
    if (typeof r !== 'object' || r === null) throw new TypeError(`${field}[${i}] must be an object { containerID, hostID, size }, got ${r === null ? 'null' : typeof r}`);
  }
  return validateIdRanges(field, ranges).mapErr((e) => ({ kind: 'invalid-mapping' as const, field, ...(e.index !== undefined ? { index: e.index } : {}), message: e.message }));
}

const mapText = (ranges: readonly IdMapping[]): string => ranges.map((r) => `${r.containerID} ${r.hostID} ${r.size}\n`).join('');
const idOf = (ranges: readonly IdMapping[]): string => ranges.map((r) => `${r.containerID}:${r.hostID}:${r.size}`).join(',');

/**
 * Validates `mapping` by the kernel's rules (user_namespaces(7)): at least
 * one and at most 340 ranges per map, sizes of at least 1, 32-bit ids below
 * 4294967295, no overlap of ranges inside or outside, a map text shorter than
 * 4096 bytes. Returns the canonical form, whose `id` ignores range order.
 * Throws `TypeError` when `mapping` is not shaped like a {@link Mapping}.
 *
 * @example
 * ```ts
 * import { canonicalMapping } from '@linuxns/userns-cache';
 * const a = canonicalMapping({
 *   uidMappings: [{ containerID: 1000, hostID: 201000, size: 10 }, { containerID: 0, hostID: 200000, size: 1000 }],
 *   gidMappings: [{ containerID: 0, hostID: 200000, size: 1010 }],
 * });
 * if (a.isOk()) console.log(a.value.id); // uid=0:200000:1000,1000:201000:10;gid=0:200000:1010
 * ```
 */
export function canonicalMapping(mapping: Mapping): Result<CanonicalMapping, NsError | UsernsCacheError> {
  if (typeof mapping !== 'object' || mapping === null) throw new TypeError(`mapping must be an object { uidMappings, gidMappings }, got ${mapping === null ? 'null' : typeof mapping}`);
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    if (!Array.isArray(mapping[field])) throw new TypeError(`mapping.${field} must be an array of { containerID, hostID, size }`);
  }
  const uids = checkRanges('uidMappings', mapping.uidMappings);
  if (uids.isErr()) return err(uids.error);
  const gids = checkRanges('gidMappings', mapping.gidMappings);
  if (gids.isErr()) return err(gids.error);
  const uidMapText = mapText(uids.value);
  const gidMapText = mapText(gids.value);
  return ok({ id: `uid=${idOf(uids.value)};gid=${idOf(gids.value)}`, uidMappings: uids.value, gidMappings: gids.value, uidMapText, gidMapText });
}

/**
 * Parses the text of a `/proc/PID/uid_map` or `gid_map` file
 * (`containerID hostID size` per line, columns padded with spaces).
 *
 * @internal
 */
export function parseMapText(text: string): IdMapping[] {
  const out: IdMapping[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 3) continue;
    out.push({ containerID: Number(f[0]), hostID: Number(f[1]), size: Number(f[2]) });
  }
  return out;
}
