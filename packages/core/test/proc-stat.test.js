// readProcessStat() and openDifferingNamespaces(), without root: a process's
// /proc/PID/stat read right whatever its command name holds, nothing for a
// pid that does not exist, and our own namespaces never differing from ours.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as spawnProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDifferingNamespaces, readProcessStat } from '../dist/index.js';
import { errorOf, sleep, unwrap } from './fixtures/ns-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'linuxns-proc-stat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('readProcessStat reads its own process: pid, parent, running state, a start time', () => {
  const me = readProcessStat(process.pid);
  assert.equal(me.pid, process.pid);
  assert.equal(me.ppid, process.ppid);
  // The kernel's comm, not the executable's name: Node 24 and later name their main thread 'MainThread'.
  assert.equal(me.comm, readFileSync('/proc/self/comm', 'utf8').replace(/\n$/, ''));
  assert.ok(['R', 'S'].includes(me.state), me.state);
  assert.ok(Number.isInteger(me.startTime) && me.startTime > 0);
  assert.equal(readProcessStat(process.pid).startTime, me.startTime, 'the start time stays');
});

test('readProcessStat finds the fields after the last ")": a command named "a) S 1 (b" is parsed right', async () => {
  const file = join(dir, 'a) S 1 (b');
  copyFileSync('/bin/sleep', file);
  const child = spawnProcess(file, ['30'], { stdio: 'ignore' });
  try {
    let stat;
    for (let i = 0; i < 500 && stat?.comm !== 'a) S 1 (b'; i++) {
      await sleep(5);
      stat = readProcessStat(child.pid);
    }
    assert.equal(stat.comm, 'a) S 1 (b');
    assert.equal(stat.ppid, process.pid);
    assert.equal(stat.pid, child.pid);
    assert.ok(stat.startTime >= readProcessStat(process.pid).startTime);
  } finally {
    child.kill('SIGKILL');
  }
});

test('readProcessStat of a pid that does not exist is undefined; a zombie still has its stat', async () => {
  assert.equal(readProcessStat(2 ** 22 + 1), undefined);
  const child = spawnProcess('/bin/true', [], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  // Not reaped until Node's handler runs: poll for the zombie, then let it be reaped.
  let state;
  for (let i = 0; i < 500 && state !== 'Z' && state !== undefined; i++) {
    state = readProcessStat(child.pid)?.state;
    if (state !== 'Z') await sleep(1);
  }
  assert.ok(state === 'Z' || state === undefined, state);
});

test('openDifferingNamespaces of our own pid opens nothing; of a missing pid it is no-such-process', () => {
  assert.deepEqual(unwrap(openDifferingNamespaces(process.pid)), {});
  assert.deepEqual(unwrap(openDifferingNamespaces(process.pid, { skipMissing: true })), {});
  errorOf(openDifferingNamespaces(2 ** 22 + 1), 'no-such-process');
  assert.throws(() => openDifferingNamespaces(0), RangeError);
});
