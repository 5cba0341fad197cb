// A caller killed with SIGKILL in the middle of create or start, at 20
// different points (LINUXNS_CONTAINER_CRASH_AT: the Nth checkpoint kills it),
// never leaves a state that load misreports: what load says is checked
// against the files and the kernel (the cgroup's processes), then destroy
// leaves nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Factory } from '../dist/index.js';
import { makeRootfs, skipReason } from './fixtures/rootfs.js';
import { exists, pidsIn, unwrap } from './fixtures/helpers.js';

const skip = skipReason();
const CHILD = fileURLToPath(new URL('./fixtures/crash-child.js', import.meta.url));

function runChild(root, id, rootfs, crashAt, count = false) {
  return new Promise((resolve) => {
    const env = { ...process.env, LINUXNS_CONTAINER_CRASH_AT: String(crashAt), ...(count ? { LINUXNS_CONTAINER_CRASH_COUNT: '1' } : {}) };
    const child = spawn(process.execPath, [CHILD, root, id, rootfs], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('a caller killed in the middle of create or start', { skip }, () => {
  let fs;
  let base;
  before(() => {
    fs = makeRootfs();
    base = mkdtempSync(join(tmpdir(), 'linuxns-crash-'));
  });
  after(() => {
    fs.remove();
    rmSync(base, { recursive: true, force: true });
  });

  test('at each of 20 points, load reports what is there, and destroy cleans it all', async () => {
    const root = join(base, 'root');
    const seen = new Map();
    // How many checkpoints a whole create + start passes (it depends on the cgroup layout).
    const full = await runChild(root, 'count', fs.root, 0, true);
    const total = Number(/checkpoints (\d+)/.exec(full.stderr)[1]);
    unwrap(await new Factory(root).load('count').asyncAndThen((c) => c.destroy()));
    // Checkpoints at once; then, up to 20 points, the one after the helper was started with a
    // delay, so that the caller dies while the helper is in the middle of the init's setup.
    // With more checkpoints than 12 (a cgroup in many v1 hierarchies), the first six (create) and the last six (start).
    const every = Array.from({ length: total }, (_, k) => String(k + 1));
    const some = every.length > 12 ? [...every.slice(0, 6), ...every.slice(-6)] : every;
    const points = [...some, ...[0, 1, 2, 3, 5, 8, 13, 21].map((ms) => `${total - 1}+${ms}`)].slice(0, 20);
    assert.equal(points.length, 20);
    for (const at of points) {
      const id = `crash-${at.replace('+', '-')}`;
      const r = await runChild(root, id, fs.root, at);
      assert.ok(r.signal === 'SIGKILL' || r.code === 0, `point ${at}: the child failed otherwise: ${r.code} ${r.signal} ${r.stderr}`);
      // A helper the caller left behind finishes its setup (or dies) on its own: let it settle.
      await new Promise((res) => setTimeout(res, 150));
      const loaded = new Factory(root).load(id);
      const dir = join(root, id);
      if (loaded.isErr()) {
        assert.equal(loaded.error.kind, 'container-not-found', `point ${at}: ${loaded.error.message}`);
        assert.equal(existsSync(dir), false, `point ${at}: load says not found, but ${dir} exists`);
        seen.set(at, 'not-found');
        continue;
      }
      const c = loaded.value;
      const st = unwrap(c.state());
      seen.set(at, st.status);
      const pids = pidsIn(st.cgroupPaths);
      const pidFile = existsSync(join(dir, 'init.pid')) ? readFileSync(join(dir, 'init.pid'), 'utf8') : '';
      switch (st.status) {
        case 'creating':
          assert.ok(!existsSync(join(dir, 'config.json')) || !existsSync(join(dir, 'state.json')), `point ${at}: creating, yet both files exist`);
          assert.deepEqual(pids, [], `point ${at}: creating, yet processes run`);
          break;
        case 'created':
          assert.equal(pidFile, '', `point ${at}: created, yet an init pid is recorded`);
          assert.deepEqual(pids, [], `point ${at}: created, yet processes run in its cgroup`);
          break;
        case 'running':
          assert.ok(pids.includes(st.pid), `point ${at}: running, but ${st.pid} is not in its cgroup (${pids})`);
          assert.equal(readFileSync(`/proc/${st.pid}/comm`, 'utf8').trim(), 'sleep');
          break;
        case 'stopped':
          assert.deepEqual(pids, [], `point ${at}: stopped, yet processes run`);
          break;
        default:
          assert.fail(`point ${at}: status ${st.status}`);
      }
      unwrap(await c.destroy());
      assert.equal(existsSync(dir), false, `point ${at}: destroy left ${dir}`);
      for (const p of st.cgroupPaths) assert.equal(exists(p), false, `point ${at}: destroy left ${p}`);
      if (st.pid) assert.equal(exists(`/proc/${st.pid}`) && readFileSync(`/proc/${st.pid}/comm`, 'utf8').trim() === 'sleep', false);
    }
    // The points cover create (creating, created) and start (created, running).
    const statuses = new Set(seen.values());
    for (const s of ['creating', 'created', 'running']) assert.ok(statuses.has(s), `no point left a ${s} container: ${[...seen]}`);
  });
});
