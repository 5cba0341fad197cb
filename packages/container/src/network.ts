/**
 * The container's network, set up and undone by `@linuxns/netlink`
 * (`applyNetwork`, `undoNetwork`): loopback, interfaces (veth pairs, links
 * of other kinds, the caller's links moved in), their addresses, routes
 * inside and routes of the caller's namespace. What netlink makes outside
 * the container's network namespace is recorded in `network.json` as soon
 * as it exists, so that destroy (or the undo of a failed start, or a
 * destroy after a crash) removes exactly that: host-side links by ifindex
 * and name (never a link of the same name made by someone else), host
 * routes, and moved links moved back.
 *
 * @module
 */
import { rmSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import { applyNetwork, undoNetwork, type NetnsRef, type NetworkInterface, type NetworkRecord, type RouteSpec } from '@linuxns/netlink';
import type { InterfaceConfig, NetworkConfig, RouteConfig } from './config/network-types.js';
import { readJson, writeJsonAtomic } from './store.js';
import type { ContainerFailure } from './errors.js';

/** The record of what the network setup made outside the container's namespace. */
export const NETWORK_FILE = 'network.json';

/** The fields of a route the config has (a config from JSON may carry others: they are not passed on). */
function routeSpec(r: RouteConfig): RouteSpec {
  return {
    dst: r.dst,
    ...(r.gateway !== undefined ? { gateway: r.gateway } : {}),
    ...(r.dev !== undefined ? { dev: r.dev } : {}),
    ...(r.family !== undefined ? { family: r.family } : {}),
    ...(r.metric !== undefined ? { metric: r.metric } : {}),
  };
}

/** An interface of the config as netlink sets it up: every one is set up (and a veth's peer). */
function interfaceSpec(x: InterfaceConfig): NetworkInterface {
  const { name, add, peer, peerNamespace, hostLink, createInRoot, addresses, peerAddresses, mtu, mac } = x;
  return { name, add, peer, peerNamespace, hostLink, createInRoot, addresses, peerAddresses, mtu, mac, up: true };
}

/** The error of a step, its message saying which. */
function failed(what: string, e: ContainerFailure): ContainerFailure {
  return { ...e, message: `${what}: ${e.message}` };
}

/**
 * Sets up `net` in the container's network namespace `target` (a handle on
 * a namespace made for it, or the init's pid). Stops at the first error,
 * what was made outside recorded in `dir/network.json` for
 * {@link teardownNetwork}.
 */
export async function setupNetwork(dir: string, net: NetworkConfig, target: NetnsRef): Promise<Result<void, ContainerFailure>> {
  const save = (record: NetworkRecord): Result<void, ContainerFailure> => writeJsonAtomic(dir, [[NETWORK_FILE, record]]).mapErr((e) => failed(`write ${NETWORK_FILE}`, e));
  const spec = {
    loopback: net.loopback !== false,
    interfaces: (net.interfaces ?? []).map(interfaceSpec),
    routes: (net.routes ?? []).map(routeSpec),
    hostRoutes: (net.hostRoutes ?? []).map(routeSpec),
  };
  const r = await applyNetwork(target, spec, { onRecord: save });
  return r.map(() => undefined);
}

/**
 * Undoes what `dir/network.json` records (netlink's `undoNetwork`): moved
 * links moved back to the caller's namespace (when `inside`, the
 * container's network namespace, is still there), host routes deleted,
 * host-side links deleted if their ifindex still has the recorded name.
 * Removes the record once everything is done; the first error otherwise
 * (the record stays for another try).
 */
export async function teardownNetwork(dir: string, inside: NetnsRef | undefined): Promise<Result<void, ContainerFailure>> {
  const read = readJson(dir, NETWORK_FILE);
  if (read.isErr()) return err(failed(`read ${NETWORK_FILE}`, read.error));
  if (!read.value.found) return ok(undefined);
  const r = await undoNetwork(read.value.value as NetworkRecord, inside);
  if (r.isErr()) return err(r.error);
  rmSync(`${dir}/${NETWORK_FILE}`, { force: true });
  return ok(undefined);
}
