// spawn()'s exit statuses and signals: codes and signals pass through
// exactly, with or without a supervising helper, as unshare --fork reports
// them; signals reach the command itself; parentDeathSignal and SIGKILL end
// it whatever the helper does.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn as spawnProcess, spawnSync } from 'node:child_process';
import { finished } from 'node:stream/promises';
import { spawn } from '../dist/index.js';
import { sleep, unwrap } from './fixtures/ns-helpers.js';
import { assertDies, childrenOf, DIST, sh, spawnTestSetup } from './fixtures/spawn-helpers.js';

spawnTestSetup(before, after);

describe('exit status passes through exactly', () => {
  for (const [label, create] of [
    ['without a supervising helper (create [])', []],
    ['with a supervising helper (create ["user"])', ['user']],
    ['with pid 1 under a supervisor (create ["user", "pid"])', ['user', 'pid']],
  ]) {
    test(`exit codes 0, 1, 7 and 255 come back as they are, ${label}`, async () => {
      for (const code of [0, 1, 7, 255]) {
        const r = await sh(`exit ${code}`, { create });
        assert.deepEqual({ code: r.code, signal: r.signal }, { code, signal: null });
      }
    });
  }

  for (const [label, create] of [
    ['without a supervising helper', []],
    ['with a supervising helper', ['user']],
  ]) {
    test(`a command killed by SIGTERM or SIGUSR1 ends with {code: null, signal}, ${label}`, async () => {
      for (const sig of ['SIGTERM', 'SIGUSR1']) {
        const r = await sh(`kill -${sig.slice(3)} $$`, { create });
        assert.deepEqual({ code: r.code, signal: r.signal }, { code: null, signal: sig });
      }
    });
  }

  test('exit codes and signals come back as unshare --user --fork reports them', async () => {
    for (const script of ['exit 7', 'exit 255', 'kill -USR1 $$', 'kill -TERM $$']) {
      const theirs = spawnSync('unshare', ['--user', '--fork', 'sh', '-c', script]);
      const ours = await sh(script, { create: ['user'] });
      assert.deepEqual({ code: ours.code, signal: ours.signal }, { code: theirs.status, signal: theirs.signal }, script);
    }
  });

  test('unlike unshare --fork, which ignores SIGTERM and forwards nothing, the helper passes SIGTERM on to the command', async () => {
    // --kill-child so that the SIGKILL below also ends unshare's sleep.
    const theirs = spawnProcess('unshare', ['--user', '--fork', '--kill-child', 'sleep', '30'], { stdio: 'ignore' });
    const theirExit = new Promise((r) => theirs.once('exit', (code, signal) => r({ code, signal })));
    try {
      let kid;
      for (let i = 0; i < 500 && !kid; i++) {
        await sleep(5);
        kid = childrenOf(theirs.pid).find((k) => k.comm === 'sleep');
      }
      assert.ok(kid, 'unshare --fork started no sleep');
      theirs.kill('SIGTERM');
      await sleep(100);
      assert.equal(childrenOf(theirs.pid).find((k) => k.pid === kid.pid)?.state, 'S', 'the sleep under unshare got the SIGTERM');
      assert.equal(theirs.exitCode, null, 'unshare itself ended on SIGTERM');
    } finally {
      theirs.kill('SIGKILL');
    }
    assert.deepEqual(await theirExit, { code: null, signal: 'SIGKILL' });
    const ours = unwrap(await spawn('sleep', ['30'], { create: ['user'], stdio: 'ignore' }));
    ours.kill('SIGTERM');
    assert.deepEqual(await ours.exited, { code: null, signal: 'SIGTERM' });
  });

  test('a supervising helper has a pid of its own: NsChild.pid is the command, which echoes it as $$', async () => {
    const r = await sh('echo $$', { create: ['user'], mapRootUser: true });
    assert.equal(r.out, `${r.pid}\n`);
  });

  test("child.kill('SIGTERM') reaches sleep 30 in a new user namespace, and exited reports SIGTERM", async () => {
    const child = unwrap(await spawn('sleep', ['30'], { create: ['user'], mapRootUser: true, stdio: 'ignore' }));
    const started = Date.now();
    assert.equal(child.kill('SIGTERM'), true);
    assert.deepEqual(await child.exited, { code: null, signal: 'SIGTERM' });
    assert.ok(Date.now() - started < 5000, 'sleep ran on');
    await assertDies(child.pid, 'the sleep');
  });

  test('the signal is delivered to the command itself, not merely to the helper: a TERM trap in the command runs', async () => {
    // The trap kills its background sleep too, so that nothing outlives the test.
    const script = "trap 'kill $!; echo got-TERM; exit 42' TERM; sleep 30 & echo ready; wait";
    const child = unwrap(await spawn('sh', ['-c', script], { create: ['user'], mapRootUser: true }));
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    while (!out.includes('ready')) await sleep(5);
    child.kill('SIGTERM');
    assert.deepEqual(await child.exited, { code: 42, signal: null });
    await finished(child.stdout);
    assert.equal(out, 'ready\ngot-TERM\n');
  });

  test('parentDeathSignal reaches the command when the spawning thread ends, also through a supervising helper', () => {
    // In a node process of its own: a child spawned from a worker that ends is never reaped by
    // Node (its event loop is gone), and its zombie must not count against this process's children.
    const script = `
      import { Worker } from 'node:worker_threads';
      import { readFileSync } from 'node:fs';
      const state = (pid) => { try { const s = readFileSync('/proc/' + pid + '/stat', 'utf8'); return s.slice(s.lastIndexOf(')') + 2)[0]; } catch { return 'gone'; } };
      const results = [];
      for (const [create, signal] of ${JSON.stringify([
        [[], 'SIGKILL'],
        [['user'], 'SIGKILL'],
        [['user'], 'SIGTERM'],
        [['user', 'pid'], 'SIGKILL'],
      ])}) {
        const w = new Worker(\`
          import('node:worker_threads').then(async ({ parentPort, workerData }) => {
            const { spawn } = await import(workerData.dist);
            const r = await spawn('sleep', ['30'], { create: workerData.create, parentDeathSignal: workerData.signal, stdio: 'ignore' });
            parentPort.postMessage(r.isOk() ? r.value.pid : r.error.message);
          });\`, { eval: true, workerData: { dist: ${JSON.stringify(DIST)}, create, signal } });
        const pid = await new Promise((r) => w.once('message', r));
        // Running (R) until sleep is in its nanosleep: on a loaded machine that takes a moment.
        let before = state(pid);
        for (let i = 0; i < 200 && before === 'R'; i++) {
          await new Promise((r) => setTimeout(r, 10));
          before = state(pid);
        }
        await w.terminate();
        let after = state(pid);
        for (let i = 0; i < 200 && after !== 'Z' && after !== 'gone'; i++) {
          await new Promise((r) => setTimeout(r, 10));
          after = state(pid);
        }
        if (after !== 'Z' && after !== 'gone') process.kill(pid, 'SIGKILL');
        results.push({ create, signal, pid, before, after });
      }
      console.log(JSON.stringify(results));`;
    const results = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
    assert.equal(results.length, 4);
    for (const { create, signal, pid, before, after } of results) {
      const what = `create ${JSON.stringify(create)}, ${signal}`;
      assert.equal(typeof pid, 'number', `${what}: ${pid}`);
      assert.equal(before, 'S', `${what}: the command did not run while its thread lived`);
      assert.ok(after === 'Z' || after === 'gone', `${what}: the command still runs after its thread ended (state ${after})`);
    }
  });

  for (const create of [['user'], ['pid', 'mnt'], ['user', 'pid']]) {
    test(`child.kill('SIGKILL'), which the helper cannot forward, still ends the command (create ${JSON.stringify(create)})`, async () => {
      const child = unwrap(await spawn('sleep', ['30'], { create, stdio: 'ignore' }));
      child.kill('SIGKILL');
      assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' });
      await assertDies(child.pid, 'the command of a SIGKILLed helper');
    });
  }
});
