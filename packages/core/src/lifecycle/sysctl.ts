/**
 * The sysctls of a namespace: `/proc/sys` answers for the namespaces of the
 * thread that reads it (its net, uts and ipc namespaces), so reading or
 * writing a key of another namespace is joining it on the calling thread
 * for one file operation ({@link enterSync}) and coming back. Which keys
 * belong to which namespace type is the kernel's: `net.*` to the network
 * namespace (only the per-namespace ones are visible in a namespace other
 * than the initial one), `kernel.hostname` and `kernel.domainname` to uts,
 * System V IPC limits and `fs.mqueue.*` to ipc. Everything else is global.
 *
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceType } from '../namespace/kind.js';
import { enterSync } from '../thread/enter-sync.js';
import type { TargetValue } from '../thread/target.js';

/** The keys of `kernel.*` that belong to the ipc namespace (System V IPC). */
const IPC_KERNEL_KEYS = new Set(['shmmax', 'shmall', 'shmmni', 'shm_rmid_forced', 'shm_next_id', 'msgmax', 'msgmnb', 'msgmni', 'msg_next_id', 'auto_msgmni', 'sem', 'sem_next_id']);
const UTS_KERNEL_KEYS = new Set(['hostname', 'domainname']);

/** `net.ipv4.ip_forward` or `net/ipv4/conf/eth0.1/forwarding` (sysctl(8)'s two spellings) as path parts. */
function partsOf(key: string): string[] {
  return key.includes('/') ? key.split('/').filter((p) => p !== '') : key.split('.');
}

/**
 * The namespace type a sysctl key belongs to, or `undefined` for a global key
 * (one value for the whole system). For a `net.*` key this is by name: a net
 * key that is global (e.g. `net.core.netdev_max_backlog`) is found out by
 * {@link readSysctl}, because the kernel shows it in the initial network
 * namespace only.
 *
 * @example
 * ```ts
 * import { sysctlNamespaceType } from '@linuxns/core';
 * sysctlNamespaceType('net.ipv4.ip_forward'); // 'net'
 * sysctlNamespaceType('kernel.hostname');     // 'uts'
 * sysctlNamespaceType('kernel.shmmax');       // 'ipc'
 * sysctlNamespaceType('vm.swappiness');       // undefined: global
 * ```
 */
export function sysctlNamespaceType(key: string): NamespaceType | undefined {
  if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`);
  const [top, second, third] = partsOf(key);
  if (top === 'net') return 'net';
  if (top === 'kernel' && second !== undefined && third === undefined) {
    if (UTS_KERNEL_KEYS.has(second)) return 'uts';
    if (IPC_KERNEL_KEYS.has(second)) return 'ipc';
  }
  if (top === 'fs' && second === 'mqueue') return 'ipc';
  return undefined;
}

/** The key checked and as a `/proc/sys` path, with its namespace type; or why not. */
function resolve(key: unknown): Result<{ type: NamespaceType; path: string; key: string }, NsError> {
  if (typeof key !== 'string') throw new TypeError(`key must be a string, got ${typeof key}`);
  const parts = partsOf(key);
  if (key === '' || parts.length < 2 || parts.some((p) => p === '' || p === '.' || p === '..')) {
    return err({ kind: 'invalid-sysctl', key, reason: 'bad-key', message: `${JSON.stringify(key)} is not a sysctl key (e.g. net.ipv4.ip_forward, or net/ipv4/conf/eth0.1/forwarding)` });
  }
  const type = sysctlNamespaceType(key);
  if (type === undefined) {
    return err({
      kind: 'invalid-sysctl',
      key,
      reason: 'not-namespaced',
      message: `${key} belongs to no namespace: it is global, one value for the whole system (write /proc/sys/${parts.join('/')} in the initial namespaces)`,
    });
  }
  return ok({ type, path: `/proc/sys/${parts.join('/')}`, key });
}

/**
 * The error for a key missing inside: a global net key (present in the
 * initial network namespace only; the caller is usually there, back on its
 * own thread by now) gets its own explanation, an unknown one stays
 * `not-found`.
 */
function missing(key: string, path: string, type: NamespaceType, e: NsError): NsError {
  if (type !== 'net' || e.kind !== 'not-found') return e;
  if (existsSync(path)) {
    return {
      kind: 'invalid-sysctl',
      key,
      reason: 'not-namespaced',
      message: `${key} is not per network namespace: the kernel has it in the initial network namespace only, and its value applies to all of them (set it there: in /proc/sys of a process in that namespace)`,
    };
  }
  return e;
}

/** Runs `op` on the key's file inside the right namespace of `target`. */
function inside<T>(target: TargetValue, key: string, op: (path: string) => T, what: string): Result<T, NsError> {
  return resolve(key).andThen(({ type, path }) =>
    enterSync({ [type]: target }, () => {
      try {
        return ok(op(path));
      } catch (x) {
        return err(fsError(x, { path, namespace: type }));
      }
    })
      .andThen((r) => r)
      .orElse((e) => err(e.kind === 'wrong-namespace-type' ? { ...e, message: `${e.message}: ${key} is a ${type} sysctl, so ${what} needs a ${type} namespace` } : missing(key, path, type, e))),
  );
}

/**
 * Reads the sysctl `key` of a namespace: `target` is the namespace of the
 * key's type (a {@link NamespaceHandle}, a path such as `/run/netns/blue`,
 * or a pid for its namespace of that type). The value comes without its
 * trailing newline. A key of another type than `target` is
 * `wrong-namespace-type`; a global key `invalid-sysctl` (`reason`
 * `'not-namespaced'`, whose message says where to set it); an unknown key
 * `not-found`.
 *
 * @example
 * ```ts
 * import { readSysctl } from '@linuxns/core';
 * readSysctl('/run/netns/blue', 'net.ipv4.ip_forward').match(
 *   (v) => console.log(`forwarding: ${v}`),
 *   (e) => console.error(e.message),
 * );
 * ```
 */
export function readSysctl(target: TargetValue, key: string): Result<string, NsError> {
  return inside(target, key, (path) => readFileSync(path, 'utf8').replace(/\n$/, ''), 'reading it');
}

/**
 * Writes the sysctl `key` of a namespace (see {@link readSysctl} for
 * `target` and the errors). `value` is written as text, as `sysctl -w`
 * writes it (numbers, or several separated by spaces or tabs).
 *
 * @example
 * ```ts
 * import { createNamespace, writeSysctl } from '@linuxns/core';
 * // A router namespace forwards IPv4.
 * const r = await createNamespace('net').andThen((router) => writeSysctl(router, 'net.ipv4.ip_forward', 1));
 * if (r.isErr()) console.error(r.error.message);
 * ```
 */
export function writeSysctl(target: TargetValue, key: string, value: string | number): Result<void, NsError> {
  if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`value must be a string or a number, got ${typeof value}`);
  return inside(target, key, (path) => writeFileSync(path, String(value)), 'writing it');
}
