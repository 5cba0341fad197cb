/**
 * The parts of the OCI runtime spec that name namespaces and id mappings,
 * and gVisor's lookups over them (`GetNS`, `FilterNS`) plus the spec's
 * validation rules.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { fromOciType, isNamespaceType, toOciType, type NamespaceType, type OciNamespaceType } from './kind.js';

/** One entry of `linux.namespaces`: a new namespace, or an existing one by `path`. */
export interface LinuxNamespace {
  readonly type: OciNamespaceType;
  /** Absolute path of an existing namespace to join; absent to create one. */
  readonly path?: string;
}

/** One range of a uid or gid mapping (`linux.uidMappings[]`). */
export interface LinuxIdMapping {
  /** First id inside the container. */
  readonly containerID: number;
  /** First id on the host it maps to. */
  readonly hostID: number;
  /** Number of ids in the range. */
  readonly size: number;
}

/** Offsets of one clock in a time namespace (`linux.timeOffsets.monotonic`). */
export interface LinuxTimeOffset {
  readonly secs?: number;
  readonly nanosecs?: number;
}

/** The `linux` object of a runtime spec, as far as namespaces go. */
export interface LinuxSpec {
  readonly namespaces?: readonly LinuxNamespace[];
  readonly uidMappings?: readonly LinuxIdMapping[];
  readonly gidMappings?: readonly LinuxIdMapping[];
  readonly timeOffsets?: { readonly monotonic?: LinuxTimeOffset; readonly boottime?: LinuxTimeOffset };
}

/** A runtime spec (`config.json`), as far as namespaces go; other fields pass through. */
export interface RuntimeSpec {
  readonly ociVersion?: string;
  readonly linux?: LinuxSpec;
  readonly [key: string]: unknown;
}

function toOci(type: NamespaceType | OciNamespaceType): OciNamespaceType {
  return isNamespaceType(type) ? toOciType(type) : type;
}

/**
 * The entry of `spec.linux.namespaces` of the given type (either spelling:
 * `net` or `network`), or `undefined` (gVisor's `GetNS`).
 *
 * @example
 * ```ts
 * import { getNamespace } from '@linuxns/core';
 * const spec = { linux: { namespaces: [{ type: 'network' as const, path: '/run/netns/a' }] } };
 * getNamespace(spec, 'net'); // { type: 'network', path: '/run/netns/a' }
 * ```
 */
export function getNamespace(spec: RuntimeSpec, type: NamespaceType | OciNamespaceType): LinuxNamespace | undefined {
  const want = toOci(type);
  return spec.linux?.namespaces?.find((ns) => ns.type === want);
}

/**
 * The entries of `spec.linux.namespaces` whose types are in `types`, in the
 * order of `types` (gVisor's `FilterNS`).
 *
 * @example
 * ```ts
 * import { filterNamespaces } from '@linuxns/core';
 * const spec = { linux: { namespaces: [{ type: 'uts' as const }, { type: 'network' as const }] } };
 * filterNamespaces(['net', 'pid'], spec); // [{ type: 'network' }]
 * ```
 */
export function filterNamespaces(types: readonly (NamespaceType | OciNamespaceType)[], spec: RuntimeSpec): LinuxNamespace[] {
  const out: LinuxNamespace[] = [];
  for (const t of types) {
    const ns = getNamespace(spec, t);
    if (ns !== undefined) out.push(ns);
  }
  return out;
}

/**
 * Checks `spec.linux.namespaces` against the runtime spec's rules: every type
 * known, no type twice, every `path` absolute. Returns the entries with their
 * linuxns types.
 *
 * @example
 * ```ts
 * import { validateNamespaces } from '@linuxns/core';
 * const r = validateNamespaces({ linux: { namespaces: [{ type: 'network', path: 'netns/a' }] } });
 * if (r.isErr()) console.log(r.error.message); // ... must be an absolute path
 * ```
 */
export function validateNamespaces(spec: RuntimeSpec): Result<Array<{ type: NamespaceType; path?: string }>, NsError> {
  const raw: unknown = spec.linux?.namespaces ?? [];
  if (!Array.isArray(raw)) throw new TypeError('spec.linux.namespaces must be an array');
  const list = raw as readonly LinuxNamespace[];
  const seen = new Set<NamespaceType>();
  const out: Array<{ type: NamespaceType; path?: string }> = [];
  for (const [index, ns] of list.entries()) {
    const raw = String((ns as { type?: unknown })?.type);
    const type = fromOciType(raw);
    if (type === undefined) {
      return err({ kind: 'invalid-spec', reason: 'unknown-type', index, value: raw, message: `linux.namespaces[${index}]: unknown namespace type ${JSON.stringify(raw)}` });
    }
    if (seen.has(type)) {
      return err({ kind: 'invalid-spec', reason: 'duplicate-type', index, value: raw, message: `linux.namespaces[${index}]: namespace type ${JSON.stringify(raw)} appears more than once` });
    }
    seen.add(type);
    if (ns.path !== undefined) {
      if (typeof ns.path !== 'string' || !ns.path.startsWith('/')) {
        return err({ kind: 'invalid-spec', reason: 'relative-path', index, value: String(ns.path), message: `linux.namespaces[${index}]: path ${JSON.stringify(ns.path)} of ${raw} must be an absolute path` });
      }
      out.push({ type, path: ns.path });
    } else {
      out.push({ type });
    }
  }
  return ok(out);
}
