// spawn's `pin` against the real kernel: every type of new namespace outlives
// its command on a bind mount (compared by inode with what the command saw in
// /proc/self/ns, and entered with util-linux's nsenter), unpinNamespace undoes
// it, and every failure leaves no mount, no file and no process behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { openNamespace, spawn, unpinNamespace } from '../dist/index.js';
import { errorOf, inoOf, mountPointsUnder, sleep, tempDir, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'pinning namespaces needs root';

const TYPES = ['net', 'uts', 'ipc', 'mnt', 'cgroup', 'user', 'pid', 'time'];
const NSENTER = { net: '--net', uts: '--uts', ipc: '--ipc', mnt: '--mount', cgroup: '--cgroup', user: '--user', time: '--time' };
/** What a new namespace of `type` needs besides `create`. */
const EXTRA = { user: { mapRootUser: true } };

/** Runs `sh -c script` through spawn; its stdout, trimmed, and how it ended. */
async function sh(script, options) {
  const child = unwrap(await spawn('sh', ['-c', script], { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const status = await child.exited;
  await finished(child.stdout);
  return { out: out.trim(), ...status };
}

/** Processes whose parent is this one. */
function children() {
  const kids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) kids.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return kids;
}

const mountinfo = () => readFileSync('/proc/self/mountinfo', 'utf8');
/**
 * The mount table lines at or under this file's temp dir: every pin the tests make is there, and
 * other test files (or tools) mounting elsewhere at the same time must not make these checks fail.
 */
const ourMounts = () =>
  mountinfo()
    .split('\n')
    .filter((l) => {
      const at = l.split(' ')[4];
      return at !== undefined && (at === tmp.dir || at.startsWith(`${tmp.dir}/`));
    });

/** The inode of the namespace pinned at `path`, through openNamespace (it fails on anything but a namespace of `type`). */
function pinnedIno(path, type) {
  const h = unwrap(openNamespace(path, type));
  try {
    return h.ino;
  } finally {
    h.close();
  }
}

/** Asserts that `before` (mountinfo, children, files of `dir`) is what there is now, once the helper's pipes settle. */
async function assertNothingLeft(before, dir, what) {
  const deadline = Date.now() + 1000;
  for (;;) {
    const now = { mounts: ourMounts(), kids: children(), files: readdirSync(dir).sort() };
    try {
      assert.deepEqual(now, before, `${what} left something behind`);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await sleep(10);
  }
}
const stateOf = (dir) => ({ mounts: ourMounts(), kids: children(), files: readdirSync(dir).sort() });

let tmp;
before(() => {
  if (!notRoot) tmp = tempDir('linuxns-spawn-pin-');
});
after(() => tmp?.remove());

describe('spawn pin', { skip: notRoot }, () => {
  for (const type of TYPES) {
    test(`a new ${type} namespace outlives its command on the pin, with the inode the command saw; unpinNamespace removes it`, async () => {
      const path = `${tmp.dir}/${type}`;
      const r = await sh(`readlink /proc/self/ns/${type}`, { create: [type], ...EXTRA[type], pin: { [type]: path } });
      assert.equal(r.code, 0);
      const seen = inoOf(r.out);
      // The command is gone (and for pid and time, the only process of its namespace): the pin keeps the namespace.
      assert.equal(pinnedIno(path, type), seen);
      assert.ok(mountPointsUnder(tmp.dir).includes(path));
      assert.match(mountinfo(), new RegExp(` ${type}:\\[${seen}\\] ${path} .* - nsfs `));
      if (NSENTER[type]) {
        // util-linux enters the pin as it enters its own (a dead pid namespace admits no new process: not pid).
        const theirs = execFileSync('nsenter', [`${NSENTER[type]}=${path}`, 'readlink', `/proc/self/ns/${type}`], { encoding: 'utf8' }).trim();
        assert.equal(inoOf(theirs), seen);
      }
      unwrap(unpinNamespace(path));
      assert.equal(existsSync(path), false);
      assert.deepEqual(mountPointsUnder(tmp.dir), []);
    });
  }

  test('pid and time pins are the namespaces the command is in (its ns/pid and ns/time), not the caller’s', async () => {
    const pins = { pid: `${tmp.dir}/all-pid`, time: `${tmp.dir}/all-time`, user: `${tmp.dir}/all-user`, mnt: `${tmp.dir}/all-mnt`, net: `${tmp.dir}/all-net` };
    const r = await sh('readlink /proc/self/ns/pid /proc/self/ns/time /proc/self/ns/user /proc/self/ns/mnt /proc/self/ns/net; echo $$', {
      create: ['user', 'pid', 'time', 'mnt', 'net'],
      mapRootUser: true,
      pin: pins,
    });
    const [pid, time, user, mnt, net, inner] = r.out.split('\n');
    assert.equal(inner, '1');
    assert.deepEqual(
      { pid: pinnedIno(pins.pid, 'pid'), time: pinnedIno(pins.time, 'time'), user: pinnedIno(pins.user, 'user'), mnt: pinnedIno(pins.mnt, 'mnt'), net: pinnedIno(pins.net, 'net') },
      { pid: inoOf(pid), time: inoOf(time), user: inoOf(user), mnt: inoOf(mnt), net: inoOf(net) },
    );
    assert.notEqual(inoOf(pid), inoOf(readlinkSync('/proc/self/ns/pid')));
    for (const p of Object.values(pins)) unwrap(unpinNamespace(p));
    assert.deepEqual(mountPointsUnder(tmp.dir), []);
  });

  test('the pins exist as soon as spawn resolves, and signals still reach the command through the pin keeper', async () => {
    const path = `${tmp.dir}/early`;
    const child = unwrap(await spawn('sleep', ['30'], { create: ['net'], pin: { net: path }, stdio: 'ignore' }));
    try {
      assert.equal(pinnedIno(path, 'net'), inoOf(readlinkSync(`/proc/${child.pid}/ns/net`)));
    } finally {
      child.kill('SIGTERM');
    }
    assert.deepEqual(await child.exited, { code: null, signal: 'SIGTERM' });
    unwrap(unpinNamespace(path));
  });

  test('killing the helper with SIGKILL, which the keeper cannot forward, still ends the command; the pin stays', async () => {
    const path = `${tmp.dir}/killed`;
    const child = unwrap(await spawn('sleep', ['30'], { create: ['net'], pin: { net: path }, stdio: 'ignore' }));
    const ino = inoOf(readlinkSync(`/proc/${child.pid}/ns/net`));
    child.kill('SIGKILL');
    assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' });
    const state = () => {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2)[0];
      } catch {
        return 'gone';
      }
    };
    for (let i = 0; i < 200 && !['Z', 'gone'].includes(state()); i++) await sleep(10);
    assert.ok(['Z', 'gone'].includes(state()), `the command ${child.pid} still runs (state ${state()})`);
    assert.equal(pinnedIno(path, 'net'), ino);
    unwrap(unpinNamespace(path));
  });

  test('an existing empty file is pinned as util-linux pins it, and either pin is undone by unpinNamespace', async () => {
    const ours = `${tmp.dir}/existing`;
    writeFileSync(ours, '');
    const r = await sh('readlink /proc/self/ns/net', { create: ['net'], pin: { net: ours } });
    assert.equal(pinnedIno(ours, 'net'), inoOf(r.out));
    // util-linux 2.38 wants the file to exist; its pin looks like ours in mountinfo and unpins the same way.
    const theirs = `${tmp.dir}/util-linux`;
    writeFileSync(theirs, '');
    execFileSync('unshare', [`--net=${theirs}`, 'true']);
    // Device, options and filesystem of the mount ("0:4 ... rw - nsfs nsfs rw"): all but ids, root and mount point.
    const shape = (p) => {
      const f = mountinfo().split('\n').find((l) => l.split(' ')[4] === p).split(' ');
      return [f[2], ...f.slice(5)].join(' ');
    };
    assert.equal(shape(ours), shape(theirs));
    assert.match(shape(ours), / - nsfs /);
    unwrap(unpinNamespace(ours));
    unwrap(unpinNamespace(theirs));
    assert.deepEqual(mountPointsUnder(tmp.dir), []);
  });

  test('options that cannot be pinned are refused before anything starts', async () => {
    const before = stateOf(tmp.dir);
    const p = `${tmp.dir}/never`;
    assert.equal(errorOf(await spawn('true', [], { create: ['net'], pin: { uts: p } }), 'invalid-option').option, 'pin');
    assert.match(errorOf(await spawn('true', [], { create: ['net'], pin: { net: 'relative/net' } }), 'invalid-option').message, /"relative\/net"/);
    errorOf(await spawn('true', [], { create: ['net'], pin: { net: '' } }), 'invalid-option');
    errorOf(await spawn('true', [], { create: ['net', 'uts'], pin: { net: p, uts: p } }), 'invalid-option');
    errorOf(await spawn('true', [], { join: { net: '/proc/self/ns/net' }, pin: { net: p } }), 'invalid-option');
    errorOf(await spawn('true', [], { create: ['net'], pin: { network: p } }), 'unknown-namespace-type');
    assert.throws(() => spawn('true', [], { create: ['net'], pin: [['net', p]] }), TypeError);
    await assertNothingLeft(before, tmp.dir, 'a refused pin');
  });

  test('a pin whose directory does not exist fails at step pin (ENOENT), after the pins before it were undone', async () => {
    const before = stateOf(tmp.dir);
    const e = errorOf(
      await spawn('touch', [`${tmp.dir}/ran`], { create: ['net', 'uts', 'ipc'], pin: { net: `${tmp.dir}/first`, uts: `${tmp.dir}/second`, ipc: `${tmp.dir}/missing/ipc` } }),
      'spawn-setup-failed',
    );
    assert.deepEqual([e.step, e.syscall, e.code], ['pin', 'open', 'ENOENT']);
    assert.match(e.message, /directory of a pin path does not exist/);
    await assertNothingLeft(before, tmp.dir, 'a pin that failed mid-way');
  });

  test('a path that is already a pin is refused with EBUSY; the pin there and its file stay as they were', async () => {
    const path = `${tmp.dir}/busy`;
    const first = await sh('readlink /proc/self/ns/uts', { create: ['uts'], pin: { uts: path } });
    const before = stateOf(tmp.dir);
    const e = errorOf(await spawn('true', [], { create: ['uts', 'net'], pin: { net: `${tmp.dir}/busy-net`, uts: path } }), 'spawn-setup-failed');
    assert.deepEqual([e.step, e.syscall, e.code], ['pin', 'mount', 'EBUSY']);
    assert.match(e.message, /already a mount point/);
    await assertNothingLeft(before, tmp.dir, 'a busy pin');
    assert.equal(pinnedIno(path, 'uts'), inoOf(first.out));
    unwrap(unpinNamespace(path));
  });

  test('a step that fails after the pins (exec, cwd) undoes them: no mount, no file it created, an existing file kept', async () => {
    const existing = `${tmp.dir}/kept`;
    writeFileSync(existing, '');
    const before = stateOf(tmp.dir);
    for (const [command, extra, step] of [
      [`${tmp.dir}/no-such-command`, {}, 'exec'],
      ['true', { cwd: `${tmp.dir}/nowhere` }, 'cwd'],
      [`${tmp.dir}/no-such-command`, { create: ['pid', 'net', 'user'], mapRootUser: true }, 'exec'],
    ]) {
      const create = extra.create ?? ['net'];
      const pin = Object.fromEntries(create.map((t, i) => [t, i === 0 ? existing : `${tmp.dir}/made-${t}`]));
      const e = errorOf(await spawn(command, [], { create, ...extra, pin, stdio: 'ignore' }), 'spawn-setup-failed');
      assert.equal(e.step, step);
      await assertNothingLeft(before, tmp.dir, `a failed ${step} after pinning ${create}`);
    }
    assert.equal(statSync(existing).size, 0);
  });

  test('a mnt pin on a shared mount works with the default private propagation (util-linux fails there), and fails with EINVAL when its namespace would receive it', async () => {
    const shared = tmp.shared('shared');
    const theirs = `${shared}/util-linux`;
    writeFileSync(theirs, '');
    assert.throws(() => execFileSync('unshare', [`--mount=${theirs}`, 'true'], { stdio: 'pipe' }), /Invalid argument/);
    const path = `${shared}/mnt`;
    const r = await sh('readlink /proc/self/ns/mnt', { create: ['mnt'], pin: { mnt: path } });
    assert.equal(pinnedIno(path, 'mnt'), inoOf(r.out));
    unwrap(unpinNamespace(path));
    const before = stateOf(shared);
    const e = errorOf(await spawn('true', [], { create: ['mnt'], mountPropagation: 'unchanged', pin: { mnt: path } }), 'spawn-setup-failed');
    assert.deepEqual([e.step, e.syscall, e.code], ['pin', 'mount', 'EINVAL']);
    assert.match(e.message, /util-linux#289/);
    await assertNothingLeft(before, shared, 'a mnt pin on a shared mount');
  });
});
