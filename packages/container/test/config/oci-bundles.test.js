// OCI configs other than podman's, run through the container package: runc spec's config.json unchanged
// but for its process (and with a time namespace), a pod's namespaces joined by path with sysctls written in
// them (each through Factory.createFromBundle), containerd's default spec (ctr oci spec).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ociConfig } from '../../dist/config/oci-spec.js';
import { skipReason } from '../fixtures/rootfs.js';
import { makeBundle } from '../fixtures/bundle.js';
import { containerSuite } from '../fixtures/suite.js';
import { mountinfo, output, PIPE, unwrap } from '../fixtures/helpers.js';

const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

describe("runc spec's config.json, unchanged but for its process", { skip: skipReason() }, () => {
  const suite = containerSuite('ocr');
  test('runs: its mounts made by the helper in order (no built-in /proc, /dev, /sys), runc\'s devices and links, rslave root', async () => {
    const bundle = makeBundle(join(suite.dir, 'b1'), suite.fs.root, ['sh', '-c', 'ls /dev | tr "\\n" " "; echo; echo "m=$(grep -E "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / " /proc/self/mountinfo | grep -o "master:[0-9]*" | head -1)"; readlink /dev/ptmx']);
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
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

  test("process settings observed inside: scheduler, ioPriority, umask, additionalGids, domainname", async () => {
    const script = 'cut -d" " -f19,41 /proc/self/stat; ionice -p $$; umask; id -G; cat /proc/sys/kernel/domainname';
    const bundle = makeBundle(join(suite.dir, 'proc'), suite.fs.root, ['sh', '-c', script], (spec) => {
      Object.assign(spec.process, { scheduler: { policy: 'SCHED_BATCH', nice: 5 }, ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 6 } });
      spec.process.user = { uid: 0, gid: 0, umask: 0o77, additionalGids: [10, 20] };
      spec.domainname = 'example.org';
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    // /proc/PID/stat: nice (19th) 5, policy (41st) 3, SCHED_BATCH.
    assert.deepEqual(r.out.split('\n'), ['5 3', 'best-effort: prio 6', '0077', '0 10 20', 'example.org']);
    unwrap(await c.destroy());
  });

  test('linux.timeOffsets with nanoseconds, in a new time namespace: written as given, and CLOCK_BOOTTIME (/proc/uptime) ahead by it inside', async () => {
    const bundle = makeBundle(join(suite.dir, 'b2'), suite.fs.root, ['sh', '-c', 'cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime'], (spec) => {
      spec.linux.namespaces.push({ type: 'time' });
      spec.linux.timeOffsets = { monotonic: { secs: 1000, nanosecs: 250000000 }, boottime: { secs: 86400, nanosecs: 500000000 } };
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const before = uptime();
    const r = await output(c.start(undefined, PIPE));
    const after = uptime();
    const [mono, boot, inside] = r.out.split('\n');
    assert.deepEqual([mono, boot].map((l) => l.trim().split(/\s+/).join(' ')), ['monotonic 1000 250000000', 'boottime 86400 500000000']);
    const ahead = Number(inside);
    assert.ok(ahead >= before + 86400.5 - 0.01 && ahead <= after + 86400.5 + 0.01, `uptime inside ${inside}, outside ${before}..${after}: 86400.5 s ahead`);
    unwrap(await c.destroy());
    const whole = unwrap(ociConfig({ ociVersion: '1.0.2', root: { path: suite.fs.root }, linux: { namespaces: [{ type: 'mount' }, { type: 'time' }], timeOffsets: { monotonic: { secs: 3, nanosecs: 0 }, boottime: { secs: -5 } } } }, suite.dir));
    assert.deepEqual(whole.timeOffsets, { monotonic: 3, boottime: -5 }, 'without nanoseconds: whole seconds');
  });
});

describe('namespaces by path, as a pod shares them (net, ipc, uts), with sysctls of the joined ones', { skip: skipReason() }, () => {
  const suite = containerSuite('ocn');
  const pins = ['net', 'ipc', 'uts'].map((t) => `/run/linuxns-oci-${process.pid}-${t}`);
  before(() => {
    for (const p of pins) writeFileSync(p, '');
    execFileSync('unshare', [`--net=${pins[0]}`, `--ipc=${pins[1]}`, `--uts=${pins[2]}`, 'true']);
  });
  after(() => {
    for (const p of pins) {
      spawnSync('umount', [p]);
      spawnSync('rm', ['-f', p]);
    }
  });

  test('the container is in the pinned namespaces, and its sysctls are written there', async () => {
    const bundle = makeBundle(join(suite.dir, 'pod'), suite.fs.root, ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmni; stat -L -c %i /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/uts'], (spec) => {
      const byType = { network: pins[0], ipc: pins[1], uts: pins[2] };
      spec.linux.namespaces = spec.linux.namespaces.map((n) => (byType[n.type] ? { type: n.type, path: byType[n.type] } : n));
      spec.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel.msgmni': '123' };
      delete spec.hostname; // a joined uts namespace keeps its own name (runc refuses a hostname there)
    });
    const c = unwrap(suite.factory.createFromBundle(suite.id(), bundle));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0, r.out);
    const inodes = pins.map((p) => String(statSync(p).ino));
    assert.deepEqual(r.out.split('\n'), ['1', '123', ...inodes]);
    unwrap(await c.destroy());
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1' && readFileSync('/proc/sys/kernel/msgmni', 'utf8').trim() === '123', false, "the host's own values are not the ones written");
  });
});

const ctr = spawnSync('sh', ['-c', 'command -v ctr'], { stdio: 'ignore' }).status === 0;

describe("containerd's default spec (ctr oci spec)", { skip: skipReason() || (!ctr && 'no ctr (containerd)') }, () => {
  const suite = containerSuite('occ');
  const spec = () => JSON.parse(execFileSync('ctr', ['oci', 'spec'], { encoding: 'utf8' }));

  test('keeps CAP_MKNOD without a user namespace: taken where the v1 devices controller enforces the device rules (runc\'s), refused by name otherwise', async () => {
    const s = spec();
    s.process.args = ['sh', '-c', 'grep CapBnd /proc/self/status | tr "\\t" " "; mknod /mnt/vda b 254 0 && echo made; head -c 0 /mnt/vda 2>&1'];
    s.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'tmpfs' }); // a tmpfs without nodev, where a node opens
    s.linux.cgroupsPath = `/linuxns-ctrmk-${process.pid}`;
    const r = ociConfig({ ...s, root: { path: suite.fs.root } }, suite.dir);
    if (V2) {
      assert.equal(r.isErr() && r.error.field, 'process.capabilities.bounding', r.isErr() ? r.error.message : 'taken');
      return;
    }
    const c = unwrap(suite.factory.create(suite.id(), unwrap(r)));
    const o = await output(c.start(undefined, PIPE));
    const [bnd, made, open] = o.out.split('\n');
    assert.deepEqual([bnd, made], ['CapBnd: 00000000a80425fb', 'made'], "containerd's capabilities, CAP_MKNOD with them: a node of any device can be made (runc's c/b *:* m rule)");
    assert.match(open, /Operation not permitted/, 'but a device no rule allows cannot be opened: the devices controller denies it');
    assert.match(readFileSync(`/sys/fs/cgroup/devices/linuxns-ctrmk-${process.pid}/devices.list`, 'utf8'), /^c 1:3 rwm$/m);
    unwrap(await c.destroy());
    assert.equal(existsSync(`/sys/fs/cgroup/devices/linuxns-ctrmk-${process.pid}`), false);
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
