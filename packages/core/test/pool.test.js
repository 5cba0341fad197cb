// NamespacePool against the real kernel: every claim is checked by the inode
// of the namespace the kernel reports for the thread (/proc/thread-self/ns).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NamespacePool, createNamespace, pinNamespace, unpinNamespace } from '../dist/index.js';
import {
  POOL_TASKS,
  POOL_TYPES,
  assertSameNamespace,
  errorOf,
  inoOf,
  mountsMentioning,
  selfLink,
  sleep,
  spawnInNamespace,
  tempDir,
  threadLink,
  unwrap,
  whileInside,
} from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'linuxns pool tests create namespaces and need root (CAP_SYS_ADMIN)';
const TASKS_JS = fileURLToPath(new URL('./fixtures/tasks.js', import.meta.url));

/** The main thread's own namespaces before anything ran. */
const original = notRoot ? {} : Object.fromEntries(POOL_TYPES.map((t) => [t, selfLink(t)]));

/** A target of `type` held by something other than a pool task: a handle, or (pid) a process. */
async function makeTarget(type) {
  if (type === 'pid') {
    const child = await spawnInNamespace('pid');
    return { value: child.pid, ino: inoOf(child.link), cleanup: child.stop };
  }
  const h = unwrap(await createNamespace(type));
  return { value: h, ino: h.ino, cleanup: async () => h.close() };
}

describe('NamespacePool', { skip: notRoot }, () => {
  let pool1; // one worker: consecutive tasks share it
  let pool2; // two workers: two tasks in flight run side by side

  before(() => {
    pool1 = new NamespacePool({ threads: 1 });
    pool2 = new NamespacePool({ threads: 2 });
  });
  after(async () => {
    await pool1?.close();
    await pool2?.close();
  });

  for (const type of POOL_TYPES) {
    test(`a task in a ${type} target sees the target's inode, while the main thread, a concurrent task and the worker's next task see the original`, async () => {
      const target = await makeTarget(type);
      try {
        assert.notEqual(inoOf(original[type]), target.ino, 'the target must differ from the main thread for this test to mean anything');

        const sab = new SharedArrayBuffer(16);
        const inside = pool2.run({ [type]: target.value }, POOL_TASKS, 'rendezvous', { sab, role: 'inside', types: [type], withMain: true });
        const outside = pool2.run({}, POOL_TASKS, 'rendezvous', { sab, role: 'outside', types: [type] });
        const mainWhileInside = await whileInside(sab, () => ({ self: selfLink(type), thread: threadLink(type) }));
        const a = unwrap(await inside);
        const b = unwrap(await outside);

        assert.equal(a.overlapped, true, 'the inside task did not see the concurrent task and the main thread in time');
        assert.equal(b.overlapped, true, 'the concurrent task did not run while the inside task was in its namespace');
        assert.notEqual(a.tid, b.tid, 'the two tasks must run on different workers');
        assert.equal(inoOf(a.links[type]), target.ino, `the task sees ${a.links[type]}`);
        assert.equal(inoOf(a.after[type]), target.ino, 'the task was still inside at its end');
        assert.equal(b.links[type], original[type], 'the concurrent task on the other worker must stay in the original namespace');
        assert.equal(mainWhileInside.self, original[type]);
        assert.equal(mainWhileInside.thread, original[type]);

        const first = unwrap(await pool1.run({ [type]: target.value }, POOL_TASKS, 'identity', POOL_TYPES));
        const next = unwrap(await pool1.run({}, POOL_TASKS, 'identity', POOL_TYPES));
        assert.equal(inoOf(first.links[type]), target.ino);
        for (const other of POOL_TYPES) if (other !== type) assert.equal(first.links[other], original[other], `only ${type} is joined, ${other} stays`);
        assert.equal(next.tid, first.tid, 'threads: 1 runs both tasks on the same worker');
        assert.deepEqual(next.links, original, "the worker's next task is back in every original namespace");
      } finally {
        await target.cleanup();
      }
    });
  }

  test('a net namespace pinned to a path is joined by that path', async () => {
    const tmp = tempDir();
    const h = unwrap(await createNamespace('net'));
    const pin = `${tmp.dir}/net`;
    try {
      unwrap(pinNamespace(h, pin));
      h.close(); // the pin alone keeps it alive
      const v = unwrap(await pool2.run({ net: pin }, POOL_TASKS, 'identity', ['net']));
      assert.equal(inoOf(v.links.net), h.ino);
    } finally {
      h.close();
      unpinNamespace(pin);
      tmp.remove();
    }
  });

  test("a process's namespaces are joined by its pid", async () => {
    const child = await spawnInNamespace('net');
    try {
      const v = unwrap(await pool2.run({ net: child.pid }, POOL_TASKS, 'identity', ['net']));
      assert.equal(v.links.net, child.link);
      assert.notEqual(v.links.net, original.net);
    } finally {
      await child.stop();
    }
  });

  test('several namespaces of one target are joined by handle together, and only those', async () => {
    const net = unwrap(await createNamespace('net'));
    const uts = unwrap(await createNamespace('uts'));
    try {
      const v = unwrap(await pool2.run({ net, uts }, POOL_TASKS, 'identity', POOL_TYPES));
      assertSameNamespace(v.links.net, net, 'net');
      assertSameNamespace(v.links.uts, uts, 'uts');
      for (const t of ['cgroup', 'ipc', 'mnt', 'pid']) assert.equal(v.links[t], original[t]);
    } finally {
      net.close();
      uts.close();
    }
  });

  test("two 'new' tasks alive at the same time get two different fresh namespaces", async () => {
    const types = ['net', 'uts', 'ipc', 'cgroup'];
    const target = Object.fromEntries(types.map((t) => [t, 'new']));
    const sab = new SharedArrayBuffer(16);
    const pa = pool2.run(target, POOL_TASKS, 'rendezvous', { sab, role: 'inside', types });
    const pb = pool2.run(target, POOL_TASKS, 'rendezvous', { sab, role: 'outside', types });
    const a = unwrap(await pa);
    const b = unwrap(await pb);
    assert.equal(a.overlapped && b.overlapped, true);
    for (const t of types) {
      assert.notEqual(a.links[t], original[t], `${t}: 'new' must not be the original`);
      assert.notEqual(b.links[t], original[t]);
      assert.notEqual(a.links[t], b.links[t], `${t}: two live 'new' namespaces must differ`);
    }
  });

  test("a child spawned by a task in a pid target lives in the target's pid namespace", async () => {
    const child = await spawnInNamespace('pid');
    try {
      const seen = unwrap(await pool1.run({ pid: child.pid }, POOL_TASKS, 'childPidNamespace'));
      assert.equal(seen, child.link);
      assert.notEqual(seen, readlinkSync('/proc/self/ns/pid'));
    } finally {
      await child.stop();
    }
  });

  test("a child spawned by a task with pid: 'new' is pid 1 of its namespace, and the worker's next child is not", async () => {
    assert.equal(unwrap(await pool1.run({ pid: 'new' }, POOL_TASKS, 'childPid')), 1);
    const next = unwrap(await pool1.run({}, POOL_TASKS, 'childPid'));
    assert.ok(next > 1, `a child of the restored worker is pid ${next} in the original pid namespace`);
    assert.equal(unwrap(await pool1.run({}, POOL_TASKS, 'identity', ['pid'])).links.pid, original.pid);
  });

  test("a tmpfs mounted inside a task's new mount namespace is seen by the task only, never by the main thread or the worker's next task", async () => {
    const tmp = tempDir();
    const tag = `linuxns-pool-${process.pid}-${Date.now()}`;
    try {
      // A shared mount point: without a private new namespace, the tmpfs would propagate back here.
      const dir = tmp.shared('m');
      const v = unwrap(await pool1.run({ mnt: 'new' }, POOL_TASKS, 'mountTmpfs', { dir, tag }));
      assert.equal(v.seen, true, 'the task must see its own mount');
      assert.notEqual(v.mnt, original.mnt);
      assert.deepEqual(mountsMentioning(tag), [], 'the mount leaked into the main mount namespace');
      const next = unwrap(await pool1.run({}, POOL_TASKS, 'identity', ['mnt']));
      assert.equal(next.links.mnt, original.mnt);
      const workerView = unwrap(await pool1.run({}, POOL_TASKS, 'cwdAndRoot'));
      assert.equal(workerView.mnt, original.mnt);
    } finally {
      tmp.remove(); // unmounts the shared bind (and a leaked tmpfs, if the test failed)
    }
  });

  test("the worker's cwd and root are restored after it joined a mount namespace by handle", async () => {
    const mainCwd = readlinkSync('/proc/self/cwd');
    assert.notEqual(mainCwd, '/', 'run the tests from a directory other than / for this test to mean anything');
    const h = unwrap(await createNamespace('mnt'));
    try {
      const before = unwrap(await pool1.run({}, POOL_TASKS, 'cwdAndRoot'));
      const inside = unwrap(await pool1.run({ mnt: h }, POOL_TASKS, 'cwdAndRoot'));
      const afterMnt = unwrap(await pool1.run({}, POOL_TASKS, 'cwdAndRoot'));
      const afterNew = (await pool1.run({ mnt: 'new' }, POOL_TASKS, 'cwdAndRoot'), unwrap(await pool1.run({}, POOL_TASKS, 'cwdAndRoot')));
      assert.equal(before.cwd, mainCwd);
      assertSameNamespace(inside.mnt, h, 'inside');
      assert.equal(inside.cwd, '/', 'setns into a mount namespace moves the thread to its root (else this test proves nothing)');
      assert.equal(inside.tid, afterMnt.tid);
      assert.deepEqual({ cwd: afterMnt.cwd, root: afterMnt.root, mnt: afterMnt.mnt }, { cwd: mainCwd, root: '/', mnt: original.mnt });
      assert.deepEqual({ cwd: afterNew.cwd, root: afterNew.root, mnt: afterNew.mnt }, { cwd: mainCwd, root: '/', mnt: original.mnt });
    } finally {
      h.close();
    }
  });

  for (const type of ['user', 'time']) {
    test(`a ${type} target is refused with unsupported-in-thread, pointing at the helper's spawn`, async () => {
      for (const value of ['new', `/proc/self/ns/${type}`, process.pid]) {
        const e = errorOf(await pool2.run({ [type]: value }, POOL_TASKS, 'identity', ['net']), 'unsupported-in-thread');
        assert.equal(e.namespace, type);
        assert.match(e.message, /multi-threaded/, 'the message says why');
        assert.match(e.hint, /helper/, 'the hint says what to do instead');
        assert.match(e.hint, /spawn/);
        assert.ok(!e.message.includes(e.hint));
      }
    });
  }

  test('an async task stays in its namespaces across awaits', async () => {
    const net = unwrap(await createNamespace('net'));
    const uts = unwrap(await createNamespace('uts'));
    try {
      const v = unwrap(await pool2.run({ net, uts }, POOL_TASKS, 'acrossAwaits', { types: ['net', 'uts'], ms: 30 }));
      for (const step of [v.before, v.middle, v.after]) {
        assertSameNamespace(step.links.net, net, 'net');
        assertSameNamespace(step.links.uts, uts, 'uts');
        assert.equal(step.tid, v.before.tid);
      }
    } finally {
      net.close();
      uts.close();
    }
  });

  test("a task that throws resolves to task-failed with the error's name, message and code, and the worker's next task is restored", async () => {
    const h = unwrap(await createNamespace('net'));
    try {
      const e = errorOf(await pool1.run({ net: h }, POOL_TASKS, 'throwInside'), 'task-failed');
      assert.equal(e.name, 'RangeError');
      assert.equal(e.message, `thrown inside ${String(h)}`);
      assert.equal(e.code, 'ETESTBOOM');
      assert.match(e.stack, /throwInside/);
      const next = unwrap(await pool1.run({}, POOL_TASKS, 'identity', POOL_TYPES));
      assert.deepEqual(next.links, original);
    } finally {
      h.close();
    }
  });

  test('a restore that fails for real (setns denied on the worker thread) retires the worker: restore-failed with the outcome, a workerRetired event, stats by cause, and the pool keeps serving correct results on other threads', async () => {
    const pool = new NamespacePool({ threads: 2 });
    const h = unwrap(await createNamespace('net'));
    const events = [];
    pool.on('workerRetired', (e) => events.push(e));
    try {
      unwrap(await pool.run({}, POOL_TASKS, 'tid'));
      const before = pool.stats;
      const e = errorOf(await pool.run({ net: h }, POOL_TASKS, 'identityThenDenySetns', ['net']), 'restore-failed');
      assert.equal(e.namespace, 'net');
      assert.equal(e.step, 'setns');
      assert.equal(e.code, 'EPERM');
      assert.equal(e.outcome.ok, true, 'the task itself succeeded');
      assertSameNamespace(e.outcome.value.links.net, h, "the outcome is the task's own value");
      const retiredTid = e.outcome.value.tid;
      assert.equal(pool.stats.retired, before.retired + 1);
      assert.equal(pool.stats.retiredBy['restore-failed'], before.retiredBy['restore-failed'] + 1);
      assert.equal(events.length, 1);
      assert.equal(events[0].cause, 'restore-failed');
      assert.equal(events[0].error.kind, 'restore-failed');
      assert.equal(typeof events[0].threadId, 'number');

      const runs = [];
      for (let i = 0; i < 50; i++) {
        const inside = i % 2 === 0;
        runs.push(pool.run(inside ? { net: h } : {}, POOL_TASKS, 'identityWithTag', { types: ['net'], tag: inside ? String(h) : original.net }));
      }
      const results = (await Promise.all(runs)).map(unwrap);
      for (const v of results) {
        assert.equal(v.links.net, v.tag);
        assert.notEqual(v.tid, retiredTid, 'the retired worker served again');
      }
      assert.equal(pool.stats.retired, before.retired + 1);
      assert.equal(pool.stats.crashed, before.crashed);
    } finally {
      h.close();
      await pool.close();
    }
  });

  test('1,000 tasks in flight at once over 20 net namespaces on 2 workers each see their own namespace', async () => {
    const pool = new NamespacePool({ threads: 2 });
    const handles = [];
    try {
      for (let i = 0; i < 20; i++) handles.push(unwrap(await createNamespace('net')));
      const runs = [];
      for (let i = 0; i < 1000; i++) {
        const h = handles[i % 20];
        runs.push(pool.run({ net: h }, POOL_TASKS, 'identityWithTag', { types: ['net'], tag: String(h) }));
      }
      const results = await Promise.all(runs);
      const wrong = results.filter((r) => r.isErr() || r.value.links.net !== r.value.tag);
      assert.equal(wrong.length, 0, `wrong: ${JSON.stringify(wrong.slice(0, 3))}`);
      assert.equal(new Set(results.map((r) => r.value.tid)).size, 2, 'both workers served');
      assert.equal(selfLink('net'), original.net);
      assert.deepEqual(pool.stats, { completed: 1000, retired: 0, crashed: 0, retiredBy: { 'restore-failed': 0, 'verify-failed': 0, aborted: 0, 'timed-out': 0, 'internal-error': 0 } });
    } finally {
      handles.forEach((h) => h.close());
      await pool.close();
    }
  });

  test('a task that calls process.exit() resolves to worker-crashed and the pool keeps serving', async () => {
    const pool = new NamespacePool({ threads: 2 });
    const h = unwrap(await createNamespace('net'));
    try {
      errorOf(await pool.run({ net: h }, POOL_TASKS, 'exitWorker', 5), 'worker-crashed');
      assert.equal(pool.stats.crashed, 1);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(i % 2 ? { net: h } : {}, POOL_TASKS, 'identityWithTag', { types: ['net'], tag: i % 2 ? String(h) : original.net })));
      for (const r of results) assert.equal(unwrap(r).links.net, r.value.tag);
      assert.equal(pool.stats.retired, 0);
    } finally {
      h.close();
      await pool.close();
    }
  });

  test('tasks a crashing worker gave back and another worker is running are neither run twice nor reported as crashed', async () => {
    // Worker A gets [exitAfter, countRuns#1]; exitAfter awaits, so #1 is given back after the time
    // slice and later sent to worker B, which is busy with #2 and #3 first. A dies while B runs #1.
    const pool = new NamespacePool({ threads: 2 });
    try {
      await Promise.all([pool.run({}, POOL_TASKS, 'tid'), pool.run({}, POOL_TASKS, 'tid')]);
      const sab = new SharedArrayBuffer(16);
      const runs = [pool.run({}, POOL_TASKS, 'exitAfter', 400)];
      for (let i = 1; i <= 3; i++) runs.push(pool.run({}, POOL_TASKS, 'countRuns', { sab, i, ms: 300 }));
      const results = await Promise.all(runs);
      errorOf(results[0], 'worker-crashed');
      assert.deepEqual(results.slice(1).map(unwrap), [1, 2, 3]);
      assert.deepEqual([...new Int32Array(sab).slice(1)], [1, 1, 1], 'each task ran exactly once');
      assert.equal(pool.stats.crashed, 1);
    } finally {
      await pool.close();
    }
  });

  test("a task that nests enterSync comes back to its own 'new' namespace, not the inner one", async () => {
    const tmp = tempDir();
    const h = unwrap(await createNamespace('net'));
    const pin = `${tmp.dir}/net`;
    try {
      unwrap(pinNamespace(h, pin));
      const v = unwrap(await pool1.run({ net: 'new' }, POOL_TASKS, 'nestedEnterSync', pin));
      assert.notEqual(v.before, original.net);
      assertSameNamespace(v.inside, h, 'inside enterSync');
      assert.equal(v.after, v.before, 'after enterSync the task must be back in its own namespace');
      assert.equal(unwrap(await pool1.run({}, POOL_TASKS, 'identity', ['net'])).links.net, original.net);
    } finally {
      unpinNamespace(pin);
      h.close();
      tmp.remove();
    }
  });

  for (const how of ['per task', 'pool-wide']) {
    test(`with verify 'all' (${how}), a task whose own native setns moves a type it did not enter is caught: restore-failed at verify, the worker retired and never reused`, async () => {
      const child = await spawnInNamespace('net');
      const uts = unwrap(await createNamespace('uts'));
      const pool = new NamespacePool({ threads: 2, ...(how === 'pool-wide' ? { verify: 'all' } : {}) });
      const events = [];
      pool.on('workerRetired', (e) => events.push(e));
      try {
        const opts = how === 'per task' ? { verify: 'all' } : {};
        // The task enters uts only; its own setns(2), a native call linuxns cannot see, moves net.
        const e = errorOf(await pool.run({ uts }, POOL_TASKS, 'rawSetns', { path: `/proc/${child.pid}/ns/net`, flag: 0x40000000 }, opts), 'restore-failed');
        assert.equal(e.step, 'verify');
        assert.equal(e.namespace, 'net');
        assert.equal(e.outcome.ok, true);
        assert.equal(e.outcome.value.result, 'ok');
        assert.equal(e.outcome.value.net, child.link, 'the task did move its thread');
        assert.equal(pool.stats.retiredBy['verify-failed'], 1);
        assert.deepEqual(events.map((x) => x.cause), ['verify-failed']);
        const tids = new Set();
        const results = await Promise.all(Array.from({ length: 40 }, () => pool.run({}, POOL_TASKS, 'identity', POOL_TYPES)));
        for (const r of results) {
          assert.deepEqual(unwrap(r).links, original, 'a task ran in a wrong namespace');
          tids.add(r.value.tid);
        }
        assert.equal(pool.stats.retired, 1);
        assert.equal(pool.stats.crashed, 0);
        assert.ok(tids.size >= 1);
      } finally {
        await pool.close();
        uts.close();
        await child.stop();
      }
    });
  }

  test("by default only the entered types are checked, but a task that moved its thread through linuxns's own setns gets every type checked: caught, the worker retired", async () => {
    const child = await spawnInNamespace('net');
    const pool = new NamespacePool({ threads: 1 });
    try {
      const first = unwrap(await pool.run({}, POOL_TASKS, 'tid'));
      const e = errorOf(await pool.run({}, POOL_TASKS, 'switchThroughLinuxns', { path: `/proc/${child.pid}/ns/net`, flag: 0x40000000 }), 'restore-failed');
      assert.equal(e.step, 'verify');
      assert.equal(e.namespace, 'net');
      assert.equal(e.outcome.value.errno, 0);
      assert.equal(e.outcome.value.net, child.link);
      assert.equal(e.outcome.value.tid, first);
      assert.equal(pool.stats.retiredBy['verify-failed'], 1);
      const next = unwrap(await pool.run({}, POOL_TASKS, 'identity', POOL_TYPES));
      assert.deepEqual(next.links, original);
      assert.notEqual(next.tid, first, 'the retired worker served again');
    } finally {
      await pool.close();
      await child.stop();
    }
  });

  test("with verify 'all', a task that moves its own thread into another mount namespace is caught and its worker retired; the replacement has the original root and cwd", async () => {
    const child = await spawnInNamespace('mnt');
    const pool = new NamespacePool({ threads: 1, verify: 'all' });
    try {
      unwrap(await pool.run({ mnt: 'new' }, POOL_TASKS, 'identity', ['mnt'])); // the worker may now join mount namespaces
      const e = errorOf(await pool.run({}, POOL_TASKS, 'rawSetns', { path: `/proc/${child.pid}/ns/mnt`, flag: 0x20000 }), 'restore-failed');
      assert.equal(e.step, 'verify');
      assert.equal(e.namespace, 'mnt');
      assert.equal(e.outcome.value.mnt, child.link, 'the task did move its thread');
      const next = unwrap(await pool.run({}, POOL_TASKS, 'cwdAndRoot'));
      assert.deepEqual({ cwd: next.cwd, root: next.root, mnt: next.mnt }, { cwd: readlinkSync('/proc/self/cwd'), root: '/', mnt: original.mnt });
    } finally {
      await pool.close();
      await child.stop();
    }
  });

  test("verify must be 'entered' or 'all': anything else is a RangeError, for the pool and for a task", () => {
    assert.throws(() => new NamespacePool({ verify: 'some' }), RangeError);
    assert.throws(() => pool1.run({}, POOL_TASKS, 'tid', undefined, { verify: true }), RangeError);
  });

  test('bad input is reported as data before any worker is involved, and no worker is lost', async () => {
    const pool = new NamespacePool({ threads: 2 });
    const uts = unwrap(await createNamespace('uts'));
    const closed = unwrap(await createNamespace('net'));
    closed.close();
    try {
      const workers = async () => {
        const sab = new SharedArrayBuffer(16);
        const both = await Promise.all([
          pool.run({}, POOL_TASKS, 'rendezvous', { sab, role: 'inside', types: ['net'] }),
          pool.run({}, POOL_TASKS, 'rendezvous', { sab, role: 'outside', types: ['net'] }),
        ]);
        return new Set(both.map((r) => unwrap(r).tid));
      };
      const tidsBefore = await workers();
      assert.equal(tidsBefore.size, 2);
      const stats = pool.stats;

      const e1 = errorOf(await pool.run({ netns: 'new' }, POOL_TASKS, 'identity', ['net']), 'unknown-namespace-type');
      assert.equal(e1.value, 'netns');
      errorOf(await pool.run({ net: '/nonexistent/linuxns/net' }, POOL_TASKS, 'identity', ['net']), 'not-found');
      const e3 = errorOf(await pool.run({ net: TASKS_JS }, POOL_TASKS, 'identity', ['net']), 'not-a-namespace');
      assert.equal(e3.fileType, 'regular-file');
      const e4 = errorOf(await pool.run({ net: '/proc/self/ns/user' }, POOL_TASKS, 'identity', ['net']), 'wrong-namespace-type');
      assert.deepEqual([e4.expected, e4.actual], ['net', 'user']);
      const e5 = errorOf(await pool.run({ net: uts }, POOL_TASKS, 'identity', ['net']), 'wrong-namespace-type');
      assert.deepEqual([e5.expected, e5.actual], ['net', 'uts']);
      assert.throws(() => pool.run({ net: closed }, POOL_TASKS, 'identity', ['net']), TypeError);
      errorOf(await pool.run({ net: 'run/netns/x' }, POOL_TASKS, 'identity', ['net']), 'invalid-target');
      const gone = spawnSync('true').pid; // exited and reaped
      assert.equal(errorOf(await pool.run({ net: gone }, POOL_TASKS, 'identity', ['net']), 'no-such-process').pid, gone);
      assert.throws(() => pool.run({ net: -1 }, POOL_TASKS, 'identity', ['net']), RangeError);
      errorOf(await pool.run({}, '/nonexistent/linuxns/task.js', 'identity', ['net']), 'task-module-not-found');
      const e9 = errorOf(await pool.run({}, TASKS_JS, 'notAFunction'), 'task-export-not-function');
      assert.equal(e9.actualType, 'number');
      assert.equal(errorOf(await pool.run({}, TASKS_JS, 'noSuchExport'), 'task-export-not-function').actualType, 'undefined');
      errorOf(await pool.run({}, POOL_TASKS, 'returnFunction'), 'task-result-not-cloneable');
      // A non-cloneable arg is refused at once; it must not poison the batch of the task queued next to it.
      const neighbour = pool.run({ uts }, POOL_TASKS, 'identity', ['uts']);
      assert.throws(() => pool.run({ uts }, POOL_TASKS, 'identity', () => ['uts']), TypeError);
      assert.throws(() => pool.run({}, POOL_TASKS, 'identity', Symbol('x')), TypeError);
      assert.equal(inoOf(unwrap(await neighbour).links.uts), uts.ino);

      assert.equal(pool.stats.crashed, stats.crashed);
      assert.equal(pool.stats.retired, stats.retired);
      assert.deepEqual(await workers(), tidsBefore, 'the same two workers still serve');
      assert.deepEqual(unwrap(await pool.run({}, POOL_TASKS, 'identity', POOL_TYPES)).links, original);
    } finally {
      uts.close();
      await pool.close();
    }
  });

  test('closing a pool while some of its workers are still starting never aborts the process', () => {
    // Terminating a worker in the middle of loading koffi used to abort the whole process
    // ("FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw"). The window is narrow:
    // many short-lived pools, each closed as soon as its first worker answered.
    const code = `
      import { NamespacePool } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      for (let i = 0; i < 30; i++) {
        const pool = new NamespacePool({ threads: 4 });
        const r = await pool.run({ net: 'new' }, ${JSON.stringify(POOL_TASKS)}, 'tid');
        if (r.isErr()) throw new Error(JSON.stringify(r.error));
        await pool.close();
      }
      console.log('survived');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60000 });
    assert.equal(r.signal, null, `the process died by ${r.signal}: ${r.stderr.slice(0, 300)}`);
    assert.equal(r.status, 0, r.stderr.slice(0, 300));
    assert.match(r.stdout, /survived/);
  });

  test('a script that does nothing but await outcomes gets every one, streamed ones included, and then exits by itself, its idle pool not even closed', () => {
    // Outcomes of all but the last task of a batch reach the pool on the worker's own port,
    // which piscina does not keep referenced: the pool holds the event loop open while tasks
    // are pending, and lets go when none are: an idle pool keeps nothing alive.
    const code = `
      import { NamespacePool } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const pool = new NamespacePool({ threads: 2, maxBatch: 32 });
      for (let round = 0; round < 5; round++) {
        const rs = await Promise.all(Array.from({ length: 500 }, (_, i) =>
          i % 50 === 0 ? pool.run({}, ${JSON.stringify(POOL_TASKS)}, 'acrossAwaits', { types: ['net'], ms: 1 }) : pool.run({}, ${JSON.stringify(POOL_TASKS)}, 'tid')));
        const bad = rs.filter((r) => r.isErr());
        if (bad.length) throw new Error(JSON.stringify(bad[0].error));
      }
      console.log('completed', pool.stats.completed);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30000 });
    assert.equal(r.signal, null, `the process did not exit by itself (${r.signal}): ${r.stderr.slice(0, 300)}`);
    assert.equal(r.status, 0, r.stderr.slice(0, 300));
    assert.match(r.stdout, /completed 2500/);
  });

  test('run() after close() throws a TypeError', async () => {
    const pool = new NamespacePool({ threads: 1 });
    await pool.close();
    assert.equal(pool.closed, true);
    assert.throws(() => pool.run({}, POOL_TASKS, 'tid'), TypeError);
    await pool.close(); // a second close does nothing
  });

  test('tasks queued or running when close() is called resolve to pool-closed', async () => {
    const pool = new NamespacePool({ threads: 1 });
    unwrap(await pool.run({}, POOL_TASKS, 'tid'));
    // Running: an async task still awaiting; queued: the ones behind it.
    const running = pool.run({ net: 'new' }, POOL_TASKS, 'acrossAwaits', { types: ['net'], ms: 2000 });
    const queued = Array.from({ length: 5 }, () => pool.run({ net: 'new' }, POOL_TASKS, 'identity', ['net']));
    await sleep(100);
    // Not even handed to the pump yet.
    const fresh = Array.from({ length: 3 }, () => pool.run({}, POOL_TASKS, 'tid'));
    const t0 = Date.now();
    await pool.close();
    for (const r of await Promise.all([running, ...queued, ...fresh])) errorOf(r, 'pool-closed');
    assert.ok(Date.now() - t0 < 1500, 'close() must not wait for the running task');
  });

  test('closing a handle while its task is still queued or running keeps the task in that namespace, and the fd is closed once the task ends', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const h = unwrap(await createNamespace('net'));
    const before = fds();
    const want = h.ino;
    const running = pool1.run({ net: h }, POOL_TASKS, 'acrossAwaits', { types: ['net'], ms: 50 });
    const queued = pool1.run({ net: h }, POOL_TASKS, 'identity', ['net']);
    h.close();
    assert.throws(() => h.fd, TypeError);
    assert.equal(fds(), before, 'the fd stays open while tasks hold it');
    const [a, b] = [unwrap(await running), unwrap(await queued)];
    assert.equal(inoOf(a.before.links.net), want);
    assert.equal(inoOf(a.after.links.net), want);
    assert.equal(inoOf(b.links.net), want);
    assert.equal(fds(), before - 1, 'the fd is closed after the last task that held it');
  });

  test('a task that does not settle within timeoutMs resolves to task-timed-out, its worker is retired, and the pool serves on in the original namespaces', async () => {
    const h = unwrap(await createNamespace('net'));
    try {
      const retired = pool1.stats.retired;
      const t0 = Date.now();
      const e = errorOf(await pool1.run({ net: h }, POOL_TASKS, 'hang', undefined, { timeoutMs: 100 }), 'task-timed-out');
      assert.equal(e.timeoutMs, 100);
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(pool1.stats.retired, retired + 1);
      const after = unwrap(await pool1.run({}, POOL_TASKS, 'identity', ['net']));
      assert.equal(after.links.net, original.net);
    } finally {
      h.close();
    }
  });

  test('aborting a queued task resolves it to aborted at once and it never runs, while the running task finishes normally', async () => {
    const ac = new AbortController();
    const running = pool1.run({}, POOL_TASKS, 'acrossAwaits', { types: ['net'], ms: 150 });
    const queued = pool1.run({}, POOL_TASKS, 'identity', ['net'], { signal: ac.signal });
    ac.abort();
    errorOf(await queued, 'aborted');
    unwrap(await running);
  });

  test('aborting a task that awaits inside its namespace resolves it to aborted and retires its worker', async () => {
    const ac = new AbortController();
    const retired = pool1.stats.retired;
    const r = pool1.run({ uts: 'new' }, POOL_TASKS, 'hang', undefined, { signal: ac.signal });
    await sleep(50);
    ac.abort();
    errorOf(await r, 'aborted');
    assert.equal(pool1.stats.retired, retired + 1);
    const after = unwrap(await pool1.run({}, POOL_TASKS, 'identity', ['uts']));
    assert.equal(after.links.uts, original.uts);
  });

  test('an already aborted signal gives aborted without running; bad timeoutMs and signal are misuse', async () => {
    errorOf(await pool1.run({}, POOL_TASKS, 'identity', ['net'], { signal: AbortSignal.abort() }), 'aborted');
    assert.throws(() => pool1.run({}, POOL_TASKS, 'identity', ['net'], { timeoutMs: 0 }), RangeError);
    assert.throws(() => pool1.run({}, POOL_TASKS, 'identity', ['net'], { timeoutMs: 1.5 }), RangeError);
    assert.throws(() => pool1.run({}, POOL_TASKS, 'identity', ['net'], { signal: {} }), TypeError);
  });

  test('a task that throws an unprintable value is still restored, and the next task on that worker is in the original namespaces', async () => {
    const h = unwrap(await createNamespace('net'));
    try {
      const e = errorOf(await pool1.run({ net: h }, POOL_TASKS, 'throwUnprintable'), 'task-failed');
      assert.equal(e.name, 'non-error');
      const next = unwrap(await pool1.run({}, POOL_TASKS, 'identity', ['net']));
      assert.equal(next.links.net, original.net);
    } finally {
      h.close();
    }
  });

  test('a misuse error thrown after a handle was lent gives the handle back (its fd closes with close())', async () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const h = unwrap(await createNamespace('net'));
    const before = fds();
    assert.throws(() => pool1.run({ net: h, pid: 0 }, POOL_TASKS, 'identity', ['net']), RangeError);
    h.close();
    assert.equal(fds(), before - 1);
  });
});
