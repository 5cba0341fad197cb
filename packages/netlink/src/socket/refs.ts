/**
 * How a request names a link and a network namespace: the two reference
 * types, their checks, and a namespace turned into a request attribute.
 *
 * @module
 */
import { ok, type Result } from 'neverthrow';
import { NamespaceHandle, openNamespace, type NsError } from '@linuxns/core';
import type * as R from '../codec/requests.js';
import { typeError } from './check.js';
import type { NetlinkError } from '../errors.js';

/** A link, by name (`'eth0'`) or by ifindex. */
export type LinkRef = string | number;

/**
 * A network namespace given to a request: a {@link NamespaceHandle}, a path
 * to a namespace file (`/run/netns/blue`, `/proc/PID/ns/net`) or a pid.
 */
export type NetnsRef = NamespaceHandle | string | number;

export function checkLink(link: unknown, what = 'link'): LinkRef {
  if (typeof link === 'string' && link.length > 0) return link;
  if (typeof link === 'number' && Number.isInteger(link) && link > 0) return link;
  throw typeError(`${what} must be an interface name or a positive ifindex`, link);
}

export function checkNetns(ns: unknown, what: string): NetnsRef {
  if (ns instanceof NamespaceHandle) {
    if (ns.closed) throw new TypeError(`${what}: ${String(ns)} is closed`);
    if (ns.type !== 'net') throw new TypeError(`${what} must be a net namespace, got a ${ns.type} namespace handle`);
    return ns;
  }
  if (typeof ns === 'string' && ns.length > 0) return ns;
  if (typeof ns === 'number' && Number.isInteger(ns) && ns > 0) return ns;
  throw typeError(`${what} must be a NamespaceHandle, a path or a pid`, ns);
}

/** A link as the codec selects it: by ifindex, or by name with ifindex 0. */
export function sel(l: LinkRef): R.LinkSel {
  return typeof l === 'number' ? { index: l } : { index: 0, name: l };
}

export function describeNetns(ns: NetnsRef): string {
  return typeof ns === 'number' ? `pid ${ns}` : typeof ns === 'string' ? ns : String(ns);
}

/** A namespace taken hold of at the call, for an operation that runs later. */
export interface NetnsHold {
  /** What the operation uses: the value given, or a dup of the handle given. */
  readonly ref: NetnsRef;
  /** Lets go of it (closes the dup): once the operation is done. */
  readonly release: () => void;
}

/**
 * Takes hold of `ns` at the call: a handle is duplicated, so that closing
 * it before the queued operation runs takes nothing from the operation (the
 * dup is closed by `release`); a path or pid is kept as it is, and opened
 * when the operation runs. `ns` was checked ({@link checkNetns}). Fails only
 * when the dup does (no fd left).
 */
export function holdNetns(ns: NetnsRef): Result<NetnsHold, NsError | NetlinkError> {
  if (!(ns instanceof NamespaceHandle)) return ok({ ref: ns, release: () => undefined });
  return ns.dup().map((d) => ({ ref: d, release: () => d.close() }));
}

/**
 * A namespace taken hold of at the call for a request attribute only (an
 * `IFLA_NET_NS_FD` or `IFLA_NET_NS_PID`): a handle's fd is borrowed (its
 * `close()` meanwhile takes effect, but the fd stays open for the request
 * until {@link AttrHold.release}: no dup needed); a pid is kept as it is; a
 * path is opened when the operation runs. `ns` was checked
 * ({@link checkNetns}).
 */
export interface AttrHold {
  /** The attribute, when the operation runs; what to close once its request is done. */
  readonly use: () => Result<NsUse, NsError | NetlinkError>;
  /** Lets go of it: once the operation is done. */
  readonly release: () => void;
}

const nothing = (): void => undefined;

export function holdAttr(ns: NetnsRef): AttrHold {
  if (ns instanceof NamespaceHandle) {
    const fd = ns.borrow();
    const use: NsUse = { attr: { fd }, release: nothing };
    return { use: () => ok(use), release: () => ns.giveBack() };
  }
  return { use: () => useNetns(ns), release: nothing };
}

/** A namespace as a request attribute, with what to close once the request is done. */
export interface NsUse {
  readonly attr: R.NsAttr;
  readonly release: () => void;
}

export function useNetns(ns: NetnsRef): Result<NsUse, NsError | NetlinkError> {
  if (typeof ns === 'number') return ok({ attr: { pid: ns }, release: () => undefined });
  if (ns instanceof NamespaceHandle) {
    const fd = ns.borrow();
    return ok({ attr: { fd }, release: () => ns.giveBack() });
  }
  return openNamespace(ns, 'net').map((h) => ({ attr: { fd: h.fd }, release: () => h.close() }));
}
