// The whole OCI config that podman generates, run through the container package: a config.json made by
// podman on this machine at run time (config/podman.js), its root.path pointed at the test's busybox tree,
// converted by ociConfig, created and started by a Factory, and each of its settings observed from inside
// (seccomp in force, sysctls, /dev, single-file binds, mount options, umask, oom_score_adj, personality,
// the cgroup) and outside (the cgroup's limits); then nothing left behind. And the refusals, field by field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ociConfig, ociProcessConfig } from '../dist/config/oci-spec.js';
import { ociCgroupPath } from '../dist/config/cgroups-path.js';
import { podmanConfig, podmanSkip } from './config/podman.js';
import { makeRootfs, skipReason } from './fixtures/rootfs.js';
import { makeBundle } from './fixtures/bundle.js';
import { containerSuite } from './fixtures/suite.js';
import { mountinfo, output, PIPE, unwrap } from './fixtures/helpers.js';

const skip = skipReason() || podmanSkip();
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

// What the container prints, one key=value a line (mountinfo's lines as mnt=...).
const SCRIPT = `
echo "seccomp=$(grep '^Seccomp:' /proc/self/status | cut -f2)"
echo "filters=$(grep '^Seccomp_filters:' /proc/self/status | cut -f2)"
echo "umask=$(umask)"
echo "oom=$(cat /proc/self/oom_score_adj)"
echo "ping=$(tr '\\t' ' ' < /proc/sys/net/ipv4/ping_group_range)"
echo "msgmax=$(cat /proc/sys/kernel/msgmax)"
echo "arch=$(uname -m)"
echo "dev=$(ls /dev | tr '\\n' ' ')"
echo "fuse=$(stat -c '%a %t %T' /dev/fuse)"
echo "null=$(stat -c '%F %t %T' /dev/null)"
echo "ptmx=$(readlink /dev/ptmx)"
echo "extra=$(cat /etc/extra.conf)"
echo "extraw=$( (echo x >> /etc/extra.conf) 2>/dev/null && echo writable || echo read-only)"
echo "files=$(for f in /etc/hosts /etc/hostname /run/.containerenv; do [ -f $f ] && printf '%s ' $f; done)"
echo "hostname=$(cat /proc/sys/kernel/hostname)"
echo "mknod=$(mknod /tmp/sda b 8 0 2>/dev/null && echo made || echo denied)"
[ -x /bin/seccomp-probe ] && /bin/seccomp-probe | sed 's/^/sc_/; s/ /=/'
echo "seeded=$(cat /etc/seeded/file)"
sed 's/^/cg=/' /proc/self/cgroup
sed 's/^/mnt=/' /proc/self/mountinfo
`;

/** The script's output: keys, with cg and mnt as lists. */
function parse(out) {
  const r = { cg: [], mnt: [] };
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    const [k, v] = [line.slice(0, i), line.slice(i + 1)];
    if (k === 'cg' || k === 'mnt') r[k].push(v);
    else r[k] = v;
  }
  return r;
}

/** mountinfo lines by mount point (the last mount wins): { options, fstype, super }. */
function mounts(lines) {
  const by = {};
  for (const l of lines) {
    const [left, right] = l.split(' - ');
    const f = left.split(' ');
    const [fstype, , sup] = right.split(' ');
    by[f[4]] = { options: f[5].split(','), fstype, super: sup.split(',') };
  }
  return by;
}

const fdCount = () => readdirSync('/proc/self/fd').length;
const children = () => readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim();

describe("podman's config.json, run by linuxns", { skip }, () => {
  const suite = containerSuite('oci');
  const parent = `linuxns-oci-${process.pid}`;
  const data = `/tmp/linuxns-oci-data-${process.pid}`;
  let made;
  let probe = false;
  before(() => {
    // A static probe of the syscalls podman's profile treats apart (gcc is what builds the helper).
    probe = spawnSync('cc', ['-static', '-O2', '-o', join(suite.fs.root, 'bin', 'seccomp-probe'), fileURLToPath(new URL('config/seccomp-probe.c', import.meta.url))], { stdio: 'inherit' }).status === 0;
    mkdirSync(join(suite.fs.root, 'etc', 'seeded'));
    writeFileSync(join(suite.fs.root, 'etc', 'seeded', 'file'), 'from the image\n');
    mkdirSync(data, { recursive: true });
    writeFileSync(`${data}.conf`, 'hi\n');
    made = podmanConfig(suite.fs.root, {
      name: `linuxns-oci-${process.pid}`,
      cgroupParent: parent,
      options: [
        '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096',
        '--sysctl', 'kernel.msgmax=12345', '--device', '/dev/fuse', '--tmpfs', '/scratch:rw,size=1m,noexec', '--tmpfs', '/etc/seeded:size=1m',
        '--mount', `type=bind,src=${data}.conf,dst=/etc/extra.conf,ro`, '--mount', `type=bind,src=${data},dst=/data,ro`,
        '--umask', '0027', '--oom-score-adj', '100', '--pids-limit', '64', '--cpu-shares', '512',
        ...(process.arch === 'x64' ? ['--personality', 'LINUX32'] : []),
      ],
      args: ['sh', '-c', SCRIPT],
    });
  });
  after(() => made?.remove());

  test('podman create writes what the issue lists: seccomp, sysctl, umask, devices, devpts, mqueue, cgroup, file binds, /libpod_parent-style cgroupsPath', () => {
    const { spec, id } = made;
    assert.equal(typeof spec.linux.seccomp.defaultAction, 'string');
    assert.equal(spec.linux.sysctl['kernel.msgmax'], '12345');
    assert.equal(spec.process.user.umask, 0o27);
    assert.deepEqual(spec.linux.devices.map((d) => d.path), ['/dev/fuse']);
    for (const type of ['devpts', 'mqueue', 'cgroup']) assert.ok(spec.mounts.some((m) => m.type === type), type);
    assert.ok(spec.mounts.some((m) => m.destination === '/etc/hostname' && m.type === 'bind'));
    assert.equal(spec.linux.cgroupsPath, `/${parent}/libpod-${id}`);
  });

  test('created and started unchanged but for root.path: every setting observed inside and out, and nothing left', async () => {
    const { spec, id } = made;
    const fds = fdCount();
    const kids = children();
    const config = unwrap(ociConfig({ ...spec, root: { path: suite.fs.root } }, suite.dir));
    const cid = suite.id();
    const c = unwrap(suite.factory.create(cid, config));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    const o = parse(r.out);
    assert.equal(o.seccomp, '2', 'a seccomp filter is in force (its rules: core\'s spawn-seccomp test)');
    assert.equal(o.filters, '1', 'one filter: podman\'s');
    assert.ok(probe || spawnSync('sh', ['-c', 'command -v cc'], { stdio: 'ignore' }).status !== 0, 'cc is here but did not build the probe');
    if (probe) {
      // Each 0 without a filter (the probe's own check on the host).
      assert.equal(o.sc_personality, '38', "a personality value podman's args rules do not allow: its defaultErrnoRet, ENOSYS");
      assert.equal(o.sc_audit, '22', 'socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT): the args rule\'s own errno, EINVAL');
      assert.deepEqual([o.sc_route, o.sc_query], ['0', '0'], 'what the profile allows works');
    }
    assert.equal(o.mknod, 'denied', 'no CAP_MKNOD: no device node but the config\'s');
    assert.equal(o.umask, '0027');
    assert.equal(o.oom, '100');
    assert.equal(o.ping, '0 0', "podman's net.ipv4.ping_group_range");
    assert.equal(o.msgmax, '12345');
    if (process.arch === 'x64') assert.equal(o.arch, 'i686', 'personality LINUX32');
    for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'fuse', 'ptmx', 'fd', 'stdin', 'stdout', 'stderr', 'pts', 'shm', 'mqueue']) assert.ok(o.dev.split(' ').includes(d), `/dev/${d} in ${o.dev}`);
    assert.equal(o.fuse, '600 a e5', '/dev/fuse: mode and numbers of linux.devices');
    assert.equal(o.null, 'character special file 1 3');
    assert.equal(o.ptmx, 'pts/ptmx');
    assert.equal(o.extra, 'hi');
    assert.equal(o.extraw, 'read-only', 'a ro bind of a file is remounted read-only');
    assert.equal(o.files.trim(), '/etc/hosts /etc/hostname /run/.containerenv', "podman's single-file binds, their targets made");
    assert.equal(o.hostname, spec.hostname);
    assert.equal(o.seeded, 'from the image', "podman's --tmpfs asks for tmpcopyup: the tmpfs starts with the image's files");
    const own = o.cg.find((l) => (V2 ? l.startsWith('0::') : /:pids:/.test(l)));
    assert.ok(own.endsWith(`/${parent}/libpod-${id}`), own);

    const m = mounts(o.mnt);
    assert.deepEqual([m['/proc'].fstype, ['nosuid', 'nodev', 'noexec'].every((x) => m['/proc'].options.includes(x))], ['proc', true]);
    assert.deepEqual([m['/dev'].fstype, m['/dev'].options.includes('nosuid'), m['/dev'].options.includes('noexec'), m['/dev'].super.includes('mode=755')], ['tmpfs', true, true, true]);
    assert.deepEqual([m['/dev/pts'].fstype, m['/dev/pts'].super.includes('ptmxmode=666')], ['devpts', true]);
    assert.equal(m['/dev/mqueue'].fstype, 'mqueue');
    assert.ok(['nosuid', 'nodev', 'noexec'].every((x) => m['/dev/shm'].options.includes(x)), `/dev/shm: ${m['/dev/shm'].options}`);
    assert.deepEqual([m['/sys'].fstype, m['/sys'].options[0]], ['sysfs', 'ro']);
    assert.deepEqual([m['/scratch'].fstype, m['/scratch'].options.includes('noexec'), m['/scratch'].super.includes('size=1024k')], ['tmpfs', true, true]);
    assert.equal(m['/data'].options[0], 'ro');
    assert.equal(m['/sys/firmware'].fstype, 'tmpfs', 'masked');
    if (V2) assert.deepEqual([m['/sys/fs/cgroup'].fstype, m['/sys/fs/cgroup'].options[0]], ['cgroup2', 'ro']);
    else {
      const hierarchies = Object.entries(m).filter(([p, x]) => p.startsWith('/sys/fs/cgroup/') && x.fstype === 'cgroup');
      assert.ok(hierarchies.length >= 2 && hierarchies.every(([, x]) => x.options[0] === 'ro'), 'cgroup v1: one read-only mount per hierarchy');
    }

    const rel = `${parent}/libpod-${id}`;
    assert.equal(readFileSync(V2 ? `/sys/fs/cgroup/${rel}/pids.max` : `/sys/fs/cgroup/pids/${rel}/pids.max`, 'utf8').trim(), '64');
    if (!V2) assert.equal(readFileSync(`/sys/fs/cgroup/cpu/${rel}/cpu.shares`, 'utf8').trim(), '512');

    unwrap(await c.destroy());
    assert.equal(existsSync(V2 ? `/sys/fs/cgroup/${rel}` : `/sys/fs/cgroup/pids/${rel}`), false, 'the cgroup is removed');
    // Other tests may mount and unmount meanwhile: the mounts of this container are those of its paths.
    assert.deepEqual(mountinfo().split('\n').filter((l) => l.includes(suite.fs.base) || l.includes(suite.dir) || l.includes(id)), [], 'no mount left');
    assert.equal(fdCount(), fds, 'no fd left');
    assert.equal(children(), kids, 'no process left');
  });

  test('a podman config with --memory has a memory.swap linuxns cannot set yet: refused by name before anything is made', () => {
    const spec = structuredClone(made.spec);
    spec.linux.resources.memory = { limit: 67108864, swap: 134217728 };
    const r = ociConfig({ ...spec, root: { path: suite.fs.root } }, suite.dir);
    assert.equal(r.isErr() && r.error.field, 'linux.resources.memory.swap', r.isErr() ? r.error.message : 'taken');
  });
});

describe("runc spec's config.json, unchanged but for its process", { skip: skipReason() }, () => {
  const suite = containerSuite('ocr');
  test('runs: its mounts made by the helper in order (no built-in /proc, /dev, /sys), runc\'s devices and links, rslave root', async () => {
    const bundle = makeBundle(join(suite.dir, 'b1'), suite.fs.root, ['sh', '-c', 'ls /dev | tr "\\n" " "; echo; echo "m=$(grep -E "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / " /proc/self/mountinfo | grep -o "master:[0-9]*" | head -1)"; readlink /dev/ptmx']);
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    const c = unwrap(suite.factory.create(suite.id(), unwrap(ociConfig(spec, bundle))));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    const [dev, master, ptmx] = r.out.split('\n');
    for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'shm', 'mqueue', 'fd', 'stdin', 'ptmx']) assert.ok(dev.split(' ').includes(d), `/dev/${d} in ${dev}`);
    // runc's default rootfsPropagation, rslave: where the host's root is shared, the container's receives its mounts.
    const hostShared = /^\S+ \S+ \S+ \S+ \/ \S+ .*shared:/m.test(mountinfo());
    if (hostShared) assert.match(master, /^m=master:\d+$/);
    else assert.equal(master, 'm=', 'a private host root: nothing to receive');
    assert.equal(ptmx, 'pts/ptmx');
    unwrap(await c.destroy());
  });

  test('linux.timeOffsets in whole seconds, in a new time namespace', async () => {
    const bundle = makeBundle(join(suite.dir, 'b2'), suite.fs.root, ['cat', '/proc/self/timens_offsets'], (spec) => {
      spec.linux.namespaces.push({ type: 'time' });
      spec.linux.timeOffsets = { monotonic: { secs: 1000, nanosecs: 0 }, boottime: { secs: -5 } };
    });
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    const c = unwrap(suite.factory.create(suite.id(), unwrap(ociConfig(spec, bundle))));
    const r = await output(c.start(undefined, PIPE));
    assert.deepEqual(r.out.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')), ['monotonic 1000', 'boottime -5']);
    unwrap(await c.destroy());
  });
});

const ctr = spawnSync('sh', ['-c', 'command -v ctr'], { stdio: 'ignore' }).status === 0;

describe("containerd's default spec (ctr oci spec)", { skip: skipReason() || (!ctr && 'no ctr (containerd)') }, () => {
  const suite = containerSuite('occ');
  const spec = () => JSON.parse(execFileSync('ctr', ['oci', 'spec'], { encoding: 'utf8' }));

  test('keeps CAP_MKNOD without a user namespace, which needs the device cgroup linuxns does not program: refused by name', () => {
    const s = spec();
    s.process.args = ['true'];
    const r = ociConfig({ ...s, root: { path: suite.fs.root } }, suite.dir);
    assert.equal(r.isErr() && r.error.field, 'process.capabilities.bounding', r.isErr() ? r.error.message : 'taken');
  });

  test('without CAP_MKNOD the rest runs as it is: its /run and /dev/shm tmpfs, its cgroupsPath, noNewPrivileges', async () => {
    const s = spec();
    for (const set of Object.keys(s.process.capabilities)) s.process.capabilities[set] = s.process.capabilities[set].filter((c) => c !== 'CAP_MKNOD');
    s.process.args = ['sh', '-c', 'grep -E "^(NoNewPrivs|CapBnd)" /proc/self/status | tr "\\t" " "; grep -E " /(run|dev/shm) " /proc/self/mountinfo | sed -E "s/^([^ ]+ ){4}([^ ]+) .* - ([^ ]+) .*/\\2 \\3/"'];
    s.linux.cgroupsPath = `/linuxns-ctr-${process.pid}`;
    const c = unwrap(suite.factory.create(suite.id(), unwrap(ociConfig({ ...s, root: { path: suite.fs.root } }, suite.dir))));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.out.split('\n'), ['CapBnd: 00000000a00425fb', 'NoNewPrivs: 1', '/dev/shm tmpfs', '/run tmpfs'], "containerd's capabilities but CAP_MKNOD");
    unwrap(await c.destroy());
    assert.equal(existsSync(V2 ? `/sys/fs/cgroup/linuxns-ctr-${process.pid}` : `/sys/fs/cgroup/pids/linuxns-ctr-${process.pid}`), false);
  });
});

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
    ['linux.resources.devices[1]', (s) => (s.linux.resources = { devices: [{ allow: false, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }] })],
    ['linux.resources.devices[0]', (s) => (s.linux.resources = { devices: [{ allow: true, access: 'rwm' }] })],
    ['linux.resources.devices[0].access', (s) => (s.linux.resources = { devices: [{ allow: false, access: 'x' }] })],
    ['linux.resources.blockIO', (s) => (s.linux.resources = { blockIO: { weight: 10 } })],
    ['linux.intelRdt', (s) => (s.linux.intelRdt = { closID: 'x' })],
    ['root.readonly', (s) => (s.root.readonly = 'yes')],
    ['linux.timeOffsets.monotonic.nanosecs', (s) => (s.linux.namespaces.push({ type: 'time' }), (s.linux.timeOffsets = { monotonic: { secs: 1, nanosecs: 5 } }))],
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
    assert.equal(c.rootfsPropagation, 'rprivate');
    assert.equal(base().linux.rootfsPropagation, undefined);
    assert.equal(unwrap(ociConfig(base(), '/tmp')).rootfsPropagation, 'rslave', "runc's default");
    assert.deepEqual(unwrap(ociProcessConfig({ args: ['true'], user: { umask: 0o77 }, oomScoreAdj: 3 }, false)).user, { umask: 0o77 });
  });
});
