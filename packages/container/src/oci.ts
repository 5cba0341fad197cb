/**
 * An OCI bundle's `config.json` (runtime-spec field names) → a
 * {@link ContainerConfig}, as runc 1.1 applies it (the conversion itself
 * lives in `config/oci-spec.ts`), so that a bundle made by `runc spec`,
 * podman or containerd runs unchanged. Every other field is refused by name,
 * never silently ignored.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import { OCI_FIELDS } from './config/oci-fields.js';
import { ociConfig, ociProcessConfig } from './config/oci-spec.js';
import type { ContainerConfig, ProcessConfig } from './config/types.js';
import type { ContainerFailure } from './errors.js';

/** The capability sets of a runtime-spec process. */
const CAPABILITY_SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;

/**
 * A runtime-spec process whose capability sets are all given: in the spec
 * (and runc) a set left out is empty (podman's `--cap-drop all` sends `{}`;
 * containerd's specs and `runc spec` have no inheritable set, and runc gives
 * the process none), whereas a {@link ProcessConfig} set left out keeps the
 * default. Ambient capabilities not both permitted and inheritable are left
 * out: the kernel refuses to raise them, and runc ignores that (`runc spec`'s
 * ambient set, without an inheritable one, gives a process no ambient
 * capability under runc).
 */
function withEveryCapabilitySet(process: unknown): unknown {
  if (typeof process !== 'object' || process === null) return process;
  const caps = (process as { capabilities?: unknown }).capabilities;
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) return process;
  const sets: Record<string, unknown> = { ...Object.fromEntries(CAPABILITY_SETS.map((k) => [k, []])), ...(caps as Record<string, unknown>) };
  const { ambient, permitted, inheritable } = sets;
  if (Array.isArray(ambient) && Array.isArray(permitted) && Array.isArray(inheritable)) {
    const name = (n: unknown): unknown => (typeof n === 'string' ? n.toLowerCase().replace(/^cap_/, '') : n);
    const allowed = new Set(permitted.map(name).filter((n) => inheritable.map(name).includes(n)));
    sets.ambient = ambient.filter((n) => allowed.has(name(n)));
  }
  return { ...process, capabilities: sets };
}

/**
 * The runtime-spec fields that are supported (a `*` entry: any key below it). Everything else is refused.
 *
 * @example
 * ```ts
 * import { OCI_SUPPORTED_FIELDS } from '@linuxns/container';
 * console.log(OCI_SUPPORTED_FIELDS.join('\n'));
 * ```
 */
export const OCI_SUPPORTED_FIELDS: readonly string[] = OCI_FIELDS;

/**
 * Converts a runtime-spec `process` object (parsed), such as the one an OCI
 * runtime's `exec --process FILE` is given, into a checked
 * {@link ProcessConfig} for {@link Container.exec}, with the rules of
 * {@link fromOciSpec}'s process (`newUser`: the container has a new user
 * namespace, which decides whether CAP_MKNOD may be kept). Unsupported
 * fields are refused by name (`container-config-invalid`).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { fromOciProcess } from '@linuxns/container';
 * const r = fromOciProcess(JSON.parse(readFileSync('/run/exec-process.json', 'utf8')), false);
 * if (r.isErr()) console.error(r.error.message); // e.g. unsupported OCI fields: process.foo
 * ```
 */
export function fromOciProcess(process: unknown, newUser: boolean): Result<ProcessConfig, ContainerFailure> {
  return ociProcessConfig(withEveryCapabilitySet(process), newUser);
}

/**
 * Converts a runtime-spec `config.json` (parsed) of the bundle at `bundle`
 * into a validated {@link ContainerConfig}. Refused fields give one
 * `container-config-invalid` naming all of them (`field` is the first).
 * Supported: see {@link OCI_SUPPORTED_FIELDS}.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { fromOciSpec } from '@linuxns/container';
 * const spec: unknown = JSON.parse(readFileSync('/srv/bundle/config.json', 'utf8'));
 * const r = fromOciSpec(spec, '/srv/bundle');
 * if (r.isErr()) console.error(r.error.message); // e.g. unsupported OCI fields: linux.intelRdt
 * ```
 */
export function fromOciSpec(spec: unknown, bundle: string): Result<ContainerConfig, ContainerFailure> {
  if (typeof spec !== 'object' || spec === null || !('process' in spec)) return ociConfig(spec, bundle);
  return ociConfig({ ...spec, process: withEveryCapabilitySet(spec.process) }, bundle);
}
