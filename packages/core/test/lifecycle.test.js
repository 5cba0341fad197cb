// Namespace lifecycle (issue 5, library part): pin/unpin of every type,
// named network namespaces interoperating with iproute2 both ways, and
// mountIn/umountIn inside another process's mount namespace. Real kernel,
// real tools; identities by inode.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  addNetns,
  deleteNetns,
  listNetns,
  mountIn,
  NamespacePool,
  openNamespace,
  openNetns,
  pin,
  spawn,
  umountIn,
  unpin,
} from '../dist/index.js';
import { errorOf, inoOf, processCounts, sleep, tempDir, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'pins, named netns and mounts in other namespaces need root' : false;
const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

/** A `sleep` in new namespaces of every type, root inside a 65536-id user namespace; `stop()` ends it. */
async function sleeper(create = TYPES, extra = {}) {
  const child = unwrap(await spawn('sleep', ['60'], { create, ...(create.includes('user') ? { uidMappings: MAP, gidMappings: MAP } : {}), stdio: 'ignore', ...extra }));
  // The pid is the command's once spawn resolves; wait until it runs sleep (not the helper any more).
  for (let i = 0; i < 200 && !readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').startsWith('sleep'); i++) await sleep(5);
  return {
    pid: child.pid,
    async stop() {
      child.kill('SIGKILL');
      await child.exited;
    },
  };
}

const link = (pid, file) => readlinkSync(`/proc/${pid}/ns/${file}`);
const ipNetnsList = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]).filter(Boolean);

describe('pin and unpin', { skip: notRoot }, () => {
  let tmp;
  before(() => {
    tmp = tempDir('linuxns-lifecycle-');
  });
  after(() => tmp.remove());

  test('every type of a process pins by inode, outlives the process, and unpins', async () => {
    const p = await sleeper();
    const pins = {};
    try {
      for (const type of TYPES) {
        const path = `${tmp.dir}/all/${type}/ns`; // parents created by pin
        unwrap(pin({ pid: p.pid, type }, path));
        pins[type] = path;
        const h = unwrap(openNamespace(path, type));
        assert.equal(h.ino, inoOf(link(p.pid, type)), `${type}: the pin is not the process's namespace`);
        h.close();
      }
    } finally {
      await p.stop();
    }
    // The process is gone; every pinned namespace lives on (pid included: the namespace, not its processes).
    for (const type of TYPES) {
      const h = unwrap(openNamespace(pins[type], type));
      assert.equal(h.type, type);
      h.close();
      unwrap(unpin(pins[type]));
      assert.equal(existsSync(pins[type]), false, `${type}: unpin left the file`);
    }
  });

  test('forChildren pins pid_for_children and time_for_children (a process whose children are in new ones)', async () => {
    // unshare --fork stays in the old pid and time namespaces; its child, sleep, is in the new ones.
    // (A pid namespace cannot be opened before its first process exists: hence the fork.)
    const child = unwrap(await spawn('unshare', ['--pid', '--time', '--fork', 'sleep', '60'], { stdio: 'ignore' }));
    try {
      const children = () => readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'latin1').trim();
      for (let i = 0; i < 200 && children() === ''; i++) await sleep(5);
      for (const type of ['pid', 'time']) {
        const forChildren = `${type}_for_children`;
        assert.notEqual(link(child.pid, type), link(child.pid, forChildren), `${type}: unshare made no new namespace for children`);
        const path = `${tmp.dir}/children/${type}`;
        unwrap(pin({ pid: child.pid, type, forChildren: true }, path));
        const h = unwrap(openNamespace(path, type));
        assert.equal(h.ino, inoOf(link(child.pid, forChildren)));
        assert.equal(h.ino, inoOf(link(Number(children()), type)), `${type}: not the namespace the child is in`);
        h.close();
        unwrap(unpin(path));
      }
    } finally {
      child.kill('SIGKILL');
      await child.exited;
    }
  });

  test('an existing empty file is used; a non-empty file, a directory or an existing pin are refused and left alone', () => {
    mkdirSync(`${tmp.dir}/files`);
    const empty = `${tmp.dir}/files/empty`;
    writeFileSync(empty, '');
    unwrap(pin({ pid: process.pid, type: 'uts' }, empty));
    assert.equal(inoOf(link('self', 'uts')), unwrap(openNamespace(empty, 'uts')).ino);

    const again = errorOf(pin({ pid: process.pid, type: 'net' }, empty), 'already-exists');
    assert.match(again.message, /pinned there already/);
    assert.equal(unwrap(openNamespace(empty)).type, 'uts', 'the existing pin was changed');
    unwrap(unpin(empty));

    const full = `${tmp.dir}/files/full`;
    writeFileSync(full, 'data');
    assert.match(errorOf(pin({ pid: process.pid, type: 'uts' }, full), 'already-exists').message, /not empty/);
    assert.equal(readFileSync(full, 'utf8'), 'data');
    errorOf(pin({ pid: process.pid, type: 'uts' }, `${tmp.dir}/files`), 'already-exists');
  });

  test('bad input leaves nothing behind: relative path, missing pid, a file as parent directory; unpin of what is no pin', () => {
    const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
    errorOf(pin({ pid: process.pid, type: 'net' }, 'relative/net'), 'invalid-target');
    errorOf(pin({ pid: 0x3ffffff0, type: 'net' }, `${tmp.dir}/nopid/a/net`), 'no-such-process');
    assert.equal(existsSync(`${tmp.dir}/nopid`), false, 'directories made for a failed pin');
    writeFileSync(`${tmp.dir}/plainfile`, 'x');
    const e = errorOf(pin({ pid: process.pid, type: 'net' }, `${tmp.dir}/plainfile/sub/net`), 'syscall-failed');
    assert.equal(e.code, 'ENOTDIR');
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore);

    errorOf(unpin(`${tmp.dir}/plainfile`), 'not-pinned');
    errorOf(unpin('/proc/self/ns/net'), 'not-pinned');
    errorOf(unpin(`${tmp.dir}/missing`), 'not-found');
    assert.throws(() => pin({ pid: process.pid, type: 'netns' }, `${tmp.dir}/x`), TypeError);
    assert.throws(() => pin({ pid: -1, type: 'net' }, `${tmp.dir}/x`), RangeError);
    assert.throws(() => pin(null, `${tmp.dir}/x`), TypeError);
  });

  test("the caller's own mount namespace cannot be pinned inside itself: a clear error before anything is created", () => {
    const e = errorOf(pin({ pid: process.pid, type: 'mnt' }, `${tmp.dir}/own/mnt`), 'invalid-target');
    assert.match(e.message, /own mount namespace/);
    assert.equal(existsSync(`${tmp.dir}/own`), false);
  });

  test('a device node is refused without being opened; unpin of a symlink to a pin leaves the pin alone', () => {
    assert.match(errorOf(pin({ pid: process.pid, type: 'uts' }, '/dev/null'), 'already-exists').message, /not a regular file/);
    const real = `${tmp.dir}/linked/uts`;
    unwrap(pin({ pid: process.pid, type: 'uts' }, real));
    symlinkSync(real, `${tmp.dir}/linked/alias`);
    errorOf(unpin(`${tmp.dir}/linked/alias`), 'not-pinned');
    assert.equal(unwrap(openNamespace(real, 'uts')).type, 'uts', 'the pin behind the symlink was undone');
    unlinkSync(`${tmp.dir}/linked/alias`);
    unwrap(unpin(real));
  });

  test('a mount namespace pinned under a shared mount: a plain directory is made a private mount; a shared mount point gets an error that says what to do', async () => {
    // The shared mount exists before the sleeper copies our mounts, and its copy stays a peer
    // (propagation unchanged): a pin made under it would propagate into the pinned namespace.
    const shared = tmp.shared('shared');
    const p = await sleeper(['mnt'], { mountPropagation: 'unchanged' });
    try {
      const mountsBefore = readFileSync('/proc/self/mountinfo', 'utf8');
      const e = errorOf(pin({ pid: p.pid, type: 'mnt' }, `${shared}/mnt`), 'syscall-failed');
      assert.equal(e.code, 'EINVAL');
      assert.match(e.message, /util-linux#289.*make-private/);
      assert.equal(existsSync(`${shared}/mnt`), false);
      assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), mountsBefore);

      // A plain directory inside the shared mount: made a private bind of itself, then pinned.
      mkdirSync(`${shared}/plain`);
      unwrap(pin({ pid: p.pid, type: 'mnt' }, `${shared}/plain/mnt`));
      assert.equal(unwrap(openNamespace(`${shared}/plain/mnt`, 'mnt')).ino, inoOf(link(p.pid, 'mnt')));
      unwrap(unpin(`${shared}/plain/mnt`));
    } finally {
      await p.stop();
    }
  });

  test('the same under a shared mount whose path is not ASCII (mountinfo is read as UTF-8, as node:fs names paths)', async () => {
    const shared = tmp.shared('partagé');
    const p = await sleeper(['mnt'], { mountPropagation: 'unchanged' });
    try {
      const e = errorOf(pin({ pid: p.pid, type: 'mnt' }, `${shared}/mnt`), 'syscall-failed');
      assert.match(e.message, /util-linux#289.*make-private/);
      mkdirSync(`${shared}/dossier-à-part`);
      unwrap(pin({ pid: p.pid, type: 'mnt' }, `${shared}/dossier-à-part/mnt`));
      assert.equal(unwrap(openNamespace(`${shared}/dossier-à-part/mnt`, 'mnt')).ino, inoOf(link(p.pid, 'mnt')));
      unwrap(unpin(`${shared}/dossier-à-part/mnt`));
    } finally {
      await p.stop();
    }
  });
});

describe('named network namespaces, both ways with iproute2', { skip: notRoot }, () => {
  const name = `linuxns-t${process.pid}`;
  const theirs = `linuxns-ip${process.pid}`;
  after(() => {
    for (const n of [name, theirs]) if (existsSync(`/run/netns/${n}`)) execFileSync('ip', ['netns', 'delete', n]);
  });

  test('addNetns is seen by ip netns list and ip netns exec; listNetns, openNetns and deleteNetns agree', async () => {
    const h = unwrap(await addNetns(name));
    try {
      assert.ok(ipNetnsList().includes(name), 'ip netns list does not show it');
      const inside = execFileSync('ip', ['netns', 'exec', name, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim();
      assert.equal(inoOf(inside), h.ino);
      const listed = unwrap(listNetns()).find((n) => n.name === name);
      assert.equal(listed?.ino, h.ino);
      assert.equal(listed.path, `/run/netns/${name}`);
      const o = unwrap(openNetns(name));
      assert.ok(o.equals(h));
      o.close();
      // /run/netns is an rshared mount, as iproute2 makes it.
      assert.equal(execFileSync('findmnt', ['-n', '-o', 'PROPAGATION', '/run/netns'], { encoding: 'utf8' }).trim(), 'shared');
      errorOf(await addNetns(name), 'already-exists');
    } finally {
      h.close();
    }
    unwrap(deleteNetns(name));
    assert.ok(!ipNetnsList().includes(name));
    assert.equal(existsSync(`/run/netns/${name}`), false);
    errorOf(deleteNetns(name), 'not-found');
  });

  test('a namespace made by ip netns add opens by name, is listed, and is deleted for ip too', () => {
    execFileSync('ip', ['netns', 'add', theirs]);
    const inside = execFileSync('ip', ['netns', 'exec', theirs, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim();
    const h = unwrap(openNetns(theirs));
    assert.equal(h.ino, inoOf(inside));
    h.close();
    assert.equal(unwrap(listNetns()).find((n) => n.name === theirs)?.ino, inoOf(inside));
    const ours = unwrap(listNetns()).map((n) => n.name);
    for (const n of ours) assert.ok(ipNetnsList().includes(n), `${n}: listed by us, not by ip`);
    unwrap(deleteNetns(theirs));
    assert.ok(!ipNetnsList().includes(theirs));
  });

  test('a stale entry (an empty file, nothing mounted) is deleted as ip netns delete deletes it', () => {
    const stale = `linuxns-stale-${process.pid}`;
    writeFileSync(`/run/netns/${stale}`, '');
    errorOf(openNetns(stale), 'not-a-namespace');
    unwrap(deleteNetns(stale));
    assert.equal(existsSync(`/run/netns/${stale}`), false);
    // A file with content is not ours to remove.
    writeFileSync(`/run/netns/${stale}`, 'data');
    errorOf(deleteNetns(stale), 'not-pinned');
    assert.equal(readFileSync(`/run/netns/${stale}`, 'utf8'), 'data');
    unlinkSync(`/run/netns/${stale}`);
  });

  test('opening a missing name never creates one; bad names are refused', async () => {
    errorOf(openNetns(`linuxns-missing-${process.pid}`), 'not-found');
    assert.equal(existsSync(`/run/netns/linuxns-missing-${process.pid}`), false);
    for (const bad of ['', '.', '..', 'a/b', '../etc', 'x'.repeat(255)]) {
      errorOf(await addNetns(bad), 'invalid-target');
      errorOf(openNetns(bad), 'invalid-target');
      errorOf(deleteNetns(bad), 'invalid-target');
    }
    assert.throws(() => openNetns(7), TypeError);
  });
});

describe('mountIn and umountIn', { skip: notRoot }, () => {
  let tmp;
  let p;
  let before_;
  before(async () => {
    tmp = tempDir('linuxns-mountin-');
    mkdirSync(`${tmp.dir}/src`);
    writeFileSync(`${tmp.dir}/src/hello`, 'hello\n');
    p = await sleeper(['mnt']);
    // The first call makes the shared pool (threads, their fds): count after it.
    unwrap(await umountIn(p.pid, '/no/such/path'));
    before_ = { mountinfo: readFileSync('/proc/self/mountinfo', 'utf8'), fds: processCounts().fds };
  });
  after(async () => {
    await p.stop();
    tmp.remove();
  });

  const inside = (...cmd) => execFileSync('nsenter', ['-t', String(p.pid), '-m', ...cmd], { encoding: 'utf8' });
  const mountedInside = (path) => inside('cat', '/proc/self/mountinfo').split('\n').some((l) => l.split(' ')[4] === path);

  test('a bind mount inside the process, read-only when asked, unmounted again; the caller untouched', async () => {
    unwrap(await mountIn(p.pid, `${tmp.dir}/src`, '/mnt', { readOnly: true }));
    assert.ok(mountedInside('/mnt'));
    assert.equal(inside('cat', '/mnt/hello'), 'hello\n');
    assert.throws(() => inside('touch', '/mnt/new'), /Read-only file system/);
    const r = unwrap(await umountIn(p.pid, ['/mnt', '/mnt', '/no/such/path']));
    assert.deepEqual(r, { unmounted: ['/mnt'], notMounted: ['/mnt', '/no/such/path'] });
    assert.ok(!mountedInside('/mnt'));
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before_.mountinfo, "the caller's mount table changed");
  });

  test('read-only with recursive applies to submounts too', async () => {
    const src = `${tmp.dir}/rec`;
    mkdirSync(`${src}/sub`, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'linuxns-rec-sub', `${src}/sub`]);
    try {
      unwrap(await mountIn(p.pid, src, '/mnt', { readOnly: true, recursive: true, sourceInCaller: true }));
      assert.throws(() => inside('touch', '/mnt/sub/x'), /Read-only file system/);
      unwrap(await umountIn(p.pid, ['/mnt/sub', '/mnt']));
    } finally {
      execFileSync('umount', [`${src}/sub`]);
    }
  });

  test('a closed pool throws at once and leaks nothing', async () => {
    const pool = new NamespacePool({ threads: 1 });
    await pool.close();
    const fds = processCounts().fds;
    assert.throws(() => mountIn(p.pid, `${tmp.dir}/src`, '/mnt', { pool, sourceInCaller: true }), TypeError);
    assert.throws(() => umountIn(p.pid, '/mnt', { pool }), TypeError);
    assert.throws(() => mountIn(p.pid, `${tmp.dir}/src`, '/mnt', { pool: {} }), TypeError);
    assert.equal(processCounts().fds, fds);
  });

  test('a locked mount (inherited by a namespace of a less privileged user namespace) is an error, not "not mounted"', async () => {
    const locked = unwrap(await spawn('sleep', ['60'], { create: ['user', 'mnt'], mapRootUser: true, stdio: 'ignore' }));
    try {
      for (let i = 0; i < 200 && !readFileSync(`/proc/${locked.pid}/cmdline`, 'latin1').startsWith('sleep'); i++) await sleep(5);
      const e = errorOf(await umountIn(locked.pid, '/proc'), 'syscall-failed');
      assert.equal(e.code, 'EINVAL');
      assert.match(e.message, /cannot be unmounted/);
      assert.deepEqual(unwrap(await umountIn(locked.pid, '/no/such/mount')).notMounted, ['/no/such/mount']);
    } finally {
      locked.kill('SIGKILL');
      await locked.exited;
    }
  });

  test('sourceInCaller: a source only the caller sees (a tmpfs mounted after the process made its namespace)', async () => {
    const only = `${tmp.dir}/only-here`;
    mkdirSync(only);
    execFileSync('mount', ['-t', 'tmpfs', 'linuxns-only-here', only]);
    writeFileSync(`${only}/mark`, 'caller\n');
    try {
      assert.throws(() => inside('cat', `${only}/mark`), 'the process already sees the tmpfs');
      unwrap(await mountIn(p.pid, only, '/mnt', { sourceInCaller: true }));
      assert.equal(inside('cat', '/mnt/mark'), 'caller\n');
      unwrap(await umountIn(p.pid, '/mnt'));
    } finally {
      execFileSync('umount', [only]);
    }
  });

  test('by a pinned mount namespace and by handle; bad input gives clear errors and mounts nothing', async () => {
    const pinned = `${tmp.dir}/pins/mnt`;
    unwrap(pin({ pid: p.pid, type: 'mnt' }, pinned));
    try {
      unwrap(await mountIn(pinned, `${tmp.dir}/src`, '/mnt'));
      assert.ok(mountedInside('/mnt'));
      const h = unwrap(openNamespace(pinned, 'mnt'));
      unwrap(await umountIn(h, '/mnt'));
      h.close();
    } finally {
      unwrap(unpin(pinned));
    }
    errorOf(await mountIn(process.pid, `${tmp.dir}/src`, '/mnt'), 'invalid-target');
    errorOf(await umountIn(process.pid, '/mnt'), 'invalid-target');
    errorOf(await mountIn(0x3ffffff0, `${tmp.dir}/src`, '/mnt'), 'no-such-process');
    errorOf(await mountIn(p.pid, `${tmp.dir}/src`, '/no/such/destination'), 'not-found');
    errorOf(await mountIn(p.pid, '/no/such/source', '/mnt'), 'not-found');
    errorOf(await mountIn(p.pid, '/no/such/source', '/mnt', { sourceInCaller: true }), 'not-found');
    const net = unwrap(openNamespace('/proc/self/ns/net'));
    errorOf(await mountIn(net, `${tmp.dir}/src`, '/mnt'), 'wrong-namespace-type');
    net.close();
    assert.throws(() => mountIn(p.pid, 'relative', '/mnt'), TypeError);
    assert.ok(!mountedInside('/mnt'), 'a failed mountIn left a mount inside');
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before_.mountinfo, "the caller's mount table changed");
    assert.equal(processCounts().fds, before_.fds, 'fds leaked');
  });
});
