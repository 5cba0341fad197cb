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

/** A namespace as a request attribute, with what to close once the request is done. */
export interface NsUse {
  readonly attr: R.NsAttr;
  readonly release: () => void;
}

export function useNetns(ns: NetnsRef): Result<NsUse, NsError> {
  if (typeof ns === 'number') return ok({ attr: { pid: ns }, release: () => undefined });
  if (ns instanceof NamespaceHandle) {
    const fd = ns.borrow();
    return ok({ attr: { fd }, release: () => ns.giveBack() });
  }
  return openNamespace(ns, 'net').map((h) => ({ attr: { fd: h.fd }, release: () => h.close() }));
}
