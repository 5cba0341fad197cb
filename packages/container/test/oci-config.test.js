// The whole OCI config that podman generates, run through the container package: a config.json made by
// podman on this machine at run time (config/podman.js), its root.path pointed at the test's busybox tree,
// converted by ociConfig, created and started by a Factory, and each of its settings observed from inside
// (seccomp in force, sysctls, /dev, single-file binds, mount options, umask, oom_score_adj, personality,
// the cgroup) and outside (the cgroup's limits); then nothing left behind. Other engines' configs:
// config/oci-bundles.test.js; the refusals, field by field: config/oci-refusals.test.js.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ociConfig } from '../dist/config/oci-spec.js';
import { podmanConfig, podmanSkip } from './config/podman.js';
import { skipReason } from './fixtures/rootfs.js';
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

  test('createFromBundle of it unchanged but for root.path, started: every setting observed inside and out, and nothing left', async () => {
    const { spec, id } = made;
    const fds = fdCount();
    const kids = children();
    // The bundle: podman's config.json with root.path pointed at the busybox tree, nothing else changed.
    const bundle = join(suite.dir, 'podman-bundle');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ...spec, root: { path: suite.fs.root } }));
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
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

  test('a podman config with --memory (podman adds memory.swap): its limit and memory+swap taken as runc writes them', () => {
    const spec = structuredClone(made.spec);
    spec.linux.resources.memory = { limit: 67108864, swap: 134217728 };
    const r = ociConfig({ ...spec, root: { path: suite.fs.root } }, suite.dir);
    const memsw = V2 || existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
    if (memsw) assert.deepEqual(unwrap(r).cgroup.memory, { limit: 67108864, swap: 134217728 });
    // Without swap accounting runc fails writing memory.memsw.limit_in_bytes; linuxns says so before anything is made.
    else assert.equal(r.isErr() && r.error.field, 'linux.resources.memory.swap', r.isErr() ? r.error.message : 'taken');
  });
});
