/**
 * {@link applyNetwork}: a namespace's network set up from outside it —
 * loopback, interfaces (veth pairs, links of other kinds, the caller's
 * links moved in), their addresses, routes inside and routes of the
 * caller's namespace — with a record of everything made outside, kept up
 * to date as it happens. The one set-up path of linuxns: LinuxKit's
 * runtime config ({@link applyRuntime}) and `@linuxns/container` both go
 * through it.
 *
 * @module
 */
import { err, ok, ResultAsync, type Result } from 'neverthrow';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only named by a {@link}: imported so typedoc resolves it
import type { applyRuntime } from '../runtime.js';
import type { NsError } from '@linuxns/core';
import type { NetlinkSocket } from '../socket.js';
import { thrownError } from '../socket/channel.js';
import { typeError } from '../socket/check.js';
import { checkNetns, describeNetns, type NetnsRef } from '../socket/refs.js';
import type { NetlinkError } from '../errors.js';
import { setUpInterface } from './interface.js';
import { interfaceKind, type AppliedInterface, type AppliedNetwork, type ApplyNetworkOptions, type NetworkRecord, type NetworkSpec } from './spec.js';
import { failed, Sockets, step, type Failure } from './steps.js';

/** Misuse of the spec, thrown at the call as the socket's methods do. */
function checkSpec(spec: unknown): NetworkSpec {
  if (typeof spec !== 'object' || spec === null) throw typeError('spec must be an object', spec);
  const s = spec as NetworkSpec;
  for (const list of ['interfaces', 'routes', 'hostRoutes'] as const) {
    if (s[list] !== undefined && !Array.isArray(s[list])) throw typeError(`${list} must be an array`, s[list]);
  }
  for (const x of s.interfaces ?? []) {
    if (typeof x !== 'object' || x === null) throw typeError('an interface must be an object', x);
    if (typeof x.name !== 'string' || x.name === '') throw typeError('an interface needs a name', x.name);
    if (interfaceKind(x) === 'veth' && (typeof x.peer !== 'string' || x.peer === '')) throw typeError(`the veth ${x.name} needs a peer`, x.peer);
  }
  return s;
}

async function setUp<E extends { readonly message: string }>(spec: NetworkSpec, socks: Sockets<E>, host: NetlinkSocket, rec: NetworkRecord, save: () => Result<void, E>, done: AppliedInterface[]): Promise<Result<void, Failure<E>>> {
  if (spec.loopback !== false) {
    const i = await socks.inside();
    if (i.isErr()) return err(i.error);
    const r = await step('set lo up', i.value.setLinkUp('lo'));
    if (r.isErr()) return r;
  }
  for (const x of spec.interfaces ?? []) {
    const r = await setUpInterface(x, socks, host, rec, save);
    if (r.isErr()) return err(failed(`interface ${x.name}${x.add ? ` (${x.add})` : ''}`, r.error));
    done.push(r.value);
  }
  for (const route of spec.routes ?? []) {
    const i = await socks.inside();
    if (i.isErr()) return err(i.error);
    const r = await step(`route ${route.dst}${route.gateway ? ` via ${route.gateway}` : ''}${route.dev !== undefined ? ` dev ${route.dev}` : ''}`, i.value.addRoute(route));
    if (r.isErr()) return r;
  }
  for (const route of spec.hostRoutes ?? []) {
    const r = await step(`host route ${route.dst}`, host.addRoute(route));
    if (r.isErr()) return r;
    rec.hostRoutes.push(route);
    const s = save();
    if (s.isErr()) return s;
  }
  return ok(undefined);
}

/**
 * Sets up `spec` in the network namespace `target` (a handle, a path or a
 * pid), from outside it: `lo` up; each interface — a veth pair whose
 * `name` end is made inside at once (or made outside and moved in with
 * `createInRoot`) and whose peer stays in the caller's namespace (or goes
 * to `peerNamespace`), a link of another kind, or the caller's `hostLink`
 * moved in and renamed `name` in one request — with its MTU, MAC and
 * addresses, set up (its peer too); then the routes inside, then
 * `hostRoutes` in the caller's namespace. Moves are plain, as in LinuxKit:
 * the kernel drops a moved link's addresses.
 *
 * It stops at the first error, which names the step (`interface eth0:
 * address 10.0.0.2/24: ...`), leaving what was done. Everything made or
 * moved outside the target is in the record as soon as it exists:
 * `options.onRecord` gets it after each such change (save it: after a
 * crash, {@link undoNetwork} takes back exactly that), and the result
 * carries it. A spec that is not an object, an interface without a name or
 * a veth without a peer throws a `TypeError` at the call.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * import { ok, safeTry } from 'neverthrow';
 * import { createNamespace } from '@linuxns/core';
 * import { applyNetwork, undoNetwork } from '@linuxns/netlink';
 *
 * const r = await safeTry(async function* () {
 *   const ns = yield* createNamespace('net');
 *   try {
 *     const applied = yield* applyNetwork(ns, {
 *       interfaces: [{ name: 'eth0', peer: 'veth-c1', addresses: ['10.0.0.2/24'], peerAddresses: ['10.0.0.1/24'] }],
 *       routes: [{ dst: 'default', gateway: '10.0.0.1' }],
 *     }, { onRecord: (record) => ok(writeFileSync('/run/c1-network.json', JSON.stringify(record))) });
 *     console.log(applied.interfaces); // [{ name: 'eth0', kind: 'veth', action: 'created' }]
 *     return await undoNetwork(applied.record, ns); // the host end deleted (its pair with it)
 *   } finally {
 *     ns.close();
 *   }
 * });
 * if (r.isErr()) console.error(r.error.kind, r.error.message);
 * ```
 */
export function applyNetwork<E extends { readonly message: string } = never>(target: NetnsRef, spec: NetworkSpec, options: ApplyNetworkOptions<E> = {}): ResultAsync<AppliedNetwork, NsError | NetlinkError | E> {
  checkNetns(target, 'target');
  const s = checkSpec(spec);
  if (typeof options !== 'object' || options === null) throw typeError('options must be an object', options);
  const rec: NetworkRecord = { links: [], moved: [], hostRoutes: [] };
  const save = (): Result<void, E> => options.onRecord?.(rec) ?? ok(undefined);
  const socks = new Sockets<E>(target, options.timeoutMs);
  const done: AppliedInterface[] = [];
  return new ResultAsync(
    (async (): Promise<Result<AppliedNetwork, Failure<E>>> => {
      try {
        const host = await socks.open(undefined, "the caller's network namespace");
        if (host.isErr()) return err(host.error);
        const r = await setUp(s, socks, host.value, rec, save, done);
        return r.map(() => ({ interfaces: done, record: rec }));
      } catch (e) {
        return err(thrownError(e, describeNetns(target)));
      } finally {
        socks.close();
      }
    })(),
  );
}
