/**
 * {@link SpawnOptions.sysctl}: kernel parameters of the command's own
 * namespaces, refused as runc refuses them: a key that belongs to no
 * namespace, or to one the command shares with this process (neither
 * created nor joined, or a joined network namespace that is this process's
 * own), would change the host's value.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { identityOfPath } from '../namespace/identity.js';
import type { NamespaceType } from '../namespace/kind.js';
import { sysctlNamespaceType } from '../lifecycle/sysctl.js';
import { invalidOption } from './invalid.js';
import type { JoinHandles } from './join.js';
import type { SpawnOptions } from './options.js';
import { MAX_SYSCTL, type HelperRequest } from './protocol.js';

/** The parts of a key: `net.ipv4.ip_forward`, or sysctl(8)'s `net/ipv4/conf/eth0.1/forwarding`. */
const partsOf = (key: string): string[] => (key.includes('/') ? key.split('/') : key.split('.'));

/** Each key with its namespace type; or the error. */
function typed(sysctl: NonNullable<SpawnOptions['sysctl']>): Result<Array<[string, NamespaceType, string]>, NsError> {
  if (typeof sysctl !== 'object' || sysctl === null || Array.isArray(sysctl)) return err(invalidOption('sysctl', 'sysctl must be an object of key -> value'));
  const entries = Object.entries(sysctl);
  if (entries.length > MAX_SYSCTL) return err(invalidOption('sysctl', `sysctl: at most ${MAX_SYSCTL} keys, got ${entries.length}`));
  const out: Array<[string, NamespaceType, string]> = [];
  for (const [key, value] of entries) {
    const parts = partsOf(key);
    if (parts.length < 2 || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0'))) return err(invalidOption('sysctl', `sysctl: ${JSON.stringify(key)} is not a sysctl key (e.g. net.ipv4.ip_forward)`));
    if (typeof value !== 'string' || value.includes('\0')) return err(invalidOption('sysctl', `sysctl.${key} must be a string, got ${JSON.stringify(value)}`));
    const type = sysctlNamespaceType(key);
    if (parts.join('.') === 'kernel.hostname') return err(invalidOption('sysctl', 'sysctl kernel.hostname conflicts with the hostname option: set hostname instead (runc refuses it too)'));
    if (type === undefined) return err(invalidOption('sysctl', `sysctl ${key} is not in a separate kernel namespace: it is global, and would change the host's`));
    out.push([parts.join('/'), type, value]);
  }
  return ok(out);
}

/** The refusal of a key whose namespace the command shares with this process. */
const shared = (key: string, type: NamespaceType): NsError =>
  invalidOption('sysctl', `sysctl ${key} belongs to the ${type} namespace, which the command would share with this process: add '${type}' to create, or join one`);

/**
 * Validates `sysctl` against what is created and, when `join` names its types, joined: the helper's
 * [path, value] pairs, or the error. With a pid to join, its types are checked by {@link checkSysctlJoins}.
 */
export function sysctlSettings(o: SpawnOptions, creating: ReadonlySet<NamespaceType>, joined: readonly NamespaceType[] | undefined): Result<Partial<HelperRequest>, NsError> {
  if (o.sysctl === undefined) return ok({});
  const keys = typed(o.sysctl);
  if (keys.isErr()) return err(keys.error);
  for (const [path, type] of keys.value) {
    if (!creating.has(type) && joined !== undefined && !joined.includes(type)) return err(shared(path.replace(/\//g, '.'), type));
  }
  return keys.value.length ? ok({ sysctl: keys.value.map(([path, , value]) => [path, value] as const) }) : ok({});
}

/**
 * Once the namespaces to join are open: every key's namespace created or joined, and a joined network
 * namespace not this process's own (runc: "not allowed in host network namespace"). The error, or undefined.
 */
export function checkSysctlJoins(o: SpawnOptions, create: readonly NamespaceType[], handles: JoinHandles): NsError | undefined {
  if (o.sysctl === undefined) return undefined;
  const keys = typed(o.sysctl);
  if (keys.isErr()) return keys.error;
  for (const [path, type] of keys.value) {
    const key = path.replace(/\//g, '.');
    if (create.includes(type)) continue;
    const joined = handles.find(([t]) => t === type);
    if (!joined) return shared(key, type);
    if (type !== 'net') continue;
    const ours = identityOfPath('/proc/self/ns/net', 'net');
    if (ours.isOk() && joined[1].equals(ours.value)) return invalidOption('sysctl', `sysctl ${key}: the network namespace joined is this process's own, whose value it would change (runc refuses it too)`);
  }
  return undefined;
}
