/**
 * linuxns containers (libcontainer and LinuxKit): a {@link Factory} that creates,
 * persists, loads and lists containers under a root directory, and
 * {@link Container}s that start (an init set up entirely by the C helper
 * before exec: namespaces, id maps, cgroup, rootfs bind or overlay,
 * pivot_root, /proc, /dev, /sys, masked and read-only paths, hostname,
 * rlimits, capabilities, ids), with a network set up through
 * `@linuxns/netlink` (veth pairs, moved links, addresses, routes) and an
 * id-mapped rootfs through `@linuxns/userns-cache` when asked, exec into
 * their namespaces, report their state honestly after any crash, and
 * destroy without leaving a mount, pin, process, cgroup, host link or
 * route, or file behind. OCI bundles are accepted for the supported
 * fields ({@link fromOciSpec}); {@link specTemplate} is the default bundle
 * config, as `runc spec` writes it.
 *
 * Errors are {@link ContainerFailure}s: core's `NsError`s, those of
 * userns-cache and netlink, and the container's own kinds
 * (`container-invalid-id`, `container-id-in-use`, `container-not-found`,
 * `container-config-invalid`, `container-system-error`,
 * `container-wrong-status`).
 *
 * @packageDocumentation
 */
export { Factory, type CreateOptions } from './factory.js';
export { Container } from './lifecycle/container.js';
export { ContainerBase } from './lifecycle/container-base.js';
export type { ContainerState, ContainerStatus, StoredState } from './lifecycle/state.js';
export type { ContainerLock } from './lifecycle/claim.js';
export type { InitOptions } from './lifecycle/create-init.js';
export type { ExecOptions } from './lifecycle/exec.js';
export type { ContainerStats, CpuStats, MemoryStats, MemoryEntry, BlkioEntry } from './cgroup-stats.js';
export { validateConfig } from './config/validate.js';
export { mayKeepMknod } from './config/validate-namespaces.js';
export type { ContainerConfig, SharedSpawnSettings, NamespaceConfig, RootfsConfig, ProcessConfig, RlimitConfig, CgroupConfig } from './config/types.js';
export type { NetworkConfig, InterfaceConfig, RouteConfig } from './config/network-types.js';
export type { CgroupLimits, DeviceRule, ThrottleDevice, WeightDevice } from './cgroup.js';
export type { ProcessIo } from './config/spawn-options.js';
export { validateId, MAX_ID_LENGTH } from './id.js';
export { fromOciSpec, fromOciProcess, OCI_SUPPORTED_FIELDS } from './oci.js';
export { specTemplate, type OciSpecTemplate, type OciTemplateMount } from './template.js';
export type { ContainerError, ContainerFailure, ContainerInvalidIdError, ContainerIdInUseError, ContainerNotFoundError, ContainerConfigInvalidError, ContainerSystemError, ContainerWrongStatusError } from './errors.js';
