// linux.resources applied as runc 1.1 applies them, observed in the container's cgroup files and from inside:
// memory (limit, memory+swap in runc's write order, reservation, swappiness), the cpuset (a new v1 cpuset filled
// from its parent first), block I/O throttles, device rules enforced by the v1 devices controller (the same
// devices.list as runc's for the same bundle, a node denied and one allowed for reading only); what this kernel
// cannot apply (a blkio weight without CFQ/BFQ, hugetlb where it is not mounted) and bad values refused naming
// the config.json field, with nothing made.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { ociConfig } from '../../dist/config/oci-spec.js';
import { skipReason } from '../fixtures/rootfs.js';
import { makeBundle, runcBinary } from '../fixtures/bundle.js';
import { containerSuite } from '../fixtures/suite.js';
import { output, PIPE, unwrap } from '../fixtures/helpers.js';

const V1 = !existsSync('/sys/fs/cgroup/cgroup.controllers');
const v1Has = (c, f) => existsSync(`/sys/fs/cgroup/${c}/${f}`);
const cg = (controller, rel, file) => readFileSync(`/sys/fs/cgroup/${controller}/${rel}/${file}`, 'utf8').trim();
/** A block device of this machine (major:minor of the first in /sys/block). */
const blockDev = () => readFileSync(`/sys/block/${readdirSync('/sys/block')[0]}/dev`, 'utf8').trim().split(':').map(Number);
/** The hierarchies holding a cgroup named `rel`. */
const leftIn = (rel) => readdirSync('/sys/fs/cgroup').filter((h) => existsSync(`/sys/fs/cgroup/${h}/${rel}`));

const v1Skip = skipReason() || (!V1 && 'these tests read cgroup v1 files; this machine has cgroup v2');

describe('linux.resources applied as runc applies them (cgroup v1)', { skip: v1Skip }, () => {
  const suite = containerSuite('ors');
  const rel = (tag) => `linuxns-res-${process.pid}-${tag}`;

  test('memory: limit, memory+swap, reservation and swappiness in the memory cgroup; an update lowering both writes the limit first', { skip: !v1Has('memory', 'memory.memsw.limit_in_bytes') && 'no swap accounting on this kernel (memory.memsw.*)' }, async () => {
    const bundle = makeBundle(join(suite.dir, 'mem'), suite.fs.root, ['sleep', '30'], (s) => {
      s.linux.cgroupsPath = `/${rel('mem')}`;
      s.linux.resources = { ...s.linux.resources, memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20, swappiness: 7 } };
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const child = unwrap(await c.start(undefined, PIPE));
    assert.deepEqual(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.swappiness'].map((f) => cg('memory', rel('mem'), f)), [String(64 << 20), String(128 << 20), String(32 << 20), '7']);
    // Both below the current limit: the limit first (memsw may never be below it), as runc orders them.
    unwrap(c.update({ memory: { limit: 16 << 20, swap: 24 << 20 } }));
    // Both above: swap first.
    unwrap(c.update({ memory: { limit: 256 << 20, swap: 512 << 20 } }));
    assert.deepEqual([cg('memory', rel('mem'), 'memory.limit_in_bytes'), cg('memory', rel('mem'), 'memory.memsw.limit_in_bytes')], [String(256 << 20), String(512 << 20)]);
    child.kill('SIGKILL');
    await child.exited;
    unwrap(await c.destroy());
    assert.deepEqual(leftIn(rel('mem')), []);
  });

  test('cpuset cpus and mems: the container runs on its cpus (a new cpuset cgroup gets its parent\'s first), block I/O throttles in blkio', async () => {
    const cpus = readFileSync('/sys/fs/cgroup/cpuset/cpuset.effective_cpus', 'utf8').trim();
    const last = cpus.split(/[-,]/).pop();
    const [major, minor] = blockDev();
    const bundle = makeBundle(join(suite.dir, 'cpu'), suite.fs.root, ['sh', '-c', 'grep -E "^(Cpus|Mems)_allowed_list" /proc/self/status | tr "\\t" " "'], (s) => {
      s.linux.cgroupsPath = `/${rel('cpu')}/inner`;
      s.linux.resources = { ...s.linux.resources, cpu: { cpus: last, mems: '0' }, blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleWriteIOPSDevice: [{ major, minor, rate: 100 }] } };
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.split('\n'), [`Cpus_allowed_list: ${last}`, 'Mems_allowed_list: 0']);
    assert.equal(cg('cpuset', rel('cpu'), 'cpuset.cpus'), cpus, 'the intermediate cpuset got its parent\'s cpus');
    assert.equal(cg('blkio', `${rel('cpu')}/inner`, 'blkio.throttle.read_bps_device'), `${major}:${minor} 1048576`);
    assert.equal(cg('blkio', `${rel('cpu')}/inner`, 'blkio.throttle.write_iops_device'), `${major}:${minor} 100`);
    unwrap(await c.destroy());
    assert.deepEqual(leftIn(`${rel('cpu')}/inner`), []);
    // The parent the config named stays, as with runc (it removes the container's own cgroup only): the test's to remove.
    for (const h of leftIn(rel('cpu'))) rmdirSync(`/sys/fs/cgroup/${h}/${rel('cpu')}`);
  });

  test('devices enforced: a node without a rule cannot be opened (EPERM), one allowed for reading opens read-only only; CAP_MKNOD kept, mknod allowed', { skip: !v1Has('devices', 'devices.allow') && 'no devices controller' }, async () => {
    const script = 'head -c 0 /dev/ro && echo read-ok; (echo > /dev/ro) 2>&1; head -c 0 /dev/no 2>&1; mknod /tmp/n b 7 1 && echo mknod-ok; grep CapBnd /proc/self/status | tr "\\t" " "';
    const bundle = makeBundle(join(suite.dir, 'dev'), suite.fs.root, ['sh', '-c', script], (s) => {
      s.linux.cgroupsPath = `/${rel('dev')}`;
      s.linux.devices = [{ path: '/dev/ro', type: 'b', major: 7, minor: 0 }, { path: '/dev/no', type: 'b', major: 7, minor: 1 }];
      s.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 7, minor: 0, access: 'r' }] };
      for (const set of Object.keys(s.process.capabilities)) s.process.capabilities[set].push('CAP_MKNOD');
      s.mounts.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    const [read, write, no, mknod, bnd] = r.out.split('\n');
    assert.deepEqual([read, mknod], ['read-ok', 'mknod-ok']);
    assert.match(write, /Operation not permitted/);
    assert.match(no, /Operation not permitted/);
    assert.ok((BigInt(`0x${bnd.split(' ')[1]}`) >> 27n) & 1n, 'CAP_MKNOD kept');
    assert.ok(existsSync('/dev/loop1') && spawnSync('head', ['-c', '0', '/dev/loop1']).status === 0, 'the host opens the same device');
    unwrap(await c.destroy());
  });

  test("the same devices.list as runc's for the same bundle (runc's default rules appended to the config's)", { skip: (!runcBinary() && 'runc is not installed (scripts/system-packages.js installs it)') || (!v1Has('devices', 'devices.allow') && 'no devices controller') }, async () => {
    const edit = (tag) => (s) => {
      s.root.path = suite.fs.root; // runc wants the real directory, not the bundle's link
      s.linux.cgroupsPath = `/${rel(tag)}`;
      s.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }] };
    };
    const sorted = (tag) => cg('devices', rel(tag), 'devices.list').split('\n').sort();
    const theirs = makeBundle(join(suite.dir, 'runc'), suite.fs.root, ['sleep', '30'], edit('runc'));
    const id = `runc-${process.pid}`;
    const run = spawnSync(runcBinary(), ['run', '-d', '-b', theirs, id], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    let expected;
    try {
      expected = sorted('runc');
    } finally {
      spawnSync(runcBinary(), ['delete', '-f', id]);
    }
    const c = unwrap(suite.factory.createFromBundle(suite.id(), makeBundle(join(suite.dir, 'ours'), suite.fs.root, ['sleep', '30'], edit('ours'))));
    const child = unwrap(await c.start(undefined, PIPE));
    assert.deepEqual(sorted('ours'), expected);
    child.kill('SIGKILL');
    await child.exited;
    unwrap(await c.destroy());
    assert.deepEqual([...leftIn(rel('ours')), ...leftIn(rel('runc'))], []);
  });

  test('realtime cpu bandwidth in cpu.rt_period_us and cpu.rt_runtime_us (a cgroup just below the root, whose runtime the kernel can grant)', { skip: !v1Has('cpu', 'cpu.rt_runtime_us') && 'no CONFIG_RT_GROUP_SCHED' }, async () => {
    const bundle = makeBundle(join(suite.dir, 'rt'), suite.fs.root, ['true'], (s) => {
      s.linux.cgroupsPath = `/${rel('rt')}`;
      s.linux.resources = { ...s.linux.resources, cpu: { realtimePeriod: 500000, realtimeRuntime: 10000 } };
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual([cg('cpu', rel('rt'), 'cpu.rt_period_us'), cg('cpu', rel('rt'), 'cpu.rt_runtime_us')], ['500000', '10000']);
    unwrap(await c.destroy());
  });

  test('a limit the kernel rejects at start (a throttle of a device that does not exist): the start fails with the file and errno, and no cgroup, process or state of it is left', async () => {
    const bundle = makeBundle(join(suite.dir, 'nodev'), suite.fs.root, ['sleep', '30'], (s) => {
      s.linux.cgroupsPath = `/${rel('nodev')}`;
      s.linux.resources = { ...s.linux.resources, blockIO: { throttleReadBpsDevice: [{ major: 4000, minor: 4000, rate: 1 }] } };
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const r = await c.start(undefined, PIPE);
    assert.ok(r.isErr(), 'started');
    assert.match(JSON.stringify(r.error), /blkio\.throttle\.read_bps_device/);
    assert.deepEqual(leftIn(rel('nodev')), [], 'no cgroup left');
    assert.deepEqual(unwrap(c.processes()), []);
    unwrap(await c.destroy());
  });

  test('what this kernel has no file for is refused naming the field, before anything is made', () => {
    const base = () => ({ ociVersion: '1.0.2', root: { path: suite.fs.root }, process: { args: ['true'], cwd: '/' }, linux: { namespaces: [{ type: 'mount' }] } });
    const refused = [];
    if (!v1Has('blkio', 'blkio.weight') && !v1Has('blkio', 'blkio.bfq.weight')) refused.push(['linux.resources.blockIO.weight', { blockIO: { weight: 500 } }, /neither blkio.weight nor blkio.bfq.weight/]);
    if (!existsSync('/sys/fs/cgroup/hugetlb')) refused.push(['linux.resources.hugepageLimits[0]', { hugepageLimits: [{ pageSize: '2MB', limit: 1 << 21 }] }, /hugetlb controller is not mounted/]);
    if (!v1Has('memory', 'memory.memsw.limit_in_bytes')) refused.push(['linux.resources.memory.swap', { memory: { limit: 1 << 26, swap: 1 << 27 } }, /no swap accounting/]);
    for (const [field, resources, why] of refused) {
      const s = base();
      s.linux.resources = resources;
      const r = ociConfig(s, suite.dir);
      assert.equal(r.isErr() && r.error.field, field, r.isErr() ? r.error.message : 'taken');
      assert.match(r.error.message, why);
    }
    if (existsSync('/sys/fs/cgroup/hugetlb')) {
      const s = base();
      s.linux.resources = { hugepageLimits: [{ pageSize: '3MB', limit: 1 }] };
      assert.equal(ociConfig(s, suite.dir).error?.field, 'linux.resources.hugepageLimits[0]', 'no such page size');
    }
  });
});

describe('bad linux.resources values: container-config-invalid naming the field, nothing made', { skip: skipReason() }, () => {
  const suite = containerSuite('orb');
  const cases = [
    ['linux.resources.memory.limit', { memory: { limit: 'lots' } }],
    ['linux.resources.memory.swap', { memory: { limit: 1 << 26, swap: 1 << 20 } }],
    ['linux.resources.memory.swap', { memory: { limit: 1 << 26, swap: -5 } }],
    ['linux.resources.memory.reservation', { memory: { reservation: 1.5 } }],
    ['linux.resources.memory.swappiness', { memory: { swappiness: 101 } }],
    ['linux.resources.memory.disableOOMKiller', { memory: { disableOOMKiller: 'yes' } }],
    ['linux.resources.memory.kernel', { memory: { kernel: 1 << 20 } }],
    ['linux.resources.cpu.cpus', { cpu: { cpus: 'all' } }],
    ['linux.resources.cpu.mems', { cpu: { mems: 0 } }],
    ['linux.resources.cpu.shares', { cpu: { shares: 1 } }],
    ['linux.resources.cpu.realtimePeriod', { cpu: { realtimePeriod: -3 } }],
    ['linux.resources.cpu.idle', { cpu: { idle: 1 } }],
    ['linux.resources.blockIO.leafWeight', { blockIO: { leafWeight: 5 } }],
    ['linux.resources.blockIO.throttleReadBpsDevice[0]', { blockIO: { throttleReadBpsDevice: [{ major: 'x', minor: 0, rate: 1 }] } }],
    ['linux.resources.blockIO.throttleReadBpsDevice[0].rate', { blockIO: { throttleReadBpsDevice: [{ major: 8, minor: 0 }] } }],
    ['linux.resources.hugepageLimits[0].pageSize', { hugepageLimits: [{ pageSize: 'huge', limit: 1 }] }],
    ['linux.resources.devices[0].access', { devices: [{ allow: false, access: 'x' }] }],
    ['linux.resources.devices[0].access', { devices: [{ allow: false }] }],
    ['linux.resources.devices[0]', { devices: [{ allow: 'no', access: 'rwm' }] }],
    ['linux.resources.devices[1].type', { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'q', access: 'r' }] }],
    ['linux.resources.devices[1].major', { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: -2, access: 'r' }] }],
    // What this kernel cannot apply, through the same path: refused before the factory makes anything.
    ...(existsSync('/sys/fs/cgroup/hugetlb') ? [] : [['linux.resources.hugepageLimits[0]', { hugepageLimits: [{ pageSize: '2MB', limit: 2097152 }] }]]),
    ...(v1Has('blkio', 'blkio.weight') || v1Has('blkio', 'blkio.bfq.weight') || !V1 ? [] : [['linux.resources.blockIO.weight', { blockIO: { weight: 500 } }]]),
  ];
  test('each refused through Factory.createFromBundle: the field named, no factory directory, no cgroup', () => {
    for (const [i, [field, resources]] of cases.entries()) {
      const bundle = makeBundle(join(suite.dir, `b${i}`), suite.fs.root, ['true'], (s) => {
        s.linux.cgroupsPath = `/linuxns-badres-${process.pid}`;
        s.linux.resources = resources;
      });
      const r = suite.factory.createFromBundle(suite.id(), bundle);
      assert.equal(r.isErr() && r.error.field, field, `${JSON.stringify(resources)}: ${r.isErr() ? r.error.message : 'taken'}`);
      assert.equal(r.error.kind, 'container-config-invalid');
    }
    assert.deepEqual(suite.factory.list().unwrapOr([]), []);
    assert.deepEqual(leftIn(`linuxns-badres-${process.pid}`), [], 'no cgroup');
  });
});
