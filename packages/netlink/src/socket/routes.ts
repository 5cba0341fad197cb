/**
 * Routes, IPv4 and IPv6: the dump of one table (with `dev` filled in from
 * the links), add and delete.
 *
 * @module
 */
import { errAsync, okAsync, ResultAsync } from 'neverthrow';
import type { NsError } from '@linuxns/core';
import * as C from '../codec/constants.js';
import { badValue, parseDestination, parseIp, type IpFamily } from '../codec/ip.js';
import { decodeRoute, type RouteInfo } from '../codec/messages.js';
import * as R from '../codec/requests.js';
import { chain, collect, fromPromise, type Channel, type Eventual } from './channel.js';
import { checkUint, familyNumber, scopeOf, typeError } from './check.js';
import { dumpLinks, linkIndexOf } from './links.js';
import { checkLink, type LinkRef } from './refs.js';
import type { NetlinkError } from '../errors.js';

/** A route to add or delete: at least a gateway or a device. */
export interface RouteSpec {
  /** `'default'` or a prefix (`'10.1.0.0/24'`, `'fd01::/64'`); a bare address is a host route. */
  readonly dst: string;
  /** Next hop. */
  readonly gateway?: string;
  /** Output interface. */
  readonly dev?: LinkRef;
  /** Family of `'default'` when neither gateway nor dst says it; default 4. */
  readonly family?: IpFamily;
  readonly metric?: number;
  /** Table number; default 254 (main). */
  readonly table?: number;
  /** Scope; default global with a gateway, link without. */
  readonly scope?: string | number;
  /** Preferred source address. */
  readonly src?: string;
}

/** Filters of {@link NetlinkSocket.routes}. */
export interface RouteFilter {
  /** Only IPv4 (4) or IPv6 (6) routes; default both. */
  readonly family?: IpFamily;
  /** Table number; default 254 (main), like `ip route show`. */
  readonly table?: number;
}

export function routes(ch: Channel, filter: RouteFilter = {}): ResultAsync<RouteInfo[], NsError | NetlinkError> {
  ch.live();
  if (typeof filter !== 'object' || filter === null) throw typeError('filter must be an object', filter);
  const table = filter.table === undefined ? C.RT_TABLE_MAIN : checkUint(filter.table, 'table');
  const families = filter.family === undefined ? [C.AF_INET, C.AF_INET6] : [familyNumber(filter.family)];
  return ch.op(() => dumpRoutes(ch, families, table));
}

function dumpRoutes(ch: Channel, families: number[], table: number): ResultAsync<RouteInfo[], NsError | NetlinkError> {
  const dumps = families.map((f) => fromPromise(ch.send(R.dumpRoutes(f, table))).andThen((ms) => collect(ms, decodeRoute)));
  return ResultAsync.combine(dumps).andThen((lists) => {
    const routes = lists.flat().filter((r) => r.table === table);
    if (!routes.some((r) => r.oif !== undefined)) return okAsync(routes);
    return dumpLinks(ch).map((links) => {
      const names = new Map(links.map((l) => [l.index, l.name]));
      return routes.map((r) => (r.oif === undefined ? r : { ...r, dev: names.get(r.oif) }));
    });
  });
}

/** `RTM_NEWROUTE` or `RTM_DELROUTE` of `spec`, its `dev` resolved to an ifindex. */
function changeRoute(ch: Channel, type: typeof C.RTM_NEWROUTE | typeof C.RTM_DELROUTE, spec: RouteSpec): ResultAsync<void, NsError | NetlinkError> {
  ch.live();
  if (typeof spec !== 'object' || spec === null) throw typeError('route must be an object { dst, gateway?, dev? }', spec);
  if (typeof spec.dst !== 'string') throw typeError('dst must be a string ("default", "10.0.0.0/24"...)', spec.dst);
  if (spec.gateway !== undefined && typeof spec.gateway !== 'string') throw typeError('gateway must be a string', spec.gateway);
  const dev = spec.dev === undefined ? undefined : checkLink(spec.dev, 'dev');
  if (type === C.RTM_NEWROUTE && spec.gateway === undefined && dev === undefined) throw new TypeError('a route needs a gateway or a dev');
  const gateway = spec.gateway === undefined ? undefined : parseIp(spec.gateway);
  if (spec.gateway !== undefined && !gateway) return errAsync(badValue('gateway', spec.gateway, 'an IPv4 or IPv6 address'));
  const family = spec.family === undefined ? gateway?.family : familyNumber(spec.family) === C.AF_INET ? 4 : 6;
  const dst = parseDestination(spec.dst, family);
  if (dst.isErr()) return errAsync(dst.error);
  if (gateway && gateway.family !== dst.value.family) return errAsync(badValue('gateway', String(spec.gateway), `an address of the same family as ${spec.dst}`));
  const src = spec.src === undefined ? undefined : parseIp(spec.src);
  if (spec.src !== undefined && src?.family !== dst.value.family) return errAsync(badValue('src', String(spec.src), `an address of the same family as ${spec.dst}`));
  const metric = spec.metric === undefined ? undefined : checkUint(spec.metric, 'metric');
  const table = spec.table === undefined ? C.RT_TABLE_MAIN : checkUint(spec.table, 'table');
  const scope = scopeOf(spec.scope);
  const text = `${spec.dst}${spec.gateway ? ` via ${spec.gateway}` : ''}${dev !== undefined ? ` dev ${dev}` : ''}`;
  const send = (o: number | undefined): Eventual<void> =>
    ch.acked(
      R.route(type, { dst: dst.value, table, gateway, oif: o, metric, scope, src }, text),
    );
  return ch.op(() => (dev === undefined ? send(undefined) : chain(linkIndexOf(ch, dev), send)));
}

export function addRoute(ch: Channel, route: RouteSpec): ResultAsync<void, NsError | NetlinkError> {
  return changeRoute(ch, C.RTM_NEWROUTE, route);
}

export function deleteRoute(ch: Channel, route: RouteSpec): ResultAsync<void, NsError | NetlinkError> {
  return changeRoute(ch, C.RTM_DELROUTE, route);
}
