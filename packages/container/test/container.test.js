// Containers as their processes see them (hostname, pid 1, /proc, ids,
// capabilities, rlimits, read-only and overlay roots, cgroup limits), state
// across a new Factory, exec by namespace identity, and destroy leaving
// nothing behind. Real kernel, busybox rootfs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory } from '../dist/index.js';
import { skipReason } from './fixtures/rootfs.js';
import { containerSuite } from './fixtures/suite.js';
import { exists, mountinfo, nsLink, output, pidsIn, PIPE, unwrap } from './fixtures/helpers.js';

const skip = skipReason();
const BASIC = [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'net' }];

describe('containers', { skip }, () => {
  const suite = containerSuite('c');
  const { id } = suite;
  let fs;
  let factory;
  before(() => ({ fs, factory } = suite));

  /** Creates, runs `script` with sh as the init, destroys; its output. */
  async function runSh(script, config = {}, proc = {}) {
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC, ...config }));
    try {
      const r = await output(c.start({ args: ['sh', '-c', script], ...proc }, PIPE));
      return r;
    } finally {
      unwrap(await c.destroy());
    }
  }

  test('the init sees its hostname, is pid 1, and has a /proc of its own', async () => {
    const r = await runSh('hostname; echo $$; ls /proc | grep -c "^[0-9]"; cat /proc/1/comm; true', { hostname: 'box1' });
    assert.equal(r.code, 0);
    const [host, pid, procs, comm] = r.out.split('\n');
    assert.equal(host, 'box1');
    assert.equal(pid, '1');
    assert.ok(Number(procs) <= 3, `only its own processes in /proc, got ${procs}`);
    assert.equal(comm, 'sh');
  });

  test('the root is the busybox tree (pivot_root): no host file is reachable, /dev is minimal, /sys read-only', async () => {
    const r = await runSh('ls /; ls /dev | tr "\\n" " "; grep " /sys " /proc/mounts; grep -c " / " /proc/self/mountinfo');
    const lines = r.out.split('\n');
    assert.ok(!lines.includes('usr') && lines.includes('bin'), r.out);
    assert.match(r.out, /null .*zero|null.*urandom/);
    assert.match(r.out, /sysfs \/sys sysfs ro,/);
  });

  test('a new user namespace shows its mapping, and the init is root in it', async () => {
    const map = [{ containerID: 0, hostID: 200000, size: 65536 }];
    const r = await runSh('cat /proc/self/uid_map; cat /proc/self/gid_map; id -u', {
      rootfs: { path: fs.root, overlay: true },
      namespaces: [...BASIC, { type: 'user' }],
      uidMappings: map,
      gidMappings: map,
    });
    assert.equal(r.code, 0);
    const [uid, gid, me] = r.out.split('\n').map((l) => l.trim().split(/\s+/).join(' '));
    assert.equal(uid, '0 200000 65536');
    assert.equal(gid, '0 200000 65536');
    assert.equal(me, '0');
  });

  test('capabilities to keep: CapEff in /proc/self/status holds exactly those', async () => {
    const r = await runSh('grep -E "^Cap(Eff|Bnd):" /proc/self/status', {}, { capabilities: ['CAP_KILL', 'CAP_NET_BIND_SERVICE'] });
    // CAP_KILL is 5, CAP_NET_BIND_SERVICE 10.
    assert.match(r.out, /CapEff:\s+0000000000000420/);
    assert.match(r.out, /CapBnd:\s+0000000000000420/);
  });

  test('rlimits, user and groups, cwd, env and no_new_privs are what the init sees', async () => {
    const r = await runSh('ulimit -Sn; ulimit -Hn; id -u; id -g; id -G; pwd; echo $FOO; grep NoNewPrivs /proc/self/status', {}, {
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 64, hard: 128 }],
      user: { uid: 1000, gid: 1000, additionalGids: [2000] },
      cwd: '/tmp',
      env: ['PATH=/bin', 'FOO=bar'],
      noNewPrivileges: true,
    });
    const [soft, hard, uid, gid, groups, cwd, foo, nnp] = r.out.split('\n');
    assert.deepEqual([soft, hard, uid, gid, cwd, foo], ['64', '128', '1000', '1000', '/tmp', 'bar']);
    assert.deepEqual(groups.split(' ').sort(), ['1000', '2000']);
    assert.match(nnp, /NoNewPrivs:\s+1/);
  });

  test('a read-only root refuses writes; masked and read-only paths are enforced', async () => {
    const r = await runSh('touch /x 2>/dev/null && echo wrote || echo refused; cat /proc/kcore 2>/dev/null | wc -c; echo 1 > /proc/sys/kernel/hostname 2>/dev/null && echo wrote || echo refused', {
      rootfs: { path: fs.root, readonly: true },
      maskedPaths: ['/proc/kcore', '/proc/keys'],
    });
    const [root1, kcore, sys] = r.out.split('\n').map((l) => l.trim());
    assert.equal(root1, 'refused');
    assert.equal(kcore, '0');
    assert.equal(sys, 'refused');
    assert.equal(existsSync(join(fs.root, 'x')), false);
  });

  test('a writable overlay takes writes that never reach the rootfs and vanish after destroy', async () => {
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root, overlay: { size: 8 << 20 } }, namespaces: BASIC }));
    const r = await output(c.start({ args: ['sh', '-c', 'echo hello > /etc/new && cat /etc/new && rm /bin/ls && ls /bin | grep -c "^ls$"; df /'] }, PIPE));
    assert.equal(r.code, 0);
    assert.match(r.out, /^hello\n0\n/);
    assert.equal(existsSync(join(fs.root, 'etc', 'new')), false, 'the write reached the lower rootfs');
    assert.equal(existsSync(join(fs.root, 'bin', 'ls')), true);
    unwrap(await c.destroy());
    const again = await runSh('cat /etc/new 2>/dev/null || echo gone', { rootfs: { path: fs.root, overlay: true } });
    assert.equal(again.out, 'gone');
  });

  test('extra mounts land inside the rootfs', async () => {
    const r = await runSh('grep " /mnt/t " /proc/mounts; cat /mnt/host-hostname', {
      rootfs: { path: fs.root, overlay: true },
      mounts: [{ destination: '/mnt/t', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] }, { destination: '/mnt/host-hostname', source: '/etc/hostname', options: ['bind', 'ro'] }],
    });
    assert.match(r.out, /^tmpfs \/mnt\/t tmpfs rw,nosuid/);
    assert.equal(r.out.split('\n')[1], readFileSync('/etc/hostname', 'utf8').trim());
  });

  test('the cgroup carries the memory, pids and cpu limits, and holds the init', async () => {
    const c = unwrap(factory.create(id(), {
      rootfs: { path: fs.root }, namespaces: BASIC,
      cgroup: { memory: { limit: 32 << 20 }, pids: { limit: 20 }, cpu: { quota: 50000, period: 100000 } },
    }));
    const init = unwrap(await c.start({ args: ['sleep', '100'] }, { stdio: 'ignore' }));
    const st = unwrap(c.state());
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const read = (ctl, file) => readFileSync(join(st.cgroupPaths.find((p) => v2 || p.includes(`/${ctl}/`)), file), 'utf8').trim();
    assert.equal(read('memory', v2 ? 'memory.max' : 'memory.limit_in_bytes'), String(32 << 20));
    assert.equal(read('pids', 'pids.max'), '20');
    if (v2) assert.equal(read('cpu', 'cpu.max'), '50000 100000');
    else assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
    assert.ok(pidsIn(st.cgroupPaths).includes(init.pid));
    unwrap(await c.destroy());
    for (const p of st.cgroupPaths) assert.equal(exists(p), false, `${p} left`);
  });

  test('destroy returns, and kills everything, when the init left a process holding its piped stdout (no pid namespace)', async () => {
    // The init's exited waits for its stdout to close; here only emptying the cgroup closes it.
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: [{ type: 'mnt' }, { type: 'uts' }] }));
    const init = unwrap(await c.start({ args: ['sh', '-c', 'sleep 100 & echo $!; exec sleep 100'] }, PIPE));
    const st = unwrap(c.state());
    const left = await new Promise((resolve) => init.stdout.setEncoding('utf8').once('data', (d) => resolve(Number(d.trim()))));
    assert.ok(pidsIn(st.cgroupPaths).includes(left), 'the background sleep is in the cgroup');
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 10000, 'destroy still waiting after 10 s')));
    const r = await Promise.race([c.destroy(), late]).finally(() => clearTimeout(timer));
    assert.notEqual(r, 'destroy still waiting after 10 s');
    unwrap(r);
    assert.deepEqual(await init.exited, { code: null, signal: 'SIGKILL' });
    // Killed: gone, or a zombie its new parent (our pid 1, not us) has yet to reap.
    let state = 'gone';
    try {
      const stat = readFileSync(`/proc/${left}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    } catch {
      /* gone */
    }
    assert.ok(state === 'gone' || state === 'Z', `the background sleep was killed (state ${state})`);
  });

  test('the state survives a reload from a new Factory: running, then stopped after a signal from there', async () => {
    const i = id();
    const c = unwrap(factory.create(i, { rootfs: { path: fs.root }, namespaces: BASIC, process: { args: ['sleep', '100'] } }));
    const init = unwrap(await c.start(undefined, { stdio: 'ignore' }));
    const other = unwrap(new Factory(factory.root).load(i));
    const st = unwrap(other.state());
    assert.equal(st.status, 'running');
    assert.equal(st.pid, init.pid);
    assert.equal(st.namespaces.uts, `/proc/${init.pid}/ns/uts`);
    assert.ok(unwrap(new Factory(factory.root).list()).includes(i));
    unwrap(other.signal('SIGKILL'));
    assert.deepEqual(unwrap(await other.wait()), { code: null, signal: null });
    assert.equal(unwrap(c.state()).status, 'stopped');
    assert.deepEqual(unwrap(await c.wait()), { code: null, signal: 'SIGKILL' });
    unwrap(await c.destroy());
  });

  test('exec lands in every namespace of the init (same identities), user namespace included', async () => {
    const map = [{ containerID: 0, hostID: 300000, size: 65536 }];
    const c = unwrap(factory.create(id(), {
      rootfs: { path: fs.root, overlay: true }, namespaces: [...BASIC, { type: 'user' }, { type: 'cgroup' }],
      uidMappings: map, gidMappings: map, hostname: 'exec-box',
    }));
    const init = unwrap(await c.start({ args: ['sleep', '100'] }, { stdio: 'ignore' }));
    const types = ['mnt', 'pid', 'uts', 'ipc', 'net', 'user', 'cgroup'];
    const script = `${types.map((t) => `readlink /proc/self/ns/${t}`).join('; ')}; hostname; cat /proc/1/comm`;
    const r = await output(c.exec({ args: ['sh', '-c', script] }, PIPE));
    const lines = r.out.split('\n');
    types.forEach((t, k) => assert.equal(lines[k], nsLink(init.pid, t), `${t} differs`));
    assert.equal(lines[types.length], 'exec-box');
    assert.equal(lines[types.length + 1], 'sleep', 'pid 1 of its pid namespace is the init');
    // A stdio value spawn refuses at once (a TypeError): the namespace handles exec opened are closed all the same.
    const fds = readdirSync('/proc/self/fd').length;
    assert.throws(() => c.exec({ args: ['true'] }, { stdio: ['bogus'] }), TypeError);
    assert.equal(readdirSync('/proc/self/fd').length, fds, 'exec left namespace fds open');
    unwrap(await c.destroy());
  });

  test('destroy leaves no mount, pin, process, cgroup or state behind', async () => {
    const pins = mkdtempSync(join(tmpdir(), 'linuxns-pins-'));
    const before = mountinfo();
    const c = unwrap(factory.create(id(), {
      rootfs: { path: fs.root, overlay: true }, namespaces: BASIC,
      pins: { net: join(pins, 'net'), uts: join(pins, 'uts') },
    }));
    const init = unwrap(await c.start({ args: ['sh', '-c', 'sleep 100 & sleep 100'] }, { stdio: 'ignore' }));
    const st = unwrap(c.state());
    assert.equal(statSync(join(pins, 'net')).ino, statSync(`/proc/${init.pid}/ns/net`).ino);
    assert.notEqual(mountinfo(), before);
    unwrap(await c.destroy());
    assert.equal(mountinfo(), before, 'a mount was left');
    assert.deepEqual(readdirSync(pins), [], 'a pin file was left');
    assert.equal(exists(`/proc/${init.pid}`), false, 'the init was left');
    assert.deepEqual(pidsIn(st.cgroupPaths), []);
    for (const p of st.cgroupPaths) assert.equal(exists(p), false, `${p} left`);
    assert.equal(exists(c.dir), false);
    assert.equal(factory.load(c.id).isErr() && factory.load(c.id).error.kind, 'container-not-found');
    rmSync(pins, { recursive: true });
  });

  test('a failed start (no such program) runs nothing, leaves the container created, and can be retried', async () => {
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC }));
    const r = await c.start({ args: ['/no/such/program'] }, { stdio: 'ignore' });
    assert.equal(r.isErr() && r.error.kind, 'container-system-error');
    assert.equal(r.error.cause.kind, 'spawn-setup-failed');
    assert.equal(unwrap(c.state()).status, 'created');
    assert.deepEqual(unwrap(await c.run({ args: ['true'] }, { stdio: 'ignore' })), { code: 0, signal: null });
    const again = await c.start({ args: ['true'] });
    assert.equal(again.isErr() && again.error.kind, 'container-wrong-status');
    unwrap(await c.destroy());
  });
});
