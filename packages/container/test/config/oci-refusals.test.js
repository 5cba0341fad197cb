// An OCI config's refusals, field by field (container-config-invalid naming the config.json field, before
// anything is made), what it takes at every new field's valid value, and cgroupsPath's forms as runc places them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory } from '../../dist/index.js';
import { ociConfig, ociProcessConfig } from '../../dist/config/oci-spec.js';
import { ociCgroupPath } from '../../dist/config/cgroups-path.js';
import { makeRootfs, skipReason } from '../fixtures/rootfs.js';
import { unwrap } from '../fixtures/helpers.js';

const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

describe('cgroupsPath as runc places it', () => {
  test('absolute (podman), systemd slice:prefix:name (expanded as systemd would), relative (below this process\'s cgroup)', () => {
    assert.equal(ociCgroupPath('/libpod_parent/libpod-abc'), '/libpod_parent/libpod-abc');
    assert.equal(ociCgroupPath(''), undefined);
    assert.equal(ociCgroupPath('machine-pods.slice:libpod:abc'), '/machine.slice/machine-pods.slice/libpod-abc.scope');
    assert.equal(ociCgroupPath(':cri-containerd:abc'), '/system.slice/cri-containerd-abc.scope');
    assert.equal(ociCgroupPath('kubepods-besteffort.slice:cri:x.slice'), '/kubepods.slice/kubepods-besteffort.slice/x.slice');
    assert.equal(ociCgroupPath('-.slice:p:n'), '/p-n.scope');
    const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((l) => l.split(':')).find(([id, c]) => id === '0' || c?.split(',').includes('memory'));
    assert.ok(ociCgroupPath('x/y').endsWith('/x/y'));
    assert.ok(ociCgroupPath('x/y').startsWith(own[0] === '0' ? own[2].replace(/\/[^/]*$/, '') : own[2]));
    for (const bad of ['a--b.slice:p:n', 'nope:p:n', '-a.slice:p:n']) assert.equal(typeof ociCgroupPath(bad), 'object', bad);
  });
});

describe('bad OCI input: container-config-invalid naming the field, before anything is made', { skip: skipReason() }, () => {
  let fs;
  before(() => (fs = makeRootfs()));
  after(() => fs.remove());
  const base = () => ({
    ociVersion: '1.0.2',
    root: { path: fs.root },
    process: { args: ['true'], cwd: '/' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'network' }] },
  });
  const cases = [
    ['process.user.umask', (s) => (s.process.user = { uid: 0, gid: 0, umask: 0o1000 })],
    ['process.user.additionalGids', (s) => (s.process.user = { uid: 0, gid: 0, additionalGids: [-1] })],
    ['process.oomScoreAdj', (s) => (s.process.oomScoreAdj = 5000)],
    ['process.scheduler.policy', (s) => (s.process.scheduler = { policy: 'SCHED_NOPE' })],
    ['process.ioPriority.class', (s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_NOPE', priority: 0 })],
    ['process.user.username', (s) => (s.process.user = { uid: 0, gid: 0, username: 'root' })],
    ['process.terminal', (s) => (s.process.terminal = true)],
    ['linux.sysctl', (s) => (s.linux.sysctl = { 'vm.swappiness': '1' })],
    ['linux.sysctl', (s) => ((s.linux.namespaces = s.linux.namespaces.filter((n) => n.type !== 'network')), (s.linux.sysctl = { 'net.ipv4.ip_forward': '1' }))],
    ['linux.seccomp.defaultAction', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_NOPE' })],
    ['linux.seccomp.syscalls[0].action', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOPE' }] })],
    ['linux.personality.domain', (s) => (s.linux.personality = { domain: 'LINUX64' })],
    ['linux.devices[0].type', (s) => (s.linux.devices = [{ path: '/dev/x', type: 'q', major: 1, minor: 1 }])],
    ['linux.devices[0].path', (s) => (s.linux.devices = [{ path: 'dev/x', type: 'c', major: 1, minor: 1 }])],
    ['linux.devices[0].major', (s) => (s.linux.devices = [{ path: '/dev/x', type: 'c' }])],
    ['linux.rootfsPropagation', (s) => (s.linux.rootfsPropagation = 'sideways')],
    ['mounts[1].options', (s) => s.mounts.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['remount'] })],
    ['mounts[1].destination', (s) => s.mounts.push({ destination: '/proc/sys', type: 'bind', source: '/tmp', options: ['bind'] })],
    ['mounts[1].options', (s) => s.mounts.push({ destination: '/x', type: 'tmpfs', options: [1] })],
    ['linux.cgroupsPath', (s) => (s.linux.cgroupsPath = 'a--b.slice:p:n')],
    ['linux.cgroupsPath', (s) => (s.linux.cgroupsPath = 7)],
    ...(V2 ? [
      // cgroup v2: no device program is loaded, so only rules that give no more than the config's nodes are taken.
      ['linux.resources.devices[1]', (s) => (s.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }] })],
      ['linux.resources.devices[0]', (s) => (s.linux.resources = { devices: [{ allow: true, access: 'rwm' }] })],
    ] : []),
    ['linux.resources.devices[0].access', (s) => (s.linux.resources = { devices: [{ allow: false, access: 'x' }] })],
    ['linux.resources.blockIO.weight', (s) => (s.linux.resources = { blockIO: { weight: 5 } })],
    ['linux.resources.memory.kernel', (s) => (s.linux.resources = { memory: { kernel: 1048576 } })],
    ['linux.intelRdt', (s) => (s.linux.intelRdt = { closID: 'x' })],
    ['root.readonly', (s) => (s.root.readonly = 'yes')],
    ['linux.timeOffsets.monotonic.nanosecs', (s) => (s.linux.namespaces.push({ type: 'time' }), (s.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 1e9 } }))],
    ['linux.timeOffsets.boottime', (s) => (s.linux.namespaces.push({ type: 'time' }), (s.linux.timeOffsets = { boottime: { secs: 'x' } }))],
    ['linux.timeOffsets', (s) => (s.linux.timeOffsets = { monotonic: { secs: 1 } })],
  ];
  for (const [field, edit] of cases) {
    test(`${field}: ${edit.toString().replace(/^\(s\) => /, '')}`, () => {
      const spec = base();
      edit(spec);
      const r = ociConfig(spec, '/tmp');
      assert.ok(r.isErr(), 'taken');
      assert.equal(r.error.kind, 'container-config-invalid');
      assert.equal(r.error.field, field, r.error.message);
      assert.match(r.error.message, /^invalid container config: /);
    });
  }

  test('through Factory.createFromBundle: the same refusals, and nothing made (no factory directory, no cgroup)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linuxns-oci-refused-'));
    try {
      const factory = new Factory(join(dir, 'factory'));
      for (const [i, [field, edit]] of cases.entries()) {
        const spec = base();
        spec.linux.cgroupsPath = `/linuxns-refused-${process.pid}`;
        edit(spec);
        const bundle = join(dir, `b${i}`);
        mkdirSync(bundle);
        writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
        const r = factory.createFromBundle(`r${i}`, bundle);
        assert.equal(r.isErr() && r.error.field, field, r.isErr() ? r.error.message : 'taken');
      }
      assert.equal(existsSync(join(dir, 'factory')), false, 'the factory made nothing');
      assert.deepEqual(readdirSync('/sys/fs/cgroup', { recursive: false }).filter((h) => existsSync(`/sys/fs/cgroup/${h}/linuxns-refused-${process.pid}`)), [], 'no cgroup');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the good base takes every new field at its valid value', () => {
    const spec = base();
    Object.assign(spec.process, { user: { uid: 0, gid: 0, umask: 0o22, additionalGids: [1] }, oomScoreAdj: 10, ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 }, scheduler: { policy: 'SCHED_OTHER', nice: 1 } });
    Object.assign(spec.linux, {
      sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '9000' },
      seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 1, value: 0o700, op: 'SCMP_CMP_EQ' }] }] },
      personality: { domain: 'LINUX' },
      devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600 }],
      rootfsPropagation: 'rprivate',
      resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }], pids: { limit: 0 }, memory: { limit: -1 } },
      cgroupsPath: 'system.slice:linuxns:x',
    });
    const c = unwrap(ociConfig(spec, '/tmp'));
    assert.deepEqual(c.devices.map((d) => d.path), ['/dev/null', '/dev/random', '/dev/full', '/dev/tty', '/dev/zero', '/dev/urandom', '/dev/fuse']);
    assert.equal(c.cgroup.path, 'system.slice/linuxns-x.scope');
    assert.equal(c.cgroup.pids, undefined, 'runc: a pids limit of 0 is none');
    if (!V2) {
      // The v1 devices controller enforces the rules: the config's, then runc's defaults (mknod of any node, /dev/null...).
      assert.deepEqual(c.cgroup.devices.slice(0, 4), [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' }]);
      const denyAfter = base();
      denyAfter.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }, { allow: true, access: 'rwm' }] };
      assert.equal(unwrap(ociConfig(denyAfter, '/tmp')).cgroup.devices.length, 3 + 11, 'a deny rule after the deny-all, an allow-all: taken as runc takes them');
    }
    assert.equal(c.rootfsPropagation, 'rprivate');
    assert.equal(base().linux.rootfsPropagation, undefined);
    assert.equal(unwrap(ociConfig(base(), '/tmp')).rootfsPropagation, 'rslave', "runc's default");
    assert.deepEqual(unwrap(ociProcessConfig({ args: ['true'], user: { umask: 0o77 }, oomScoreAdj: 3 }, false)).user, { umask: 0o77 });
  });
});
