// linuxns-runtime's OCI hooks at the points the runtime spec names: prestart
// and createRuntime during create, createContainer inside the container (its
// path resolved outside), startContainer inside during start, poststart after
// it, poststop after delete; each with the state on stdin (its status that of
// the point); a failing createContainer hook fails create and leaves nothing;
// a hook past its timeout is killed and counts as failed.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBundle } from '../../container/test/fixtures/bundle.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { cgroupsNamed, runToFiles, runtimeBinary, waitFor } from './fixtures/runtime.js';

const skip = skipReason();

describe('linuxns-runtime hooks', { skip }, () => {
  let fs;
  let tmp;
  let root;
  let bin;
  const rt = (args) => runToFiles(bin, ['--root', root, ...args], tmp.dir);
  /** A hook on the host that appends its name to `order` and keeps its stdin in NAME.json. */
  const hostHook = (name) => ({ path: '/bin/sh', args: ['sh', '-c', `cat > '${join(tmp.dir, `${name}.json`)}'; echo ${name} >> '${join(tmp.dir, 'order')}'`] });
  /** A script on the host, run inside the container (busybox's sh runs it): exits 0 when its state says `status`. */
  const insideScript = (name, status) => {
    const file = join(tmp.dir, `${name}.sh`);
    writeFileSync(file, `#!/bin/sh\nread state\ncase "$state" in *'"status":"${status}"'*) exit 0;; esac\nexit 3\n`);
    chmodSync(file, 0o755);
    return file;
  };
  const order = () => (existsSync(join(tmp.dir, 'order')) ? readFileSync(join(tmp.dir, 'order'), 'utf8').split('\n').filter(Boolean) : []);

  before(() => {
    bin = runtimeBinary();
    fs = makeRootfs('linuxns-runtime-hooks-');
    tmp = tempDir('runtime-hooks');
    root = join(tmp.dir, 'root');
  });
  after(() => {
    fs?.remove();
    tmp?.remove();
  });

  test('every hook runs at its point with the state of that point on stdin', async (t) => {
    t.after(() => rt(['delete', '--force', 'h1']));
    const bundle = makeBundle(join(tmp.dir, 'b1'), fs.root, ['sleep', '1000'], (spec) => {
      spec.hooks = {
        prestart: [hostHook('prestart')],
        createRuntime: [hostHook('createRuntime')],
        createContainer: [{ path: insideScript('createContainer', 'created') }],
        startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'read state; case "$state" in *\'"status":"created"\'*) exit 0;; esac; exit 3'] }],
        poststart: [hostHook('poststart')],
        poststop: [hostHook('poststop')],
      };
    });
    const made = rt(['create', '-b', bundle, 'h1']);
    assert.equal(made.status, 0, made.stderr);
    assert.deepEqual(order(), ['prestart', 'createRuntime']);
    const pid = JSON.parse(rt(['state', 'h1']).stdout).pid;
    const prestart = JSON.parse(readFileSync(join(tmp.dir, 'prestart.json'), 'utf8'));
    assert.deepEqual(prestart, { ociVersion: '1.0.2-dev', id: 'h1', status: 'creating', pid, bundle });
    const started = rt(['start', 'h1']);
    assert.equal(started.status, 0, started.stderr);
    assert.ok(await waitFor(() => order().includes('poststart')));
    assert.equal(JSON.parse(readFileSync(join(tmp.dir, 'poststart.json'), 'utf8')).status, 'running');
    assert.equal(rt(['delete', '--force', 'h1']).status, 0);
    assert.deepEqual(order(), ['prestart', 'createRuntime', 'poststart', 'poststop']);
    assert.equal(JSON.parse(readFileSync(join(tmp.dir, 'poststop.json'), 'utf8')).status, 'stopped');
  });

  test('a createContainer hook that fails, or one past its timeout, fails create and leaves nothing', () => {
    const failing = makeBundle(join(tmp.dir, 'b2'), fs.root, ['sleep', '1000'], (spec) => {
      spec.hooks = { createContainer: [{ path: insideScript('wrong', 'no-such-status') }] };
    });
    const r = rt(['create', '-b', failing, 'h2']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /createContainer hook .*exit status 3/);
    assert.equal(rt(['state', 'h2']).status, 1, 'nothing left of the failed create');
    assert.deepEqual(cgroupsNamed('h2'), []);
    const slow = makeBundle(join(tmp.dir, 'b3'), fs.root, ['sleep', '1000'], (spec) => {
      spec.hooks = { prestart: [{ path: '/bin/sleep', args: ['sleep', '30'], timeout: 1 }] };
    });
    const began = Date.now();
    const s = rt(['create', '-b', slow, 'h3']);
    assert.equal(s.status, 1);
    assert.ok(Date.now() - began < 15_000, 'the timeout ended the hook');
    assert.equal(rt(['state', 'h3']).status, 1);
  });
});
