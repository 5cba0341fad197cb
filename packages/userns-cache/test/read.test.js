// readMappings and spawn into a cached user namespace: the maps read back,
// through a handle (a process joins it through core's helper) and through
// the pid of a process inside (/proc/PID/uid_map), equal the request in
// canonical order; core's spawn joins the namespace by handle (checked by
// inode); bad targets fail clearly.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as spawnProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { openNamespace, spawn } from '@linuxns/core';
import { UsernsCache, canonicalMapping, readMappings } from '../dist/index.js';
import { collect, errorOf, fdCount, inoOf, notRoot, range, run, simple, sleep, sorted, unwrap } from './fixtures/helpers.js';

/** 5 uid and 5 gid ranges, given out of order, gids unlike uids. */
const FIVE = {
  uidMappings: [range(3000, 130000, 1000), range(0, 100000, 1000), range(65534, 165534, 1), range(1000, 110000, 2000), range(10000, 150000, 100)],
  gidMappings: [range(100, 200100, 900), range(0, 200000, 100), range(5000, 300000, 5), range(65534, 265534, 1), range(1000, 201000, 4000)],
};

/** Starts a process in `userns` that waits on its stdin; `stop()` ends it and resolves to its exit status. */
async function sleeperIn(userns, options = {}) {
  const child = unwrap(await spawn('/bin/sh', ['-c', 'read _; exit 7'], { join: { user: userns }, stdio: ['pipe', 'ignore', 'pipe'], ...options }));
  return {
    pid: child.pid,
    async stop() {
      child.stdin.end('\n');
      return child.exited;
    },
  };
}

describe('readMappings', { skip: notRoot }, () => {
  const cache = new UsernsCache();

  before(async () => {
    // Whatever the first get and the first spawn open for good is open before any count.
    const h = unwrap(await cache.get(simple(900000, 10)));
    unwrap(await readMappings(h));
    h.close();
    cache.release();
  });

  test('5-range uid and gid maps read back through the handle equal the request, sorted', async () => {
    const fds = fdCount();
    const h = unwrap(await cache.get(FIVE));
    try {
      const read = unwrap(await readMappings(h));
      const c = unwrap(canonicalMapping(FIVE));
      assert.deepEqual(read.uidMappings, sorted(FIVE.uidMappings));
      assert.deepEqual(read.gidMappings, sorted(FIVE.gidMappings));
      assert.deepEqual(read.uidMappings, c.uidMappings);
      assert.deepEqual(read.gidMappings, c.gidMappings);
      assert.equal(read.uidMappings.length, 5);
      assert.equal(read.gidMappings.length, 5);
    } finally {
      h.close();
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('the same maps read through /proc/PID of a process spawned into the namespace', async () => {
    const fds = fdCount();
    const h = unwrap(await cache.get(FIVE));
    let sleeper;
    try {
      sleeper = await sleeperIn(h);
      assert.equal(inoOf(readlinkSync(`/proc/${sleeper.pid}/ns/user`)), h.ino);
      const read = unwrap(await readMappings(sleeper.pid));
      assert.deepEqual(read.uidMappings, sorted(FIVE.uidMappings));
      assert.deepEqual(read.gidMappings, sorted(FIVE.gidMappings));
      // Both paths agree.
      assert.deepEqual(unwrap(await readMappings(h)), read);
    } finally {
      assert.equal((await sleeper?.stop())?.code, 7);
      h.close();
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('a namespace that does not map uid 0 reads back through its handle too (the reader keeps its ids)', async () => {
    const fds = fdCount();
    const m = { uidMappings: [range(1000, 101000, 1000)], gidMappings: [range(1000, 101000, 1000)] };
    const h = unwrap(await cache.get(m));
    try {
      assert.deepEqual(unwrap(await readMappings(h)), m);
    } finally {
      h.close();
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('a namespace with an empty uid_map, gid_map or both reads back as empty ranges through its handle and its pid', async () => {
    // util-linux's unshare writes only the maps it is asked for; the others stay empty.
    for (const [how, args, expected] of [
      ['both maps empty', [], { uidMappings: [], gidMappings: [] }],
      ['only gid_map written', ['--map-group=0'], { uidMappings: [], gidMappings: [range(0, 0, 1)] }],
      ['only uid_map written', ['--map-user=0'], { uidMappings: [range(0, 0, 1)], gidMappings: [] }],
    ]) {
      const fds = fdCount();
      const sleeper = spawnProcess('unshare', ['--user', ...args, 'sleep', '30'], { stdio: 'ignore' });
      try {
        // unshare writes the maps, then becomes sleep (same pid).
        for (let i = 0; i < 500 && !readFileSync(`/proc/${sleeper.pid}/cmdline`, 'latin1').startsWith('sleep\0'); i++) await sleep(5);
        assert.deepEqual(unwrap(await readMappings(sleeper.pid)), expected, `${how}, by pid`);
        const h = unwrap(openNamespace(`/proc/${sleeper.pid}/ns/user`));
        try {
          assert.deepEqual(unwrap(await readMappings(h)), expected, `${how}, by handle`);
        } finally {
          h.close();
        }
      } finally {
        sleeper.kill('SIGKILL');
        await new Promise((resolve) => (sleeper.exitCode !== null || sleeper.signalCode !== null ? resolve() : sleeper.once('exit', resolve)));
      }
      assert.equal(fdCount(), fds, how);
    }
  });

  test("this process's own maps through its pid: the initial namespace's identity map", async () => {
    const read = unwrap(await readMappings(process.pid));
    assert.deepEqual(read, { uidMappings: [range(0, 0, 4294967295)], gidMappings: [range(0, 0, 4294967295)] });
  });

  test('a dead pid gives no-such-process', async () => {
    const done = await run('/bin/true', []);
    assert.equal(done.code, 0);
    // Reaped: the pid is free (and not reused within these few microseconds on a 4M pid space).
    const e = errorOf(await readMappings(done.pid), 'no-such-process');
    assert.equal(e.pid, done.pid);
  });

  test('a handle on another type of namespace gives wrong-namespace-type', async () => {
    const fds = fdCount();
    const net = unwrap(openNamespace('/proc/self/ns/net'));
    try {
      const e = errorOf(await readMappings(net), 'wrong-namespace-type');
      assert.equal(e.expected, 'user');
      assert.equal(e.actual, 'net');
    } finally {
      net.close();
    }
    assert.equal(fdCount(), fds);
  });

  test('a closed handle, a bad pid or something else throws at once', async () => {
    const h = unwrap(await cache.get(simple(100000)));
    h.close();
    cache.release();
    assert.throws(() => readMappings(h), TypeError);
    assert.throws(() => readMappings(-1), RangeError);
    assert.throws(() => readMappings(0), RangeError);
    assert.throws(() => readMappings(1.5), RangeError);
    assert.throws(() => readMappings('1'), TypeError);
    assert.throws(() => readMappings(undefined), TypeError);
  });
});

describe('spawn joins a cached user namespace by handle', { skip: notRoot }, () => {
  before(async () => {
    await run('/bin/true', []);
  });

  test('the command runs as uid 0 inside, sees the map, and is in the namespace of the handle', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const m = { uidMappings: [range(0, 100000, 65536)], gidMappings: [range(0, 200000, 65536)] };
    const h = unwrap(await cache.get(m));
    try {
      // Kept alive on its stdin until its namespace has been looked at from here.
      const child = unwrap(
        await spawn('/bin/sh', ['-c', 'id -u; id -g; cat /proc/self/uid_map; read _'], { join: { user: h }, user: { uid: 0, gid: 0 }, stdio: ['pipe', 'pipe', 'pipe'] }),
      );
      const done = collect(child);
      const link = readlinkSync(`/proc/${child.pid}/ns/user`);
      assert.equal(inoOf(link), h.ino, `${link} is not ${h}`);
      assert.notEqual(inoOf(link), inoOf(readlinkSync('/proc/self/ns/user')));
      child.stdin.end('\n');
      const { out, err, code } = await done;
      assert.equal(code, 0, err);
      const lines = out.trim().split('\n');
      assert.equal(lines[0], '0');
      assert.equal(lines[1], '0');
      assert.deepEqual(
        lines.slice(2).map((l) => l.trim().split(/\s+/).map(Number)),
        [[0, 100000, 65536]],
      );
      // The ids outside: host 100000 (uid) and 200000 (gid), seen from here.
      const again = await run('/bin/sh', ['-c', 'cat /proc/self/status'], { join: { user: h }, user: { uid: 0, gid: 0 } });
      assert.match(again.out, /^Uid:\s+0\s+0\s+0\s+0$/m, 'seen from inside');
      assert.equal(cache.stats.dummies, 1);
    } finally {
      h.close();
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('from outside, the joined process runs as the mapped host ids', async () => {
    const cache = new UsernsCache();
    const h = unwrap(await cache.get({ uidMappings: [range(0, 100000, 65536)], gidMappings: [range(0, 200000, 65536)] }));
    let sleeper;
    try {
      sleeper = await sleeperIn(h, { user: { uid: 1000, gid: 2000 } });
      const status = readFileSync(`/proc/${sleeper.pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+101000\s+101000\s+101000\s+101000$/m);
      assert.match(status, /^Gid:\s+202000\s+202000\s+202000\s+202000$/m);
    } finally {
      await sleeper?.stop();
      h.close();
      cache.release();
    }
  });
});
