// spawn's OCI root filesystem options, observed from inside a busybox container: devices (mknod, or binds
// in a user namespace) and runc's /dev links, podman's mounts with their options and propagation
// (/proc/self/mountinfo), runc's cgroup v1 mount, rootfsPropagation; bad input refused before anything
// is made, and a failing mount that leaves nothing mounted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DEVICES, spawn, validateSpawnOptions } from '../dist/index.js';
import { errorOf } from './fixtures/ns-helpers.js';
import { ociSkip, useScratch } from './fixtures/oci-probe.js';
import { assertNothingLeft, sh, snapshot } from './fixtures/spawn-helpers.js';

const skip = ociSkip();
const mounted = []; // mounts a test made in the scratch, unmounted before it is removed
after(() => {
  for (const m of mounted.reverse()) execFileSync('umount', ['-l', m]);
});
const scratch = useScratch(before, after);
before(() => {
  if (skip) return;
  mkdirSync(join(scratch.base, 'shm'));
  writeFileSync(join(scratch.base, 'hosts'), '127.0.0.1 box\n');
});

const USER = { create: ['user', 'mnt', 'pid', 'ipc', 'uts', 'net'], uidMappings: [{ containerID: 0, hostID: 600000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 600000, size: 65536 }], usernsRoot: true };
/** A container: the busybox rootfs, new namespaces, /proc (unless a mount makes it), PATH=/bin. */
const box = (options) => ({
  create: ['mnt', 'pid', 'ipc', 'uts', 'net'], rootfs: { path: scratch.root }, envMode: 'replace', env: { PATH: '/bin' },
  mountProc: !options.mounts?.some((m) => m.destination === '/proc'), ...options,
});

/** The mountinfo lines of mount points, as { path: { options, optional, fstype, source, super, root } }. */
function mountinfo(text) {
  const out = {};
  for (const line of text.trim().split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const [fstype, source, sup] = right.split(' ');
    out[f[4]] = { root: f[3], options: f[5], optional: f.slice(6).join(' '), fstype, source, super: sup };
  }
  return out;
}

/** podman 4.3's mounts of this machine's config.json, with sources of ours. */
const podmanMounts = () => [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'noexec', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/shm', type: 'bind', source: join(scratch.base, 'shm'), options: ['bind', 'rprivate', 'nosuid', 'noexec', 'nodev'] },
  { destination: '/run/.containerenv', type: 'bind', source: join(scratch.base, 'hosts'), options: ['bind', 'rprivate'] },
  { destination: '/etc/hosts', type: 'bind', source: join(scratch.base, 'hosts'), options: ['bind', 'rprivate'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['rprivate', 'nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
];

describe('devices and /dev as runc makes them', { skip }, () => {
  test('devices: mknod with type, numbers, mode and owner after the mounts; devSymlinks: ptmx and the fd links', async () => {
    const devices = [...DEFAULT_DEVICES, { path: '/dev/fuse', type: 'c', major: 10, minor: 229 }, { path: '/dev/my/fifo', type: 'p', fileMode: 0o640, uid: 12, gid: 34 },
      { path: '/dev/loop-ish', type: 'b', major: 7, minor: 200, fileMode: 0o20660 }];
    const r = await sh("ls -ln /dev /dev/my | awk 'NF > 5 { print $1, $3, $4, $5, $6, $NF }'; for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done; grep -c ' /dev/null ' /proc/self/mountinfo; true",
      box({ mounts: podmanMounts().slice(0, 5), devices, devSymlinks: true }));
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    for (const want of ['crw-rw-rw- 0 0 1, 3 null', 'crw-rw-rw- 0 0 1, 5 zero', 'crw-rw-rw- 0 0 1, 7 full', 'crw-rw-rw- 0 0 1, 8 random', 'crw-rw-rw- 0 0 1, 9 urandom',
      'crw-rw-rw- 0 0 5, 0 tty', 'crw-rw-rw- 0 0 10, 229 fuse', 'brw-rw---- 0 0 7, 200 loop-ish']) assert.ok(lines.includes(want), `${want} in\n${r.out}`);
    assert.ok(lines.some((l) => /^prw-r----- 12 34 0 \S+ fifo$/.test(l)), r.out);
    assert.deepEqual(lines.slice(-6), ['pts/ptmx', '/proc/self/fd', '/proc/self/fd/0', '/proc/self/fd/1', '/proc/self/fd/2', '0'], 'made with mknod, no bind');
    assert.equal(existsSync('/proc/kcore') ? 1 : 0, lines.filter((l) => / core$/.test(l)).length, '/dev/core only where /proc/kcore exists');
  });

  test('in a user namespace the nodes are the caller\'s, bound (runc: no mknod there)', async () => {
    const r = await sh("grep -E ' /dev/(null|fuse) ' /proc/self/mountinfo | cut -d' ' -f4,5; echo x > /dev/null && echo writable",
      box({ ...USER, mounts: podmanMounts().slice(0, 2), devices: [...DEFAULT_DEVICES, { path: '/dev/fuse', type: 'c', major: 10, minor: 229 }], devSymlinks: true }));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['/null /dev/null', '/fuse /dev/fuse', 'writable']);
  });

  test('mountDev: the default nodes made with mknod outside a user namespace, and runc\'s links', async () => {
    const r = await sh("ls -l /dev/null | cut -c1; grep -c ' /dev/null ' /proc/self/mountinfo; readlink /dev/ptmx; readlink /dev/fd", box({ mountProc: true, mountDev: true }));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['c', '0', 'pts/ptmx', '/proc/self/fd']);
  });
});

describe("podman's mounts, as runc makes them", { skip }, () => {
  test('every type with its options: proc, tmpfs, sysfs, devpts, mqueue, binds of a directory and of files (created), cgroup v1', async () => {
    const r = await sh('cat /proc/self/mountinfo; cat /etc/hosts; stat -c %a /sys/fs/cgroup', box({ mounts: podmanMounts(), devices: DEFAULT_DEVICES, devSymlinks: true }));
    assert.equal(r.code, 0, r.err);
    const m = mountinfo(r.out);
    assert.match(m['/proc'].options, /^rw,nosuid,nodev,noexec/);
    assert.deepEqual([m['/dev'].fstype, m['/dev'].options], ['tmpfs', 'rw,nosuid,noexec']);
    assert.match(m['/dev'].super, /size=65536k,mode=755/);
    assert.match(m['/sys'].options, /^ro,nosuid,nodev,noexec/);
    assert.match(m['/dev/pts'].super, /gid=5,mode=620,ptmxmode=666/);
    assert.equal(m['/dev/mqueue'].fstype, 'mqueue');
    assert.match(m['/dev/shm'].options, /^rw,nosuid,nodev,noexec/);
    assert.equal(m['/dev/shm'].optional, '', 'rprivate: no propagation');
    assert.ok(m['/etc/hosts'] && m['/run/.containerenv'], 'binds of files, their targets created');
    assert.match(r.out, /127\.0\.0\.1 box/);
    // runc 1.1 on cgroup v1: a tmpfs with the mode of the directory it covers (sysfs's 555), one read-only mount per hierarchy.
    if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      assert.match(m['/sys/fs/cgroup'].options, /^rw,nosuid,nodev,noexec/);
      assert.equal(r.out.trim().split('\n').at(-1), '555');
      const hierarchies = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => / - cgroup /.test(l)).map((l) => l.split(' ')[4].split('/').at(-1));
      assert.ok(hierarchies.length > 0);
      for (const h of hierarchies) assert.match(m[`/sys/fs/cgroup/${h}`]?.options ?? 'missing', /^ro,nosuid,nodev,noexec/, h);
    }
  });

  test('cgroup v1: the container\'s own cgroup is bound, or with a cgroup namespace mounted as its root', { skip: existsSync('/sys/fs/cgroup/cgroup.controllers') && 'cgroup v2 host' }, async () => {
    const cg = `/sys/fs/cgroup/pids/linuxns-oci-${process.pid}`;
    mkdirSync(cg);
    try {
      const script = "grep ' /sys/fs/cgroup/pids ' /proc/self/mountinfo | cut -d' ' -f4; grep -qx $$ /sys/fs/cgroup/pids/cgroup.procs && echo in";
      const mounts = podmanMounts().filter((x) => ['/proc', '/sys', '/sys/fs/cgroup'].includes(x.destination));
      const bound = await sh(script, box({ mounts, cgroups: [cg] }));
      assert.equal(bound.code, 0, bound.err);
      assert.deepEqual(bound.out.trim().split('\n'), [`/linuxns-oci-${process.pid}`, 'in']);
      const own = await sh(script, box({ mounts, cgroups: [cg], create: ['mnt', 'pid', 'ipc', 'uts', 'net', 'cgroup'] }));
      assert.equal(own.code, 0, own.err);
      assert.deepEqual(own.out.trim().split('\n'), ['/', 'in'], "the cgroup namespace's root, which is the container's cgroup");
    } finally {
      rmdirSync(cg);
    }
  });

  test('propagation options apply in order, and rootfsPropagation to the root (mountinfo\'s shared:/master:)', async () => {
    const shared = join(scratch.base, 'shared');
    mkdirSync(shared);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', shared]);
    mounted.push(shared);
    execFileSync('mount', ['--make-shared', shared]);
    const bind = (destination, options) => ({ destination, type: 'bind', source: shared, options: ['bind', ...options] });
    const r = await sh('cat /proc/self/mountinfo', box({
      mounts: [bind('/mnt/private', ['rprivate']), bind('/mnt/slave', ['rslave']), bind('/mnt/shared', ['rshared']), bind('/mnt/twice', ['rshared', 'rslave']), bind('/mnt/plain', [])],
      rootfsPropagation: 'rshared',
    }));
    assert.equal(r.code, 0, r.err);
    const m = mountinfo(r.out);
    assert.equal(m['/mnt/private'].optional, '');
    assert.match(m['/mnt/slave'].optional, /^master:\d+$/);
    assert.match(m['/mnt/shared'].optional, /^shared:\d+$/);
    assert.match(m['/mnt/twice'].optional, /^master:\d+$/);
    assert.match(m['/mnt/plain'].optional, /^shared:\d+$/, 'a bind of a shared mount in an rshared namespace stays a peer');
    assert.equal(m['/'].optional, '', 'the rootfs itself is bound from a private parent (runc\'s rootfsParentMountPrivate)');
    const slave = mountinfo((await sh('cat /proc/self/mountinfo', box({ rootfsPropagation: 'rslave', mounts: [bind('/mnt/plain', []), bind('/mnt/shared', ['rshared'])] }))).out);
    assert.match(slave['/mnt/plain'].optional, /^master:\d+$/, 'rslave: a slave of the host\'s mount');
    assert.match(slave['/mnt/shared'].optional, /^shared:\d+ master:\d+$/, 'rshared on a slave: both (as runc gives it)');
  });

  test('a bind\'s flags are set by a remount (runc: exactly the flags asked), and where the kernel locks them the source\'s are kept', async () => {
    const src = join(scratch.base, 'nosuid');
    mkdirSync(src);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,nosuid,nodev', 'tmpfs', src]);
    mounted.push(src);
    const mounts = [{ destination: '/mnt/ro', source: src, options: ['bind', 'ro'] }, { destination: '/mnt/rw', source: src, options: ['bind', 'ro', 'rw', 'noexec'] }];
    const root = mountinfo((await sh('cat /proc/self/mountinfo', box({ mounts }))).out);
    assert.equal(root['/mnt/ro'].options, 'ro,relatime', 'root of the initial user namespace: nosuid, nodev cleared, as mount --bind -o ro');
    assert.equal(root['/mnt/rw'].options, 'rw,noexec,relatime', 'ro then rw: rw');
    const user = mountinfo((await sh('cat /proc/self/mountinfo', box({ ...USER, mounts }))).out);
    assert.equal(user['/mnt/ro'].options, 'ro,nosuid,nodev,relatime', 'in a user namespace the locked nosuid, nodev stay');
  });

  test('rbind with ro, and the recursive attributes (rro, rnoexec), reach every mount of the tree', async () => {
    const tree = join(scratch.base, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', join(tree, 'sub')]);
    mounted.push(join(tree, 'sub'));
    const r = await sh('cat /proc/self/mountinfo', box({ mounts: [
      { destination: '/mnt/a', source: tree, options: ['rbind', 'ro'] },
      { destination: '/mnt/b', source: tree, options: ['rbind', 'rro', 'rnoexec'] },
      { destination: '/mnt/c', source: tree, options: ['bind'] },
    ] }));
    const m = mountinfo(r.out);
    for (const p of ['/mnt/a', '/mnt/a/sub', '/mnt/b', '/mnt/b/sub']) assert.match(m[p].options, /^ro[,$]/, p);
    assert.match(m['/mnt/b/sub'].options, /noexec/);
    assert.equal(m['/mnt/c/sub'], undefined, 'a plain bind does not take the submounts');
  });

  test('tmpcopyup: the tmpfs starts with a copy of the directory it covers (files, directories, links, fifos, modes, owners), which it leaves as it was', async () => {
    const dir = join(scratch.root, 'seed');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'file'), 'seeded\n', { mode: 0o640 });
    chownSync(join(dir, 'sub', 'file'), 1000, 1001);
    chmodSync(join(dir, 'sub'), 0o2750);
    symlinkSync('sub/file', join(dir, 'link'));
    execFileSync('mkfifo', ['-m', '600', join(dir, 'fifo')]);
    const r = await sh('cd /seed && stat -c "%n %F %a %u:%g" sub sub/file link fifo && cat link && echo new > sub/file && grep " /seed " /proc/self/mountinfo | cut -d" " -f9', box({
      mounts: [{ destination: '/seed', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'size=1m'] }] }));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['sub directory 2750 0:0', 'sub/file regular file 640 1000:1001', 'link symbolic link 777 0:0', 'fifo fifo 600 0:0', 'seeded', 'tmpfs']);
    assert.equal(readFileSync(join(dir, 'sub', 'file'), 'utf8'), 'seeded\n', 'the covered directory is not written');
  });

  test('tmpfs takes the mode of the directory it covers (runc 1.1), and ro once filled', async () => {
    const r = await sh("stat -c %a /tmp; grep ' /tmp ' /proc/self/mountinfo | cut -d' ' -f6; touch /tmp/x 2>/dev/null || echo read-only", box({
      mounts: [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['mode=755', 'size=1m', 'ro', 'nosuid'] }] }));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['1777', 'ro,nosuid,relatime', 'read-only']);
  });

  test('a mount that fails is spawn-setup-failed at step mount, and nothing stays mounted', async () => {
    const before = snapshot();
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    const e = errorOf(await spawn('true', [], box({ mounts: [{ destination: '/mnt/x', type: 'bind', source: join(scratch.base, 'missing'), options: ['bind'] }] })), 'spawn-setup-failed');
    assert.deepEqual([e.step, e.syscall, e.code], ['mount', 'stat', 'ENOENT']);
    const devMount = podmanMounts().filter((x) => x.destination === '/dev');
    const dev = errorOf(await spawn('true', [], box({ ...USER, mounts: devMount, devices: [{ path: '/dev/nosuch', type: 'c', major: 1, minor: 3 }] })), 'spawn-setup-failed');
    assert.deepEqual([dev.step, dev.syscall, dev.code], ['devices', 'mount', 'ENOENT'], "a user namespace binds the caller's node, which is missing");
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore);
    await assertNothingLeft(before, 'failed mounts');
  });
});

describe('bad rootfs options are invalid-option naming the option (a mount\'s part at fault), and nothing runs', { skip }, () => {
  const cases = [
    ['devices', { devices: [{ path: '/dev/x', type: 'c', major: 1, minor: 3 }] }, false],
    ['devSymlinks', { devSymlinks: true }, false],
    ['devices', { devices: [{ path: 'dev/x', type: 'c', major: 1, minor: 3 }] }, true],
    ['devices', { devices: [{ path: '/dev/x', type: 'x', major: 1, minor: 3 }] }, true],
    ['devices', { devices: [{ path: '/dev/x', type: 'c', minor: 3 }] }, true],
    ['devices', { devices: [{ path: '/dev/x', type: 'b', major: 1, minor: 3, uid: -1 }] }, true],
    ['mounts[0].options', { mounts: [{ destination: '/x', source: '/tmp', options: ['bind', 'idmap'] }] }, true],
    ['mounts[0].options', { mounts: [{ destination: '/x', source: '/tmp', options: ['bind', 'remount'] }] }, true],
    ['mounts[0].destination', { mounts: [{ destination: '/proc/sys', source: '/tmp', options: ['bind'] }] }, true],
    ['mounts[0].destination', { mounts: [{ destination: '/proc', type: 'tmpfs' }] }, true],
    ['mounts[0].options', { mounts: [{ destination: '/x', type: 'tmpfs', options: ['rprivate', 'rslave', 'rshared', 'private', 'slave'] }] }, true],
    ['rootfsPropagation', { rootfsPropagation: 'rsomething' }, true],
    ['rootfsPropagation', { rootfsPropagation: 'rslave', mountPropagation: 'private' }, true],
    ['rootfsPropagation', { rootfsPropagation: 'rprivate', rootfs: { pivotRoot: false } }, true],
    ['apparmorProfile', { apparmorProfile: 'docker-default' }, true],
    ['selinuxLabel', { selinuxLabel: 'system_u:system_r:container_t:s0' }, true],
    ['mountLabel', { mountLabel: 'system_u:object_r:container_file_t:s0' }, true],
  ];
  const apparmor = existsSync('/sys/kernel/security/apparmor');
  const selinux = existsSync('/sys/fs/selinux/enforce');
  for (const [option, extra, withRootfs] of cases) {
    const lsmHere = (option === 'apparmorProfile' && apparmor) || (option !== 'apparmorProfile' && /Label$/.test(option) && selinux);
    test(`${option}: ${JSON.stringify(extra)}`, { skip: lsmHere && 'that security module is enabled here' }, async () => {
      const options = withRootfs ? box({ ...extra, rootfs: { path: scratch.root, ...extra.rootfs } }) : { create: ['mnt'], ...extra };
      const before = snapshot();
      const e = errorOf(await spawn('true', [], options), 'invalid-option');
      assert.equal(e.option, option, e.message);
      assert.equal(validateSpawnOptions(options).error?.option, option);
      await assertNothingLeft(before, option);
    });
  }
});
