/**
 * How a request names a link and a network namespace: the two reference
 * types, their checks, and a namespace turned into a request attribute.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
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

/** Several {@link holdNetns} at once (`undefined` entries stay so); all or none. */
export function holdAll(list: readonly (NetnsRef | undefined)[]): Result<{ refs: (NetnsRef | undefined)[]; release: () => void }, NsError | NetlinkError> {
  const held: NetnsHold[] = [];
  const release = (): void => held.forEach((h) => h.release());
  for (const ns of list) {
    if (ns === undefined) continue;
    const h = holdNetns(ns);
    if (h.isErr()) {
      release();
      return err(h.error);
    }
    held.push(h.value);
  }
  let i = 0;
  return ok({ refs: list.map((ns) => (ns === undefined ? undefined : held[i++]!.ref)), release });
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
