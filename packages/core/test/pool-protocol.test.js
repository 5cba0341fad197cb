// The pool's wire (thread/protocol.ts) as pure code, without root: what the pool side encodes,
// the worker side decodes to the same thing, and the other way round.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeBatch, decodeMessage, decodeReply, encodeBatch, encodeMessage, encodeReply, RETIRE_CAUSES, abortedBeforeStart } from '../dist/thread/protocol.js';

const task = (id, over = {}) => ({ id, target: [], module: 'file:///t.js', exportName: 'f', arg: undefined, ...over });

describe('the pool wire', () => {
  test('a batch of tasks with every kind of target entry, flags and timeouts comes back as sent', () => {
    const req = {
      sliceMs: 5,
      tasks: [
        task(1, { target: [{ type: 'net', path: '/run/netns/a' }, { type: 'uts', fd: 42 }, { type: 'mnt', create: true }], arg: { n: 1, s: 'x' } }),
        task(2, { verifyAll: true, timeoutMs: 250, arg: [1, 2, 3] }),
        task(3, { target: [{ type: 'cgroup', create: true }, { type: 'pid', path: '/proc/1/ns/pid' }], arg: null }),
      ],
    };
    const wire = encodeBatch(req);
    assert.ok(Array.isArray(wire) && wire.every((x) => typeof x !== 'object' || x === null || x === req.tasks[0].arg || x === req.tasks[1].arg), 'flat: only primitives and the args');
    assert.deepEqual(decodeBatch(structuredClone(wire)), req);
  });

  test('flags that are off are left out, not sent as false', () => {
    const d = decodeBatch(encodeBatch({ sliceMs: 0, tasks: [task(7)] }));
    assert.deepEqual(Object.keys(d.tasks[0]).sort(), ['arg', 'exportName', 'id', 'module', 'target']);
  });

  test('replies: the last outcome (ok or error) and the tasks given back', () => {
    const cases = [
      { givenBack: [] },
      { last: [3, { ok: true, value: { deep: [1] } }], givenBack: [] },
      { last: [4, { ok: false, error: { kind: 'not-found', message: 'm', path: '/x' } }], givenBack: [5, 6] },
      { givenBack: [8, 9] },
    ];
    for (const r of cases) assert.deepEqual(decodeReply(structuredClone(encodeReply(r))), r);
  });

  test('every message a worker posts, retire with each cause included', () => {
    const msgs = [
      { type: 'result', id: 1, outcome: { ok: true, value: 'v' } },
      { type: 'result', id: 2, outcome: { ok: false, error: { kind: 'task-failed', name: 'Error', message: 'boom' } } },
      { type: 'give-back', ids: [3, 4] },
      { type: 'ready', threadId: 9 },
      ...RETIRE_CAUSES.map((cause, i) => ({ type: 'retire', id: 10 + i, cause, threadId: 3, outcome: { ok: false, error: { kind: 'restore-failed', message: 'r' } }, givenBack: [20 + i] })),
    ];
    for (const m of msgs) assert.deepEqual(decodeMessage(structuredClone(encodeMessage(m))), m);
  });

  test("what is not one of the pool's messages decodes to undefined (piscina's own traffic shares the port)", () => {
    for (const junk of [undefined, null, 1, 'x', {}, [], [99], [-1, 2], { type: 'result' }]) assert.equal(decodeMessage(junk), undefined, JSON.stringify(junk));
  });

  test('an aborted-before-start outcome is a fresh object each time', () => {
    const a = abortedBeforeStart();
    assert.deepEqual(a, { ok: false, error: { kind: 'aborted', message: 'the task was aborted before it started' } });
    assert.notEqual(a.error, abortedBeforeStart().error);
  });
});
