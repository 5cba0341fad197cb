import { readlinkSync } from 'node:fs';
// enterSync on the main thread against the real kernel: where the thread is
// inside fn and after, checked by inode in /proc/thread-self/ns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createNamespace, enterSync, pinNamespace, unpinNamespace, SYNC_TYPES } from '../dist/index.js';
import { assertSameNamespace, errorOf, selfLink, tempDir, threadLink, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'enterSync tests create namespaces and need root (CAP_SYS_ADMIN)';
const ALL = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'];
const original = notRoot ? {} : Object.fromEntries(ALL.map((t) => [t, threadLink(t)]));

/** Every namespace of the calling thread is the original one. */
function assertAtOriginal(what) {
  for (const t of ALL) assert.equal(threadLink(t), original[t], `${what}: ${t}`);
}

describe('enterSync', { skip: notRoot }, () => {
  const handles = {};
  let tmp;

  before(async () => {
    tmp = tempDir();
    for (const t of SYNC_TYPES) {
      handles[t] = unwrap(await createNamespace(t));
      unwrap(pinNamespace(handles[t], `${tmp.dir}/${t}`));
    }
  });
  after(() => {
    for (const t of SYNC_TYPES) {
      handles[t]?.close();
      unpinNamespace(`${tmp.dir}/${t}`);
    }
    tmp?.remove();
  });

  test('accepts exactly net, uts, ipc and cgroup', () => {
    assert.deepEqual([...SYNC_TYPES].sort(), ['cgroup', 'ipc', 'net', 'uts']);
  });

  for (const type of ['net', 'uts', 'ipc', 'cgroup']) {
    test(`fn runs in the ${type} namespace given by handle, by path or as 'new', and the thread is back in its own after`, () => {
      const h = handles[type];
      assert.notEqual(String(h), original[type]);
      for (const [how, value] of [
        ['handle', h],
        ['path', `${tmp.dir}/${type}`],
      ]) {
        const inside = unwrap(enterSync({ [type]: value }, () => ({ thread: threadLink(type), self: selfLink(type) })));
        assertSameNamespace(inside.thread, h, `by ${how}`);
        assert.equal(inside.self, inside.thread, 'on the main thread /proc/self is the thread itself');
        assertAtOriginal(`after joining by ${how}`);
      }
      const fresh = unwrap(enterSync({ [type]: 'new' }, () => threadLink(type)));
      assert.notEqual(fresh, original[type]);
      assert.notEqual(fresh, String(h));
      assertAtOriginal("after 'new'");
    });
  }

  test('all four types can be joined at once', () => {
    const inside = unwrap(enterSync({ net: handles.net, uts: handles.uts, ipc: `${tmp.dir}/ipc`, cgroup: 'new' }, () => Object.fromEntries(ALL.map((t) => [t, threadLink(t)]))));
    assertSameNamespace(inside.net, handles.net, 'net');
    assertSameNamespace(inside.uts, handles.uts, 'uts');
    assertSameNamespace(inside.ipc, handles.ipc, 'ipc');
    assert.notEqual(inside.cgroup, original.cgroup);
    assert.deepEqual([inside.mnt, inside.pid], [original.mnt, original.pid]);
    assertAtOriginal('after');
  });

  test('a nested enterSync (net A inside net B) restores to B, then to the original', async () => {
    const b = unwrap(await createNamespace('net'));
    try {
      const seen = unwrap(
        enterSync({ net: b }, () => {
          const outer = threadLink('net');
          const inner = unwrap(enterSync({ net: handles.net }, () => threadLink('net')));
          return { outer, inner, back: threadLink('net') };
        }),
      );
      assertSameNamespace(seen.outer, b, 'outer');
      assertSameNamespace(seen.inner, handles.net, 'inner');
      assertSameNamespace(seen.back, b, 'after the inner call');
      assertAtOriginal('after the outer call');
    } finally {
      b.close();
    }
  });

  test("a nested enterSync inside a 'new' namespace restores to that new namespace, then to the original", () => {
    const seen = unwrap(
      enterSync({ net: 'new', uts: 'new' }, () => {
        const outer = { net: threadLink('net'), uts: threadLink('uts') };
        const inner = unwrap(enterSync({ net: handles.net, uts: 'new' }, () => ({ net: threadLink('net'), uts: threadLink('uts') })));
        return { outer, inner, back: { net: threadLink('net'), uts: threadLink('uts') } };
      }),
    );
    assert.notEqual(seen.outer.net, original.net);
    assertSameNamespace(seen.inner.net, handles.net, 'inner');
    assert.notEqual(seen.inner.uts, seen.outer.uts);
    assert.deepEqual(seen.back, seen.outer);
    assertAtOriginal('after the outer call');
  });

  test('a throwing fn gives task-failed with the thrown error as cause, and the namespace is restored', () => {
    const thrown = new SyntaxError('bad inside');
    let where;
    const e = errorOf(
      enterSync({ net: handles.net }, () => {
        where = threadLink('net');
        throw thrown;
      }),
      'task-failed',
    );
    assertSameNamespace(where, handles.net, 'fn ran inside');
    assert.equal(e.cause, thrown);
    assert.equal(e.name, 'SyntaxError');
    assert.equal(e.message, 'bad inside');
    assertAtOriginal('after the throw');
    const nonError = errorOf(enterSync({ uts: 'new' }, () => { throw 'a string'; }), 'task-failed');
    assert.equal(nonError.cause, 'a string');
    assertAtOriginal('after a thrown string');
  });

  test('a fn that returns a promise makes enterSync throw a TypeError, after restoring', async () => {
    let where;
    assert.throws(
      () =>
        enterSync({ net: handles.net }, async () => {
          where = threadLink('net');
          return 1;
        }),
      TypeError,
    );
    assertSameNamespace(where, handles.net, 'the synchronous part ran inside');
    assertAtOriginal('after the TypeError');
  });

  for (const type of ['mnt', 'pid', 'user', 'time']) {
    test(`${type} is refused with unsupported-in-thread and fn never runs`, () => {
      let ran = false;
      const e = errorOf(enterSync({ [type]: 'new' }, () => (ran = true)), 'unsupported-in-thread');
      assert.equal(e.namespace, type);
      assert.equal(typeof e.hint, 'string');
      errorOf(enterSync({ net: handles.net, [type]: `/proc/self/ns/${type}` }, () => (ran = true)), 'unsupported-in-thread');
      assert.equal(ran, false);
      assertAtOriginal('after');
    });
  }

  test('a bad target is an error, fn never runs and nothing changes', async () => {
    let ran = false;
    const fn = () => (ran = true);
    // A good handle first: the bad entry must be found before anything is joined.
    errorOf(enterSync({ net: handles.net, uts: '/nonexistent/linuxns/uts' }, fn), 'not-found');
    errorOf(enterSync({ net: handles.net, uts: '/proc/self/ns/ipc' }, fn), 'wrong-namespace-type');
    errorOf(enterSync({ net: handles.net, uts: '/etc/hostname' }, fn), 'not-a-namespace');
    errorOf(enterSync({ net: handles.net, uts: handles.ipc }, fn), 'wrong-namespace-type');
    errorOf(enterSync({ net: 'relative/path' }, fn), 'invalid-target');
    errorOf(enterSync({ network: handles.net, netns: 'new' }, fn), 'unknown-namespace-type');
    const closed = unwrap(await createNamespace('net'));
    closed.close();
    assert.throws(() => enterSync({ net: closed }, fn), TypeError);
    assert.throws(() => enterSync({ net: 'new' }, 'not a function'), TypeError);
    assert.equal(ran, false);
    assertAtOriginal('after the bad targets');
  });

  test('a failed restore (setns denied on the thread by the function itself) aborts the process with a FATAL message naming enterSync', () => {
    const module = new URL('../dist/index.js', import.meta.url).href;
    const deny = new URL('./fixtures/deny-setns.js', import.meta.url).href;
    const code = `
      import { enterSync } from ${JSON.stringify(module)};
      import { denySetns } from ${JSON.stringify(deny)};
      enterSync({ net: 'new' }, () => denySetns());
      console.log('survived');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.signal, 'SIGABRT', `status ${r.status}, stderr: ${r.stderr}`);
    assert.match(r.stderr, /FATAL/);
    assert.match(r.stderr, /enterSync/);
    assert.match(r.stderr, /EPERM/);
    assert.doesNotMatch(r.stdout, /survived/);
  });

  test('a function that throws an unprintable value still leaves the thread restored', () => {
    const before = readlinkSync('/proc/thread-self/ns/net');
    const r = enterSync({ net: 'new' }, () => {
      throw Object.assign(Object.create(null), { n: 1n });
    });
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'task-failed');
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), before);
  });
});
