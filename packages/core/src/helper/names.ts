/**
 * The names {@link spawn}'s `capabilities` and `rlimits` take: the kernel's
 * capabilities by number (linux/capability.h), the capability sets, and the
 * resources of setrlimit(2) by number (asm-generic/resource.h). One table
 * each, for spawn's validation and for whoever builds spawn options.
 *
 * @module
 */

/** The capability sets of {@link SpawnOptions.capabilities}. */
export type CapabilitySet = 'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient';

/** Resource names of {@link SpawnOptions.rlimits}, as in `RLIMIT_*` (lower case). */
export type RlimitName =
  | 'cpu' | 'fsize' | 'data' | 'stack' | 'core' | 'rss' | 'nproc' | 'nofile'
  | 'memlock' | 'as' | 'locks' | 'sigpending' | 'msgqueue' | 'nice' | 'rtprio' | 'rttime';

/**
 * Every capability, lower case without `cap_`, at its number: `CAPABILITY_NAMES[12]` is
 * `'net_admin'` (`CAP_NET_ADMIN` is 12). {@link SpawnOptions.capabilities} takes these names in
 * either case, with or without `CAP_`.
 *
 * @example
 * ```ts
 * import { CAPABILITY_NAMES } from '@linuxns/core';
 * const all = CAPABILITY_NAMES.map((n) => `CAP_${n.toUpperCase()}`);
 * console.log(all.length, all.indexOf('CAP_SYS_ADMIN')); // 41 21
 * ```
 */
export const CAPABILITY_NAMES: readonly string[] = Object.freeze([
  'chown', 'dac_override', 'dac_read_search', 'fowner', 'fsetid', 'kill', 'setgid', 'setuid', 'setpcap', 'linux_immutable',
  'net_bind_service', 'net_broadcast', 'net_admin', 'net_raw', 'ipc_lock', 'ipc_owner', 'sys_module', 'sys_rawio', 'sys_chroot', 'sys_ptrace',
  'sys_pacct', 'sys_admin', 'sys_boot', 'sys_nice', 'sys_resource', 'sys_time', 'sys_tty_config', 'mknod', 'lease', 'audit_write',
  'audit_control', 'setfcap', 'mac_override', 'mac_admin', 'syslog', 'wake_alarm', 'block_suspend', 'audit_read', 'perfmon', 'bpf',
  'checkpoint_restore',
]);

/**
 * The capability sets, the keys of {@link SpawnOptions.capabilities}.
 *
 * @example
 * ```ts
 * import { CAPABILITY_SETS } from '@linuxns/core';
 * console.log(CAPABILITY_SETS.includes('ambient')); // true
 * ```
 */
export const CAPABILITY_SETS: readonly CapabilitySet[] = Object.freeze(['bounding', 'effective', 'permitted', 'inheritable', 'ambient']);

/**
 * Every resource of {@link SpawnOptions.rlimits}, at its `RLIMIT_*` number: `RLIMIT_NAMES[7]` is
 * `'nofile'` (`RLIMIT_NOFILE` is 7).
 *
 * @example
 * ```ts
 * import { RLIMIT_NAMES, type RlimitName } from '@linuxns/core';
 * const name = 'RLIMIT_NOFILE'.toLowerCase().replace(/^rlimit_/, '');
 * if (RLIMIT_NAMES.includes(name as RlimitName)) console.log(`${name} is resource ${RLIMIT_NAMES.indexOf(name as RlimitName)}`);
 * ```
 */
export const RLIMIT_NAMES: readonly RlimitName[] = Object.freeze([
  'cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile', 'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime',
]);

/** The number of capability `name` (`'CAP_NET_ADMIN'`, `'net_admin'`...), or -1 for no capability. */
export function capabilityNumber(name: unknown): number {
  return typeof name === 'string' ? CAPABILITY_NAMES.indexOf(name.toLowerCase().replace(/^cap_/, '')) : -1;
}
