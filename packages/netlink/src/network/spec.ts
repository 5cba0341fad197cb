/**
 * What {@link applyNetwork} sets up, and the record of what it made outside
 * the target namespace, which {@link undoNetwork} takes back.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import type { RouteSpec } from '../socket/routes.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only named by {@link}s: imported so typedoc resolves them
import type { applyNetwork } from './apply.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only named by {@link}s: imported so typedoc resolves them
import type { undoNetwork } from './undo.js';

/**
 * One interface of the target namespace: a veth pair (its peer in the
 * caller's namespace or `peerNamespace`), a link of another kind made for
 * it, or one of the caller's links moved in.
 */
export interface NetworkInterface {
  /** Its name inside (at most 15 bytes). */
  readonly name: string;
  /** Kind of link to create (`'veth'`, `'dummy'`, `'bridge'`...); absent: `'veth'` with a `peer`, else move `hostLink` in. */
  readonly add?: string;
  /** A veth's other end: its name in the caller's namespace (or `peerNamespace`). */
  readonly peer?: string;
  /** Where the peer goes instead of the caller's namespace: the path of a net namespace file (`/run/netns/x`). */
  readonly peerNamespace?: string;
  /** The caller's existing link to move in (no `add`, no `peer`), renamed `name` in the same request; default `name`. */
  readonly hostLink?: string;
  /** Create the link in the caller's namespace, then move it in (LinuxKit's way); default: made inside at once. */
  readonly createInRoot?: boolean;
  /** Addresses inside, with their prefix length: `'10.0.0.2/24'`, `'fd00::2/64'` (IPv6 without duplicate address detection). */
  readonly addresses?: readonly string[];
  /** Addresses of a veth's peer. */
  readonly peerAddresses?: readonly string[];
  /** MTU (of both ends of a veth). */
  readonly mtu?: number;
  /** MAC address of the inside end. */
  readonly mac?: string;
  /** Set it up inside, and a veth's peer up where the peer is. Default true. */
  readonly up?: boolean;
}

/** A network to set up in a namespace: loopback, interfaces, routes inside, and routes of the caller's namespace. */
export interface NetworkSpec {
  /** Set `lo` up. Default true. */
  readonly loopback?: boolean;
  /** In order. */
  readonly interfaces?: readonly NetworkInterface[];
  /** Routes inside, after every interface. */
  readonly routes?: readonly RouteSpec[];
  /** Routes of the caller's network namespace, added last. */
  readonly hostRoutes?: readonly RouteSpec[];
}

/**
 * What {@link applyNetwork} made outside the target namespace, so far: plain
 * data (JSON as it is), for {@link undoNetwork}, possibly in another
 * process after a crash.
 */
export interface NetworkRecord {
  /** Links made in the caller's namespace (or a peer's, `namespace`): deleted by undo if the ifindex still has that name. */
  readonly links: Array<{ readonly name: string; readonly index: number; readonly namespace?: string }>;
  /** The caller's links moved in: `name` inside, `hostLink` its name outside. */
  readonly moved: Array<{ readonly name: string; readonly hostLink: string }>;
  /** Routes added to the caller's namespace. */
  readonly hostRoutes: RouteSpec[];
}

/** Options of {@link applyNetwork}. */
export interface ApplyNetworkOptions<E = never> {
  /** Timeout of each netlink request, in ms. Default 5000. */
  readonly timeoutMs?: number;
  /**
   * Called with the record each time something was made or moved outside
   * the target namespace, before the next step: save it there for
   * {@link undoNetwork}. An error stops the set-up with that error.
   */
  readonly onRecord?: (record: NetworkRecord) => Result<void, E>;
}

/** What happened to one interface: `'created'` inside, `'created-and-moved'` (`createInRoot`) or `'moved'` (the caller's link). */
export interface AppliedInterface {
  readonly name: string;
  /** The kind of link made; `undefined` for a link moved in. */
  readonly kind: string | undefined;
  readonly action: 'created' | 'created-and-moved' | 'moved';
}

/** What {@link applyNetwork} did. */
export interface AppliedNetwork {
  readonly interfaces: AppliedInterface[];
  /** Everything made outside the target namespace: what {@link undoNetwork} takes back. */
  readonly record: NetworkRecord;
}

/** Options of {@link undoNetwork}. */
export interface UndoNetworkOptions {
  /** Timeout of each netlink request, in ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** The kind of link an interface is: `'veth'`, another kind, or undefined (moved in). */
export function interfaceKind(x: NetworkInterface): string | undefined {
  return x.add ?? (x.peer !== undefined ? 'veth' : undefined);
}
