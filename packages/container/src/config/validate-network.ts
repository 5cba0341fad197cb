/**
 * The network of a config (needs a new net namespace, checked by the
 * caller): LinuxKit's rules for interfaces (a name, a veth's peer), link
 * names and addresses as the kernel takes them, routes inside out of the
 * container's interfaces, routes outside; unknown fields refused.
 *
 * @module
 */
import { isIP } from 'node:net';
import { configInvalid, type ContainerFailure } from '../errors.js';
import { absPath, isArray, isObject, posInt } from './shape.js';

/** A link name the kernel takes: 1 to 15 bytes, no `/`, `:` or white space, not `.` or `..`. */
const linkName = (v: unknown): v is string =>
  typeof v === 'string' && v !== '' && Buffer.byteLength(v) <= 15 && !/[/:\s]/.test(v) && v !== '.' && v !== '..';

/** `ADDRESS/PREFIX` with a prefix length the family allows; its family or 0. */
function prefixFamily(v: unknown): 0 | 4 | 6 {
  if (typeof v !== 'string') return 0;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return 0;
  const f = isIP(m[1]!);
  if (f !== 4 && f !== 6) return 0;
  return Number(m[2]) > (f === 4 ? 32 : 128) ? 0 : f;
}

function checkRoutes(routes: unknown, field: string, devs: ReadonlySet<string> | undefined): ContainerFailure | undefined {
  if (routes === undefined) return undefined;
  if (!isArray(routes)) return configInvalid(field, `${field} must be an array of { dst, gateway?, dev? }`);
  for (const [i, r] of (routes as unknown[]).entries()) {
    const f = `${field}[${i}]`;
    if (!isObject(r)) return configInvalid(f, `${f} must be an object { dst, gateway?, dev? }`);
    for (const k of Object.keys(r)) if (!['dst', 'gateway', 'dev', 'family', 'metric'].includes(k)) return configInvalid(`${f}.${k}`, `unknown field ${f}.${k}`);
    const dstFamily = r.dst === 'default' ? 0 : typeof r.dst === 'string' && isIP(r.dst) ? isIP(r.dst) : prefixFamily(r.dst);
    if (r.dst !== 'default' && dstFamily === 0) return configInvalid(`${f}.dst`, `${f}.dst must be "default", a prefix or an address, got ${JSON.stringify(r.dst)}`);
    if (r.gateway !== undefined && (typeof r.gateway !== 'string' || isIP(r.gateway) === 0)) return configInvalid(`${f}.gateway`, `${f}.gateway must be an IP address, got ${JSON.stringify(r.gateway)}`);
    if (r.gateway === undefined && r.dev === undefined) return configInvalid(f, `${f} needs a gateway or a dev`);
    if (r.dev !== undefined && !linkName(r.dev)) return configInvalid(`${f}.dev`, `${f}.dev must be an interface name, got ${JSON.stringify(r.dev)}`);
    if (r.dev !== undefined && devs && !devs.has(r.dev)) return configInvalid(`${f}.dev`, `${f}.dev ${JSON.stringify(r.dev)} is not an interface of the container (lo or one of network.interfaces)`);
    if (r.family !== undefined && r.family !== 4 && r.family !== 6) return configInvalid(`${f}.family`, `${f}.family must be 4 or 6`);
    const family = dstFamily || (r.family as number | undefined) || (typeof r.gateway === 'string' ? isIP(r.gateway) : 4);
    if (typeof r.gateway === 'string' && isIP(r.gateway) !== family) return configInvalid(`${f}.gateway`, `${f}.gateway ${JSON.stringify(r.gateway)} is not of the family of ${JSON.stringify(r.dst)}`);
    if (r.metric !== undefined && !(typeof r.metric === 'number' && Number.isInteger(r.metric) && r.metric >= 0 && r.metric < 2 ** 32)) return configInvalid(`${f}.metric`, `${f}.metric must be a whole number`);
  }
  return undefined;
}

const INTERFACE_KEYS = ['name', 'add', 'peer', 'peerNamespace', 'hostLink', 'createInRoot', 'addresses', 'peerAddresses', 'mtu', 'mac'];

/** Checks `network` (its new net namespace already checked); the error or undefined. */
export function checkNetwork(n: unknown): ContainerFailure | undefined {
  if (!isObject(n)) return configInvalid('network', 'network must be an object { interfaces?, routes?, hostRoutes?, loopback? }');
  for (const k of Object.keys(n)) if (!['interfaces', 'routes', 'hostRoutes', 'loopback'].includes(k)) return configInvalid(`network.${k}`, `unknown field network.${k}`);
  if (n.loopback !== undefined && typeof n.loopback !== 'boolean') return configInvalid('network.loopback', 'network.loopback must be a boolean');
  const names = new Set<string>(['lo']);
  const peers = new Set<string>();
  const ifs = n.interfaces;
  if (ifs !== undefined && !isArray(ifs)) return configInvalid('network.interfaces', 'network.interfaces must be an array');
  for (const [i, x] of ((ifs ?? []) as unknown[]).entries()) {
    const f = `network.interfaces[${i}]`;
    if (!isObject(x)) return configInvalid(f, `${f} must be an object { name, ... }`);
    for (const k of Object.keys(x)) if (!INTERFACE_KEYS.includes(k)) return configInvalid(`${f}.${k}`, `unknown field ${f}.${k}`);
    // LinuxKit's rules: a name is required, a veth requires a peer.
    if (!linkName(x.name)) return configInvalid(`${f}.name`, `interface requires a name of 1 to 15 bytes without "/", ":" or spaces (${f}), got ${JSON.stringify(x.name)}`);
    if (names.has(x.name)) return configInvalid(`${f}.name`, `interface ${x.name} is given twice (or is lo)`);
    names.add(x.name);
    if (x.add !== undefined && !linkName(x.add)) return configInvalid(`${f}.add`, `${f}.add must be a link kind ("veth", "dummy", "bridge"...)`);
    if (x.peer !== undefined && !linkName(x.peer)) return configInvalid(`${f}.peer`, `${f}.peer must be an interface name of 1 to 15 bytes`);
    const kind = x.add ?? (x.peer !== undefined ? 'veth' : undefined);
    if (kind === 'veth' && x.peer === undefined) return configInvalid(`${f}.peer`, `veth requires a peer: creating the veth pair ${JSON.stringify(x.name)} requires a peer to be set (${f})`);
    if (kind !== 'veth' && (x.peer !== undefined || x.peerNamespace !== undefined || x.peerAddresses !== undefined)) return configInvalid(`${f}.peer`, `${f}: peer, peerNamespace and peerAddresses are for a veth`);
    if (x.peerNamespace !== undefined && !absPath(x.peerNamespace)) return configInvalid(`${f}.peerNamespace`, `${f}.peerNamespace must be the absolute path of a net namespace file`);
    if (kind === 'veth') {
      const key = `${typeof x.peerNamespace === 'string' ? x.peerNamespace : ''}\0${x.peer as string}`;
      if (peers.has(key)) return configInvalid(`${f}.peer`, `peer ${x.peer as string} is given twice`);
      peers.add(key);
    }
    if (x.hostLink !== undefined && (kind !== undefined || !linkName(x.hostLink))) return configInvalid(`${f}.hostLink`, `${f}.hostLink names an existing link to move in: an interface name, without add or peer`);
    if (x.createInRoot !== undefined && typeof x.createInRoot !== 'boolean') return configInvalid(`${f}.createInRoot`, `${f}.createInRoot must be a boolean`);
    for (const k of ['addresses', 'peerAddresses'] as const) {
      const a = x[k];
      if (a === undefined) continue;
      if (!isArray(a)) return configInvalid(`${f}.${k}`, `${f}.${k} must be an array of "ADDRESS/PREFIX" strings`);
      for (const v of a as unknown[]) if (prefixFamily(v) === 0) return configInvalid(`${f}.${k}`, `${f}.${k}: ${JSON.stringify(v)} is not an IPv4 or IPv6 address with a prefix length ("10.0.0.2/24", "fd00::2/64")`);
    }
    if (x.mtu !== undefined && !(posInt(x.mtu) && (x.mtu as number) >= 68 && (x.mtu as number) <= 65535)) return configInvalid(`${f}.mtu`, `${f}.mtu must be from 68 to 65535`);
    if (x.mac !== undefined && !(typeof x.mac === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(x.mac))) return configInvalid(`${f}.mac`, `${f}.mac must be a MAC address (aa:bb:cc:dd:ee:ff)`);
  }
  return checkRoutes(n.routes, 'network.routes', names) ?? checkRoutes(n.hostRoutes, 'network.hostRoutes', undefined);
}
