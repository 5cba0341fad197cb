// Factory: ids, configs and OCI bundles refused before anything is made;
// atomic files; a bundle from `runc spec` (or specTemplate) running unchanged.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Factory, MAX_ID_LENGTH } from '../dist/index.js';
import { makeBundle } from './fixtures/bundle.js';
import { skipReason } from './fixtures/rootfs.js';
import { containerSuite } from './fixtures/suite.js';
import { output, PIPE, unwrap } from './fixtures/helpers.js';

const skip = skipReason();
const NS = [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }];

describe('factory', { skip }, () => {
  const suite = containerSuite('f', { factoryDir: 'root' });
  let fs;
  let base;
  let factory;
  before(() => ({ fs, dir: base, factory } = suite));

  test('invalid ids are refused with container-invalid-id, and nothing is made', () => {
    for (const id of ['', '.', '..', 'a/b', '../x', 'a b', 'x\0y', 'é', 'a:b', 'x'.repeat(MAX_ID_LENGTH + 1)]) {
      const r = factory.create(id, { rootfs: { path: fs.root }, namespaces: NS });
      assert.equal(r.isErr() && r.error.kind, 'container-invalid-id', JSON.stringify(id));
      assert.equal(factory.load(id).isErr() && factory.load(id).error.kind, 'container-invalid-id');
    }
    assert.equal(existsSync(factory.root), false, 'the root was made for nothing');
    for (const id of ['a', 'A_1', 'x+y-z.1', 'x'.repeat(MAX_ID_LENGTH)]) assert.ok(factory.create(id, { rootfs: { path: fs.root }, namespaces: NS }).isOk(), id);
    assert.equal(statSync(factory.root).mode & 0o777, 0o700);
  });

  test('an id in use, and one that does not exist', () => {
    unwrap(factory.create('dup', { rootfs: { path: fs.root }, namespaces: NS }));
    const r = factory.create('dup', { rootfs: { path: fs.root }, namespaces: NS });
    assert.equal(r.isErr() && r.error.kind, 'container-id-in-use');
    const l = factory.load('nobody-here');
    assert.equal(l.isErr() && l.error.kind, 'container-not-found');
    assert.deepEqual(new Factory(join(base, 'never')).list()._unsafeUnwrap(), []);
  });

  test('config.json and state.json are whole JSON files, written through a temp file (none left)', () => {
    const c = unwrap(factory.create('files', { rootfs: { path: fs.root }, namespaces: NS, hostname: 'h' }));
    assert.deepEqual(readdirSync(c.dir).sort(), ['config.json', 'state.json']);
    assert.equal(JSON.parse(readFileSync(join(c.dir, 'config.json'), 'utf8')).hostname, 'h');
    assert.equal(JSON.parse(readFileSync(join(c.dir, 'state.json'), 'utf8')).id, 'files');
    assert.equal(unwrap(c.state()).status, 'created');
  });

  const BAD = [
    ['hostname without a new uts namespace', { namespaces: [{ type: 'mnt' }], hostname: 'x' }, 'hostname'],
    ['hostname with a joined uts namespace', { namespaces: [{ type: 'mnt' }, { type: 'uts', path: '/proc/1/ns/uts' }], hostname: 'x' }, 'hostname'],
    ['network settings without a new net namespace', { namespaces: NS, network: { interfaces: [] } }, 'network'],
    ['network settings with a joined net namespace', { namespaces: [...NS, { type: 'net', path: '/proc/1/ns/net' }], network: { interfaces: [] } }, 'network'],
    ['an interface without a name (LinuxKit)', { namespaces: [...NS, { type: 'net' }], network: { interfaces: [{ add: 'veth', peer: 'v1' }] } }, 'network.interfaces[0].name'],
    ['a veth without a peer (LinuxKit)', { namespaces: [...NS, { type: 'net' }], network: { interfaces: [{ name: 'eth0', add: 'veth' }] } }, 'network.interfaces[0].peer'],
    ['an interface name longer than 15 bytes', { namespaces: [...NS, { type: 'net' }], network: { interfaces: [{ name: 'eth0123456789abcd', peer: 'v1' }] } }, 'network.interfaces[0].name'],
    ['an interface given twice', { namespaces: [...NS, { type: 'net' }], network: { interfaces: [{ name: 'eth0', peer: 'v1' }, { name: 'eth0', peer: 'v2' }] } }, 'network.interfaces[1].name'],
    ['an address without a prefix length', { namespaces: [...NS, { type: 'net' }], network: { interfaces: [{ name: 'eth0', peer: 'v1', addresses: ['10.0.0.2'] }] } }, 'network.interfaces[0].addresses'],
    ['an IPv4 prefix longer than 32', { namespaces: [...NS, { type: 'net' }], network: { interfaces: [{ name: 'eth0', peer: 'v1', peerAddresses: ['10.0.0.1/33'] }] } }, 'network.interfaces[0].peerAddresses'],
    ['a route without gateway or dev', { namespaces: [...NS, { type: 'net' }], network: { routes: [{ dst: 'default' }] } }, 'network.routes[0]'],
    ['a route out of an interface the container does not have', { namespaces: [...NS, { type: 'net' }], network: { routes: [{ dst: '10.1.0.0/16', dev: 'eth9' }] } }, 'network.routes[0].dev'],
    ['a route whose gateway is of another family', { namespaces: [...NS, { type: 'net' }], network: { routes: [{ dst: '10.1.0.0/16', gateway: 'fd00::1' }] } }, 'network.routes[0].gateway'],
    ['an unknown network field', { namespaces: [...NS, { type: 'net' }], network: { bridges: [] } }, 'network.bridges'],
    ['an id-mapped rootfs without a user namespace', { rootfs: { path: '/tmp', idmap: true }, namespaces: NS }, 'rootfs.idmap'],
    ['no new mnt namespace (mounts and restricted paths need one)', { namespaces: [{ type: 'pid' }] }, 'namespaces'],
    ['a namespace given twice', { namespaces: [...NS, { type: 'uts' }] }, 'namespaces[3]'],
    ['an unknown namespace type', { namespaces: [...NS, { type: 'bogus' }] }, 'namespaces[3]'],
    ['a relative namespace path', { namespaces: [...NS, { type: 'net', path: 'run/netns/x' }] }, 'namespaces[3].path'],
    ['uid mappings without a user namespace', { namespaces: NS, uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }, 'uidMappings'],
    ['a user namespace without mappings', { namespaces: [...NS, { type: 'user' }] }, 'uidMappings'],
    ['overlapping gid ranges (the kernel would refuse them at start)', { namespaces: [...NS, { type: 'user' }], uidMappings: [{ containerID: 0, hostID: 100000, size: 10 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }] }, 'gidMappings'],
    ['a fresh /proc without a pid namespace', { namespaces: [{ type: 'mnt' }], mountProc: true }, 'mountProc'],
    ['a pin of a joined namespace', { namespaces: [...NS, { type: 'net', path: '/proc/1/ns/net' }], pins: { net: '/tmp/x' } }, 'pins.net'],
    ['a relative rootfs', { rootfs: { path: 'rootfs' }, namespaces: NS }, 'rootfs.path'],
    ['a rootfs that is not a directory', { rootfs: { path: '/etc/hostname' }, namespaces: NS }, 'rootfs.path'],
    ['a negative memory limit (but -1, none)', { namespaces: NS, cgroup: { memory: { limit: -2 } } }, 'cgroup.memory.limit'],
    ['a cgroup path with ..', { namespaces: NS, cgroup: { path: '../x' } }, 'cgroup.path'],
    ['an unknown capability', { namespaces: NS, process: { args: ['true'], capabilities: ['CAP_FLY'] } }, 'process.capabilities'],
    ['an unknown rlimit', { namespaces: NS, process: { args: ['true'], rlimits: [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }] } }, 'process.rlimits[0]'],
    ['empty args', { namespaces: NS, process: { args: [] } }, 'process.args'],
  ];
  for (const [what, config, field] of BAD) {
    test(`refused before anything is made: ${what}`, () => {
      const r = factory.create('bad', { rootfs: { path: fs.root }, ...config });
      assert.equal(r.isErr() && r.error.kind, 'container-config-invalid', r.isErr() ? r.error.message : 'accepted');
      assert.equal(r.error.field, field);
      assert.equal(existsSync(join(factory.root, 'bad')), false);
    });
  }

  test('network settings with a new net namespace are accepted, LinuxKit interfaces shape included, and kept in config.json', () => {
    const network = {
      interfaces: [{ name: 'eth0', peer: 'veth-x', addresses: ['10.9.0.2/24', 'fd09::2/64'], peerAddresses: ['10.9.0.1/24'] }, { name: 'eth1', add: 'veth', peer: 'veth-y', createInRoot: true }, { name: 'eth2' }, { name: 'dummy0', add: 'dummy' }],
      routes: [{ dst: 'default', gateway: '10.9.0.1' }, { dst: 'fd10::/64', dev: 'eth0' }],
      hostRoutes: [{ dst: '10.10.0.0/24', gateway: '10.9.0.2' }],
    };
    const c = unwrap(factory.create('net', { rootfs: { path: fs.root }, namespaces: [...NS, { type: 'net' }], network }));
    assert.deepEqual(JSON.parse(readFileSync(join(c.dir, 'config.json'), 'utf8')).network, network);
    unwrap(factory.load('net')); // and valid again when loaded
  });

  test('a bundle made by runc spec (or specTemplate, the same config) with terminal off runs unchanged; its root readonly, hostname and caps hold', async () => {
    const bundle = makeBundle(join(base, 'bundle'), fs.root, ['sh', '-c', 'hostname; grep CapEff /proc/self/status; touch /x 2>/dev/null || echo ro; ulimit -n']);
    const c = unwrap(factory.createFromBundle('oci', bundle));
    assert.equal(unwrap(c.state()).bundle, bundle);
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0);
    // runc spec keeps CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10).
    assert.deepEqual(r.out.split('\n').map((l) => l.replace(/\s+/g, ' ')), ['runc', 'CapEff: 0000000020000420', 'ro', '1024']);
    unwrap(await c.destroy());
  });

  test('unsupported OCI fields are refused by name, all of them in one message', () => {
    const bundle = join(base, 'bundle-bad');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({
      ociVersion: '1.0.2', root: { path: fs.root }, process: { terminal: true, args: ['sh'] }, hooks: {},
      linux: { namespaces: [{ type: 'mount' }], intelRdt: {}, resources: { network: {} } },
    }));
    const r = factory.createFromBundle('bad-oci', bundle);
    assert.equal(r.isErr() && r.error.kind, 'container-config-invalid');
    for (const f of ['hooks', 'process.terminal', 'linux.intelRdt', 'linux.resources.network']) assert.ok(r.error.message.includes(f), `${f} not named: ${r.error.message}`);
    assert.equal(existsSync(join(factory.root, 'bad-oci')), false);
  });
});
