// linuxns-runtime killed in the middle of create (SIGKILL at a range of
// moments, as an engine's timeout would): the next command reads an honest
// state (the container does not exist, or exists in a status it can be
// deleted from), delete --force removes whatever exists, and nothing is left
// (processes, cgroups, mounts, state directories).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBundle } from '../../container/test/fixtures/bundle.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { cgroupsNamed, mountsWith, processesWith, runToFiles, runtimeBinary, waitFor } from './fixtures/runtime.js';

const skip = skipReason();
const TAG = `lrk-${process.pid}`;

describe('linuxns-runtime killed in the middle of create', { skip }, () => {
  let fs;
  let tmp;
  let root;
  let bundle;
  let bin;
  const rt = (args) => runToFiles(bin, ['--root', root, ...args], tmp.dir);

  before(() => {
    bin = runtimeBinary();
    fs = makeRootfs('linuxns-runtime-crash-');
    tmp = tempDir('runtime-crash');
    root = join(tmp.dir, 'root');
    bundle = makeBundle(join(tmp.dir, 'bundle'), fs.root, ['sh', '-c', 'while :; do sleep 1; done', TAG]);
  });
  after(() => {
    fs?.remove();
    tmp?.remove();
  });

  test('at each moment, the state after is honest and delete --force leaves nothing', async () => {
    const statuses = new Set();
    for (const ms of [20, 60, 100, 140, 180, 240, 320, 450]) {
      const id = `k${ms}`;
      const child = spawn(bin, ['--root', root, 'create', '-b', bundle, id], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
      const s = rt(['state', id]);
      if (s.status === 0) {
        const { status } = JSON.parse(s.stdout);
        assert.ok(['creating', 'created', 'stopped'].includes(status), `${id}: ${status}`);
        statuses.add(status);
      } else {
        assert.match(s.stderr, /container does not exist/);
        statuses.add('none');
      }
      const d = rt(['delete', '--force', id]);
      assert.equal(d.status, 0, `${id}: ${d.stderr}`);
      assert.equal(rt(['state', id]).status, 1, `${id} is gone`);
      assert.deepEqual(cgroupsNamed(id), [], `${id}: no cgroup left`);
    }
    assert.ok(statuses.size >= 2, `the kills fell at different moments: ${[...statuses]}`);
    assert.ok(await waitFor(() => processesWith(TAG).length === 0), `processes left: ${processesWith(TAG)}`);
    assert.deepEqual(mountsWith(tmp.dir), []);
    assert.deepEqual(existsSync(root) ? readdirSync(root).filter((n) => !n.startsWith('.')) : [], []);
  });
});
