/**
 * linuxns core: Linux namespaces for Node.js.
 *
 * - The model: {@link NamespaceType}, clone flags, `/proc` paths, OCI spec entries.
 * - Handles: {@link openNamespace} and friends return a {@link NamespaceHandle}
 *   with a (dev, ino) identity.
 * - Running code inside namespaces: {@link NamespacePool} pins every setns to a
 *   dedicated worker thread; {@link enterSync} is the synchronous fast path for
 *   net, uts, ipc and cgroup.
 * - Sockets in a network namespace for ordinary `net`/`http`/`dgram` code.
 * - Errors are data: every fallible function returns a neverthrow `Result`
 *   whose error is an {@link NsError}.
 *
 * @packageDocumentation
 */
export * from './namespace/kind.js';
export * from './namespace/paths.js';
export * from './namespace/identity.js';
export { NamespaceHandle } from './namespace/handle.js';
export { openNamespace, openProcessNamespace, openThreadNamespace, adoptNamespaceFd } from './namespace/open.js';
export { openDifferingNamespaces, type DifferingNamespacesOptions } from './namespace/differing.js';
export { readProcessStat, type ProcessStat } from './proc-stat.js';
export * from './namespace/spec.js';
export * from './errors/ns-error.js';
export { errnoName } from './errors/errno.js';
export { syscallError, fsError, type CallContext } from './errors/from-errno.js';
export { NamespacePool, type NamespacePoolOptions, type RunOptions, type PoolStats, type VerifyMode, type RetireCause, type NamespacePoolEvents, type WorkerRetiredEvent, type WorkerCrashedEvent } from './thread/pool.js';
export type { NamespaceTarget, TargetValue } from './thread/target.js';
export { enterSync, SYNC_TYPES } from './thread/enter-sync.js';
export { createNamespace, CREATABLE_TYPES } from './lifecycle/create.js';
export { listenSocketIn, udpSocketIn, serveIn, connectIn, loopbackUp, type NamespaceSocket, type ListenOptions, type ConnectOptions, type SocketAddress } from './socket/socket.js';
export { spawn } from './helper/spawn.js';
export type { SpawnOptions, JoinTarget, StdioValue, IdRange, TimeOffset } from './helper/options.js';
export type { ContainerSpawnOptions } from './helper/options-container.js';
export type { SpawnConsole } from './helper/console.js';
export type { NsChild, ExitStatus } from './helper/child.js';
export type { RootfsOptions, MountSpec } from './helper/validate-rootfs.js';
export { DEFAULT_DEVICES, type DeviceNode } from './helper/devices.js';
export type { SchedulerOptions, SchedulerPolicy, SchedulerFlag, IoPriority, Personality } from './helper/scheduling.js';
export { validateSpawnOptions, type ValidatedSpawn } from './helper/validate.js';
export { validateIdRanges, type InvalidIdRangesError } from './helper/id-ranges.js';
export { CAPABILITY_NAMES, CAPABILITY_SETS, RLIMIT_NAMES, type RlimitName, type CapabilitySet } from './helper/names.js';
export { pin, unpin, pinNamespace, unpinNamespace, type ProcessNamespace, type PinOptions } from './lifecycle/pin.js';
export { addNetns, deleteNetns, openNetns, listNetns, netnsPath, NETNS_RUN_DIR, type NetnsEntry } from './lifecycle/netns.js';
export { mountIn, umountIn, type MountTarget, type MountInOptions, type UmountInOptions, type UmountInResult } from './lifecycle/mount-in.js';
export { listNamespaces, namespaceTree, type NamespaceInfo, type NamespaceHolder, type ListNamespacesOptions, type NamespaceTreeNode, type NamespaceTreeOptions } from './introspect/index.js';
export { compileSeccomp, type SeccompProfile, type SeccompSyscall, type SeccompArg, type SeccompAction, type SeccompOperator, type SeccompProgram } from './seccomp/compile.js';
export { readSysctl, writeSysctl, sysctlNamespaceType } from './lifecycle/sysctl.js';
export { httpAgentIn, httpsAgentIn, dispatcherIn, NamespaceConnectError, type NamespaceClientOptions, type HostLookup, type FetchDispatcher } from './socket/http.js';
