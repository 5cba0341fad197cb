// Nothing a NamespacePool or enterSync does may leave fds, mounts or threads
// behind: counted from /proc/self before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { NamespacePool, createNamespace, enterSync, pinNamespace, unpinNamespace } from '../dist/index.js';
import { POOL_TASKS, processCounts, selfLink, sleep, tempDir, threadLink, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'linuxns leak tests create namespaces and need root (CAP_SYS_ADMIN)';
const TASKS_JS = fileURLToPath(new URL('./fixtures/tasks.js', import.meta.url));

/**
 * Mounts of this test in the (shared) mount namespace: under its tmp dir, or
 * an nsfs mount of one of its namespaces. Other processes (other test files
 * run in parallel) mount and unmount too, so the total count proves nothing.
 */
function ourMounts(dir, inodes) {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(dir) || [...inodes].some((ino) => l.includes(`:[${ino}]`)));
}

/** Waits (briefly) for terminated threads to disappear from /proc/self/task. */
async function settled(baseline) {
  const deadline = Date.now() + 3000;
  let now = processCounts();
  while (now.threads > baseline.threads && Date.now() < deadline) {
    await sleep(20);
    now = processCounts();
  }
  return now;
}

/** One pool, one of each kind of call, closed: opens whatever linuxns opens once per process. */
async function warmUp() {
  const pool = new NamespacePool({ threads: 2 });
  const h = unwrap(await createNamespace('net'));
  await pool.run({ net: h, uts: 'new', mnt: 'new' }, POOL_TASKS, 'identity', ['net']);
  await pool.run({ net: '/nonexistent' }, POOL_TASKS, 'identity', ['net']);
  await pool.run({}, POOL_TASKS, 'throwInside');
  h.close();
  await pool.close();
}

test('10,000 mixed pool runs leave no fd, mount or thread behind once the pool is closed', { skip: notRoot }, async () => {
  await warmUp();
  const { fds, threads } = await settled(processCounts());
  const baseline = { fds, threads };

  const tmp = tempDir();
  const tag = `linuxns-leaks-${process.pid}`;
  const pool = new NamespacePool({ threads: 2 });
  const handles = [];
  const inodes = new Set();
  const counts = { ok: 0, err: {} };
  let midRun;
  let leftMounts;
  try {
    const shared = tmp.shared('m');
    for (const type of ['net', 'ipc', 'uts', 'net', 'uts']) handles.push(unwrap(await createNamespace(type)));
    const [net, ipc, uts, pinnedNet, pinnedUts] = handles;
    handles.forEach((h) => inodes.add(h.ino));
    unwrap(pinNamespace(pinnedNet, `${tmp.dir}/net`));
    unwrap(pinNamespace(pinnedUts, `${tmp.dir}/uts`));
    assert.equal(ourMounts(tmp.dir, inodes).length, 3, 'the two pins and the shared bind mount are seen as mounts');
    const bad = [
      () => pool.run({ net: '/nonexistent/linuxns' }, POOL_TASKS, 'identity', ['net']),
      () => pool.run({ net: TASKS_JS }, POOL_TASKS, 'identity', ['net']),
      () => pool.run({ net: '/proc/self/ns/user' }, POOL_TASKS, 'identity', ['net']),
      () => pool.run({ net: net, ipc: uts }, POOL_TASKS, 'identity', ['net']), // the net dup is made, then the ipc check fails
      () => pool.run({ net: 'relative' }, POOL_TASKS, 'identity', ['net']),
      () => pool.run({ netns: 'new' }, POOL_TASKS, 'identity', ['net']),
      () => pool.run({ net }, '/nonexistent/linuxns/task.js', 'identity', ['net']),
      () => pool.run({ uts }, TASKS_JS, 'notAFunction'),
      () => pool.run({ net: 'new' }, POOL_TASKS, 'returnFunction'),
      () => pool.run({ user: 'new' }, POOL_TASKS, 'identity', ['net']),
    ];
    const one = (i) => {
      switch (i % 10) {
        case 0:
        case 1:
          return pool.run({ net: `${tmp.dir}/net`, uts: `${tmp.dir}/uts` }, POOL_TASKS, 'identityWithTag', { types: ['net', 'uts'], tag: [String(pinnedNet), String(pinnedUts)] });
        case 2:
        case 3:
          return pool.run({ net, ipc }, POOL_TASKS, 'identityWithTag', { types: ['net', 'ipc'], tag: [String(net), String(ipc)] });
        case 4:
          return pool.run({ uts: 'new', ipc: 'new' }, POOL_TASKS, 'identity', ['uts']);
        case 5:
          return pool.run({ net: 'new' }, POOL_TASKS, 'identity', ['net']);
        case 6:
          // A mount made inside must die with its namespace, never reach the main one.
          if (i % 20 === 6) return pool.run({ mnt: 'new', cgroup: 'new' }, POOL_TASKS, 'identity', ['mnt']);
          return pool.run({ mnt: 'new', cgroup: 'new' }, POOL_TASKS, 'mountTmpfs', { dir: shared, tag });
        case 7:
          return pool.run({ net, uts: `${tmp.dir}/uts` }, POOL_TASKS, 'throwInside');
        case 8:
          return pool.run({}, POOL_TASKS, 'acrossAwaits', { types: ['net'], ms: 0 });
        default:
          return bad[Math.floor(i / 10) % bad.length]();
      }
    };
    // 1,000 in flight at a time.
    for (let chunk = 0; chunk < 10; chunk++) {
      const runs = [];
      for (let i = chunk * 1000; i < (chunk + 1) * 1000; i++) runs.push(one(i));
      for (const r of await Promise.all(runs)) {
        if (r.isOk()) {
          counts.ok++;
          if (r.value.tag) assert.deepEqual(Object.values(r.value.links), r.value.tag);
          if (typeof r.value === 'object' && 'seen' in r.value) assert.equal(r.value.seen, true, 'the task saw its own tmpfs');
        } else counts.err[r.error.kind] = (counts.err[r.error.kind] ?? 0) + 1;
      }
    }
    midRun = processCounts();
  } finally {
    await pool.close();
    handles.forEach((h) => h.close());
    unpinNamespace(`${tmp.dir}/net`);
    unpinNamespace(`${tmp.dir}/uts`);
    // Left: anything but the shared bind mount the test made itself.
    leftMounts = ourMounts(tmp.dir, inodes).filter((l) => !(l.split(' ')[4] === `${tmp.dir}/m` && !l.includes(tag)));
    tmp.remove();
  }

  assert.equal(counts.ok, 8000, JSON.stringify(counts));
  assert.deepEqual(counts.err, {
    'task-failed': 1000,
    'not-found': 100,
    'not-a-namespace': 100,
    'wrong-namespace-type': 200,
    'invalid-target': 100,
    'unknown-namespace-type': 100,
    'task-module-not-found': 100,
    'task-export-not-function': 100,
    'task-result-not-cloneable': 100,
    'unsupported-in-thread': 100,
  });
  assert.ok(midRun.threads > baseline.threads, 'the pool had threads of its own while open');
  assert.deepEqual(leftMounts, [], 'no pin, no mount made inside a task, no nsfs mount of ours is left');
  const end = await settled(baseline);
  assert.deepEqual({ fds: end.fds, threads: end.threads }, baseline, 'fds and threads after close must equal the baseline');
  for (const t of ['net', 'uts', 'ipc', 'mnt', 'cgroup']) assert.equal(threadLink(t), selfLink(t));
});

test('1,000 enterSync calls by handle, 1,000 with new and 100 nested ones leave no fd behind', { skip: notRoot }, async () => {
  const h = unwrap(await createNamespace('net'));
  const u = unwrap(await createNamespace('uts'));
  try {
    unwrap(enterSync({ net: h }, () => 0));
    unwrap(enterSync({ net: 'new' }, () => 0));
    const baseline = processCounts();
    const origNet = threadLink('net');
    let inside = 0;
    for (let i = 0; i < 1000; i++) {
      if (unwrap(enterSync({ net: h, uts: u }, () => threadLink('net'))) === String(h)) inside++;
    }
    for (let i = 0; i < 1000; i++) {
      if (unwrap(enterSync({ net: 'new', ipc: 'new' }, () => threadLink('net'))) !== origNet) inside++;
    }
    for (let i = 0; i < 100; i++) {
      // Failures too: a bad path after a good handle, a throwing function.
      assert.ok(enterSync({ net: h, uts: '/nonexistent' }, () => 0).isErr());
      assert.ok(enterSync({ net: h }, () => { throw new Error('x'); }).isErr());
    }
    for (let i = 0; i < 100; i++) {
      // Nested inside 'new': the outer namespace is opened to come back to, and closed after.
      const r = enterSync({ net: 'new' }, () => unwrap(enterSync({ net: h }, () => threadLink('net'))));
      if (unwrap(r) === String(h)) inside++;
    }
    assert.equal(inside, 2100);
    const end = processCounts();
    assert.deepEqual({ fds: end.fds, threads: end.threads }, { fds: baseline.fds, threads: baseline.threads });
    assert.equal(threadLink('net'), origNet);
  } finally {
    h.close();
    u.close();
  }
});

// Outcomes of all but the last task of a batch are posted to the pool as they finish. They once
// went on a BroadcastChannel, which also queued each of them in every other worker: a worker
// drains its channels only while its event loop turns, never while it waits for tasks, so with
// synchronous tasks those queues grew without end (~240 bytes per task measured, the outcome's
// size more for larger ones). Here 60,000 streamed outcomes of 4 KB each would pile up ~240 MB.
// rss is the measure (those queues are native memory, in no V8 heap), taken once it has reached
// its plateau: under this load V8 grows the main thread's young generation (Node 24: from 2 x 32
// to 2 x 64 MiB), and the pages it later gives back stay in rss, so rss climbs by up to ~110 MiB
// over the first ~50,000 outcomes on Node 22-26 (~10 MiB on Node 20) and then stays within
// ~15 MiB per further 60,000. A leak is linear: the second 60,000 show it as much as the first.
test("a worker's streamed outcomes reach the pool only: memory stays flat over 60,000 outcomes of 4 KB on 2 workers", { skip: notRoot }, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const pool = new NamespacePool({ threads: 2 });
  try {
    const burst = async (n) => {
      let streamed = 0;
      for (let i = 0; i < n; i += 64) {
        const rs = await Promise.all(Array.from({ length: 64 }, () => pool.run({}, POOL_TASKS, 'blob', 4096)));
        for (const r of rs) assert.equal(unwrap(r).length, 4096);
        streamed += 64;
      }
      return streamed;
    };
    await burst(60000); // warm: heaps (the young generation's size) and JIT settle, see above
    gc();
    const before = process.memoryUsage().rss;
    await burst(60000);
    gc();
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(grown < 80, `rss grew by ${grown.toFixed(0)} MiB over 60,000 outcomes of 4 KB`);
  } finally {
    await pool.close();
  }
});

// Aborts travel on a BroadcastChannel to the workers. A worker reads it only while its event loop
// turns (while it awaits an async task); subscribed all the time, it queued every abort the pool
// sent while it ran synchronous tasks or waited for work (~330 bytes each measured: +70 MiB over
// 200,000 aborts). Workers now join the channel only while they await.
test('aborting tasks already handed to workers that run synchronous tasks queues nothing in them: memory stays flat over 200,000 aborts', { skip: notRoot }, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const pool = new NamespacePool({ threads: 2 });
  try {
    const round = async () => {
      const acs = Array.from({ length: 64 }, () => new AbortController());
      const rs = acs.map((ac) => pool.run({}, POOL_TASKS, 'tid', undefined, { signal: ac.signal }));
      await new Promise((r) => setImmediate(r)); // pumped: handed to the workers
      for (const ac of acs) ac.abort();
      for (const r of await Promise.all(rs)) if (r.isErr()) assert.equal(r.error.kind, 'aborted');
    };
    for (let i = 0; i < 300; i++) await round(); // warm
    gc();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 3125; i++) await round();
    gc();
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(grown < 32, `rss grew by ${grown.toFixed(0)} MiB over 200,000 aborts`);
  } finally {
    await pool.close();
  }
});
