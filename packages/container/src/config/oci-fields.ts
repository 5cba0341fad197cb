/**
 * The bookkeeping of an OCI config's conversion: the fields it supports
 * (everything else is refused by name, never ignored) and the list of the
 * refused ones.
 *
 * @module
 */
import { isObject } from './shape.js';

/** The runtime-spec fields that are supported (a `*` entry: any key below it). Everything else is refused. */
export const OCI_FIELDS: readonly string[] = [
  'ociVersion', 'root.path', 'root.readonly', 'hostname', 'domainname', 'annotations.*',
  'process.terminal (false only)', 'process.consoleSize (without a terminal, unused)', 'process.args', 'process.env', 'process.cwd',
  'process.user.uid', 'process.user.gid', 'process.user.umask', 'process.user.additionalGids', 'process.capabilities.*', 'process.rlimits',
  'process.noNewPrivileges', 'process.oomScoreAdj', 'process.scheduler', 'process.ioPriority', 'process.apparmorProfile', 'process.selinuxLabel',
  'mounts (every type: binds and rbinds of files and directories, proc, sysfs, tmpfs, devpts, mqueue, cgroup, overlay...; all options but remount; idmap and ridmap of binds with the container\'s user namespace mappings)',
  'linux.namespaces', 'linux.uidMappings', 'linux.gidMappings', 'linux.maskedPaths', 'linux.readonlyPaths', 'linux.devices', 'linux.sysctl',
  'linux.seccomp (not SCMP_ACT_NOTIFY)', 'linux.personality', 'linux.mountLabel', 'linux.rootfsPropagation', 'linux.timeOffsets',
  'linux.cgroupsPath (/a/b, relative, slice:prefix:name)',
  'linux.resources.memory.limit', 'linux.resources.memory.reservation', 'linux.resources.memory.swap (where swap is accounted)',
  'linux.resources.memory.swappiness', 'linux.resources.memory.disableOOMKiller', 'linux.resources.pids.limit',
  'linux.resources.cpu.quota', 'linux.resources.cpu.period', 'linux.resources.cpu.shares', 'linux.resources.cpu.cpus', 'linux.resources.cpu.mems',
  'linux.resources.cpu.realtimeRuntime', 'linux.resources.cpu.realtimePeriod (cgroup v1)',
  'linux.resources.blockIO (weights where the kernel has the files, throttles)', 'linux.resources.hugepageLimits (where hugetlb is mounted)',
  'linux.resources.devices (enforced by the v1 devices controller, with runc\'s default rules; on cgroup v2 a deny-all rule first, then allow rules)',
];

/** Records every key of `o` not in `allowed` as refused, under `prefix`. */
export function refuseOthers(o: unknown, prefix: string, allowed: readonly string[], refused: string[]): void {
  if (!isObject(o)) return;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) refused.push(`${prefix}${k}`);
}
