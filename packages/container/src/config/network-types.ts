/**
 * The container's network in its config: interfaces (LinuxKit's
 * `runtime.json` shape), routes inside, and routes of the caller's
 * namespace towards the container; set up by `@linuxns/netlink`.
 *
 * @module
 */
import type { NetworkInterface, NetworkSpec, RouteSpec } from '@linuxns/netlink';

/**
 * One network interface of the container: LinuxKit's `runtime.json`
 * `interfaces` entry (`name`, `add`, `peer`, `createInRoot`), with its
 * addresses. Which link it is:
 *
 * - a veth pair (`add: 'veth'`, or a `peer` alone): `name` inside the
 *   container, `peer` in the caller's network namespace or in
 *   `peerNamespace`;
 * - another kind to create inside (`add: 'dummy'`, `'bridge'`...);
 * - neither `add` nor `peer`: an existing link of the caller's namespace,
 *   `hostLink` (default `name`), moved in and named `name`; destroy moves
 *   it back under its old name while the container's network namespace is
 *   still there.
 *
 * Its fields are `@linuxns/netlink`'s {@link NetworkInterface}, which sets
 * it up, without `up`: every interface of a container is set up, and a
 * veth's peer with it.
 *
 * @example
 * ```ts
 * import type { InterfaceConfig } from '@linuxns/container';
 * const veth: InterfaceConfig = { name: 'eth0', peer: 'veth-web', addresses: ['10.20.0.2/24', 'fd20::2/64'], peerAddresses: ['10.20.0.1/24'] };
 * const moved: InterfaceConfig = { name: 'eth1', hostLink: 'dummy7', addresses: ['10.30.0.2/24'] };
 * console.log(veth.name, moved.hostLink);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- netlink's interface, field for field: one description of it
export interface InterfaceConfig extends Omit<NetworkInterface, 'up'> {}

/**
 * A route: `'default'` or a prefix, via a gateway or out of a device (at
 * least one of them). `@linuxns/netlink`'s {@link RouteSpec} (`dst`,
 * `gateway`, `family`, `metric`), with `dev` a name: inside, one of the
 * config's interfaces or `lo`. Table, scope and source are netlink's
 * defaults.
 *
 * @example
 * ```ts
 * import type { RouteConfig } from '@linuxns/container';
 * const viaGateway: RouteConfig = { dst: 'default', gateway: '10.20.0.1' };
 * const onLink: RouteConfig = { dst: '10.21.0.0/24', dev: 'eth0', metric: 10 };
 * console.log(viaGateway.dst, onLink.dev);
 * ```
 */
export interface RouteConfig extends Pick<RouteSpec, 'dst' | 'gateway' | 'family' | 'metric'> {
  /** Output interface (inside: one of the config's interfaces or `lo`). */
  readonly dev?: string;
}

/**
 * The container's network (through `@linuxns/netlink`; needs a new `net`
 * namespace): loopback up, interfaces with their addresses, routes inside,
 * and routes of the caller's namespace towards the container. Set up by
 * {@link Container.start}; without a new user namespace the network
 * namespace is made and configured before the init is started (the helper
 * then joins it); with one, from outside while the init waits just before
 * its exec (the namespace must be owned by the container's user namespace,
 * which only the helper makes). Either way the init's program never sees it
 * unconfigured.
 * Undone by {@link Container.destroy}: host-side veth ends deleted, moved
 * links moved back, host routes removed.
 *
 * @example
 * ```ts
 * import type { NetworkConfig } from '@linuxns/container';
 * const network: NetworkConfig = {
 *   interfaces: [{ name: 'eth0', peer: 'veth-web', addresses: ['10.20.0.2/24'], peerAddresses: ['10.20.0.1/24'] }],
 *   routes: [{ dst: 'default', gateway: '10.20.0.1' }],
 *   hostRoutes: [{ dst: '10.21.0.0/24', gateway: '10.20.0.2' }],
 * };
 * console.log(network.interfaces?.length);
 * ```
 */
export interface NetworkConfig extends Pick<NetworkSpec, 'loopback'> {
  readonly interfaces?: readonly InterfaceConfig[];
  /** Routes inside, after every interface is up. */
  readonly routes?: readonly RouteConfig[];
  /** Routes of the caller's network namespace, added last and removed by destroy. */
  readonly hostRoutes?: readonly RouteConfig[];
}
