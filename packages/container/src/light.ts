/**
 * `@linuxns/container/light`: containers opened without loading the config
 * validators, core's spawn, netlink or userns-cache, for short-lived
 * processes that must start fast (an OCI runtime's `state`, `start`,
 * `kill`, `delete`, `pause`, `ps`, `events`). The {@link Container} is the
 * same class as `@linuxns/container`'s: what starts a process (`start`,
 * `createInit`, `exec`) loads the rest on first use.
 *
 * @module
 */
export { openContainer, containerIds, cgroupPathOf } from './lifecycle/open.js';
export { Container } from './lifecycle/container.js';
export { ContainerBase } from './lifecycle/container-base.js';
export type { ContainerState, ContainerStatus, StoredState } from './lifecycle/state.js';
export type { ContainerLock } from './lifecycle/claim.js';
export type { InitOptions } from './lifecycle/create-init.js';
export type { ExecOptions } from './lifecycle/exec.js';
export type { ContainerStats, CpuStats, MemoryStats, MemoryEntry, BlkioEntry } from './cgroup-stats.js';
export type { CgroupLimits } from './cgroup.js';
export type { ContainerConfig, ProcessConfig } from './config/types.js';
export type { ContainerFailure } from './errors.js';
