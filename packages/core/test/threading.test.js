// The claims of docs/threading.md, one test each, against the real kernel:
// which thread is in which namespace, read from /proc.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { NamespacePool, createNamespace } from '../dist/index.js';
import * as libc from '../dist/ffi/libc.js';
import { POOL_TASKS, assertSameNamespace, errorOf, mountsMentioning, selfLink, spawnInNamespace, tempDir, threadLink, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'threading tests create namespaces and need root (CAP_SYS_ADMIN)';
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWTIME = 0x80;
const original = notRoot ? {} : { net: selfLink('net'), mnt: selfLink('mnt'), user: selfLink('user'), time: selfLink('time') };

describe('threading claims', { skip: notRoot }, () => {
  let pool;
  let net;

  before(async () => {
    pool = new NamespacePool({ threads: 2 });
    net = unwrap(await createNamespace('net'));
  });
  after(async () => {
    net?.close();
    await pool?.close();
  });

  test("(a) libuv's threadpool threads stay in the original namespaces: inside a netns task only the task's own thread is in it", async () => {
    const v = unwrap(await pool.run({ net }, POOL_TASKS, 'threadsAfterAsyncFs'));
    assertSameNamespace(v.me, net, 'the task');
    const inside = Object.entries(v.threads).filter(([, l]) => l === String(net));
    assert.deepEqual(inside, [[String(v.tid), String(net)]], 'exactly one thread, the task itself, is in the target netns');
    assert.ok(Object.keys(v.threads).length >= 4, 'the process has other threads (main, threadpool, the other worker)');
    for (const [t, l] of Object.entries(v.threads)) if (Number(t) !== v.tid) assert.equal(l, original.net, `thread ${t}`);
    assert.equal(v.viaThreadpool, original.net, 'an async fs call runs on a threadpool thread, which is in the original netns');
  });

  test('(b) async fs in a mount-namespace task resolves paths in the original mount namespace, sync fs in the task\'s', async () => {
    const tmp = tempDir();
    try {
      const v = unwrap(await pool.run({ mnt: 'new' }, POOL_TASKS, 'asyncFsInMount', tmp.shared('b')));
      assert.equal(v.sync, true, 'sync fs (on the worker thread) sees the file on the tmpfs mounted inside');
      assert.equal(v.async, 'ENOENT', 'async fs (on the threadpool) looks in the original mount namespace, where there is no tmpfs');
      assert.equal(v.syncAfter, true);
      assert.deepEqual(mountsMentioning('linuxns-threading-b'), [], 'the tmpfs is not in the main mount namespace');
      assert.equal(existsSync(`${tmp.dir}/b/f`), false, 'the file was written to the tmpfs, not to the directory underneath');
    } finally {
      tmp.remove();
    }
  });

  test('(c) a listening socket created by a task inside a netns stays in that netns after the worker leaves it', async () => {
    const one = new NamespacePool({ threads: 1 });
    const fresh = unwrap(await createNamespace('net'));
    try {
      const l = unwrap(await one.run({ net: fresh }, POOL_TASKS, 'listenLoopback'));
      assertSameNamespace(l.net, fresh, 'listener');
      assert.equal(l.before, 'ENETUNREACH', 'while lo is down in the fresh netns, 127.0.0.1 is unreachable from inside');
      // Same worker, now back in the original netns: its server socket is still inside.
      const fromOutside = unwrap(await one.run({}, POOL_TASKS, 'dialLoopback', l.port));
      assert.equal(fromOutside.net, original.net);
      assert.equal(fromOutside.result, 'ECONNREFUSED');
      const fromMain = await new Promise((resolve) => {
        const c = connect(l.port, '127.0.0.1');
        c.on('connect', () => (c.destroy(), resolve('connected')));
        c.on('error', (e) => resolve(e.code));
      });
      assert.equal(fromMain, 'ECONNREFUSED');
      const fromInside = unwrap(await one.run({ net: fresh }, POOL_TASKS, 'dialLoopback', l.port));
      assert.equal(fromInside.result, 'hello from inside');
    } finally {
      await one.run({}, POOL_TASKS, 'closeLoopback');
      await one.close();
      fresh.close();
    }
  });

  test("(d) a Worker created from inside a task inherits the task's netns", async () => {
    const v = unwrap(await pool.run({ net }, POOL_TASKS, 'workerFromTask'));
    assertSameNamespace(v.task, net, 'the task');
    assertSameNamespace(v.worker, net, 'the Worker it started');
    assert.equal(threadLink('net'), original.net);
  });

  test("(e) inside a task /proc/self/ns/net is the main thread's namespace and /proc/thread-self/ns/net the task's", async () => {
    const v = unwrap(await pool.run({ net }, POOL_TASKS, 'selfVersusThreadSelf'));
    assert.equal(v.self, original.net);
    assertSameNamespace(v.threadSelf, net, 'thread-self');
  });

  test('(f) a thread of a multi-threaded process cannot join a user namespace: setns gives EINVAL, and the pool refuses user', async () => {
    const e = errorOf(await pool.run({ user: 'new' }, POOL_TASKS, 'identity', ['net']), 'unsupported-in-thread');
    assert.match(e.hint, /EINVAL/);
    const child = await spawnInNamespace('user');
    try {
      const path = `/proc/${child.pid}/ns/user`;
      // A single-threaded process may join it: EINVAL below is about threads, not privilege.
      assert.equal(execFileSync('nsenter', ['--user', '--preserve-credentials', `--target=${child.pid}`, 'readlink', '/proc/self/ns/user']).toString().trim(), child.link);
      const v = unwrap(await pool.run({}, POOL_TASKS, 'rawSetns', { path, flag: CLONE_NEWUSER }));
      assert.equal(v.result, 'EINVAL', 'from a worker');
      assert.equal(v.user, original.user);
      const fd = (await import('node:fs')).openSync(path, 'r');
      try {
        assert.equal(libc.setns(fd, CLONE_NEWUSER), -1, 'from the main thread of this (multi-threaded) process');
        assert.equal(libc.errno(), 22);
      } finally {
        (await import('node:fs')).closeSync(fd);
      }
      assert.equal(threadLink('user'), original.user);
    } finally {
      await child.stop();
    }
  });

  test('(g) the pool refuses time, and setns into a time namespace from a thread gives EUSERS', async () => {
    for (const value of ['new', '/proc/self/ns/time', process.pid]) {
      const e = errorOf(await pool.run({ time: value }, POOL_TASKS, 'identity', ['net']), 'unsupported-in-thread');
      assert.equal(e.namespace, 'time');
      assert.match(e.hint, /EUSERS/);
    }
    const child = await spawnInNamespace('time');
    try {
      assert.equal(execFileSync('nsenter', ['--time', `--target=${child.pid}`, 'readlink', '/proc/self/ns/time']).toString().trim(), child.link);
      const v = unwrap(await pool.run({}, POOL_TASKS, 'rawSetns', { path: `/proc/${child.pid}/ns/time`, flag: CLONE_NEWTIME }));
      assert.equal(v.result, 'EUSERS');
      assert.equal(v.time, original.time);
    } finally {
      await child.stop();
    }
    assert.deepEqual(pool.stats.retired, 0, 'no worker was left in a wrong namespace');
  });
});
