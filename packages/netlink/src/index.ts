/**
 * linuxns netlink: the links, addresses and routes of any network namespace,
 * over rtnetlink, from TypeScript, without spawning `ip`.
 *
 * - {@link openNetlink} gives a {@link NetlinkSocket} of a namespace (a
 *   handle, a path, a pid): the socket is created inside it and then used
 *   from the main thread, which never joins the namespace.
 * - Links: list, create (veth pairs with each end in its own namespace,
 *   dummy, bridge, other kinds), delete, rename, up/down, MTU, MAC, master,
 *   move to another namespace (renamed in the same request, keeping its
 *   permanent global addresses, as runc does).
 * - Addresses and routes, IPv4 and IPv6.
 * - {@link applyNetwork} and {@link undoNetwork}: a namespace's network set
 *   up from outside (loopback, veth pairs, links made or moved in,
 *   addresses, routes inside and in the caller's namespace), with a record
 *   of what was made outside that undo takes back, after a crash too.
 *   `@linuxns/container` sets its containers' networks up with it.
 * - {@link applyRuntime} and {@link parseRuntime}: LinuxKit's runtime config
 *   (linuxkit's `runtime.json`): directories, interfaces, namespace pins.
 *
 * Errors are `NsError`s from `@linuxns/core`: `netlink-error` (the kernel's
 * errno, its extended ack message and the request), `netlink-timeout`,
 * `netlink-malformed`, `netlink-closed`, `invalid-runtime`.
 *
 * @packageDocumentation
 */
export { openNetlink, type OpenNetlinkOptions } from './open.js';
export { NetlinkSocket } from './socket.js';
export type { LinkRef, NetnsRef } from './socket/refs.js';
export type { VethOptions, CreateLinkOptions } from './socket/link-create.js';
export type { MoveLinkOptions } from './socket/link-move.js';
export type { AddressOptions, AddressFilter } from './socket/addresses.js';
export type { RouteSpec, RouteFilter } from './socket/routes.js';
export type { LinkInfo, AddressInfo, RouteInfo } from './codec/messages.js';
export type { IpFamily } from './codec/ip.js';
export type { ReceiveMode } from './transport.js';
export { applyNetwork } from './network/apply.js';
export { undoNetwork } from './network/undo.js';
export type { NetworkSpec, NetworkInterface, NetworkRecord, ApplyNetworkOptions, AppliedNetwork, AppliedInterface, UndoNetworkOptions } from './network/spec.js';
export { applyRuntime, parseRuntime, type Runtime, type RuntimeInterface, type RuntimeBindNS, type AppliedRuntime, type ApplyRuntimeOptions } from './runtime.js';
export type { NetlinkError, NetlinkKernelError, NetlinkTimeoutError, NetlinkMalformedError, NetlinkClosedError, InvalidRuntimeError } from './errors.js';
