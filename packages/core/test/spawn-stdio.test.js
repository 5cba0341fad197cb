// spawn()'s stdio, env and cwd: pipes whose output is kept until it is read
// (also after exited, also more than a stream buffers), 'ignore', fds, the
// environment extended or replaced, and the working directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { spawn } from '../dist/index.js';
import { collect, sleep, unwrap } from './fixtures/ns-helpers.js';
import { run, sh, spawnTestSetup } from './fixtures/spawn-helpers.js';

const tmp = spawnTestSetup(before, after);

describe('stdio, env and cwd', () => {
  test("stdio 'pipe': what is written to cat's stdin comes back on its stdout", async () => {
    for (const create of [[], ['user', 'pid']]) {
      const child = unwrap(await spawn('cat', [], { create }));
      child.stdin.end('hello through the helper\n');
      const r = await collect(child);
      assert.equal(r.out, 'hello through the helper\n');
      assert.equal(r.code, 0);
    }
  });

  test('output of a quick command is kept until the caller reads it, even after other awaits', async () => {
    for (let i = 0; i < 20; i++) {
      const child = unwrap(await spawn('echo', [`line ${i}`], i % 2 ? { create: ['user'] } : {}));
      await child.exited; // the command is gone before anyone reads its output
      await sleep(1);
      const r = await collect(child);
      assert.equal(r.out, `line ${i}\n`);
    }
  });

  test('a data listener attached after the command is long gone has all of its output once exited resolves', async () => {
    // The pattern callers write: listen, then await exited. Here the command has exited, and its
    // output has come in, before the listener exists (as when spawn resolves late): exited is
    // already settled, and must still not hand control back before the listener's flow.
    for (const options of [{}, { create: ['user'] }, { create: ['user', 'pid'] }]) {
      const child = unwrap(await spawn('echo', ['out'], { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
      await child.exited;
      await sleep(20);
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      assert.deepEqual(await child.exited, { code: 0, signal: null });
      assert.equal(out, 'out\n', JSON.stringify(options));
    }
  });

  test('output read only after exited is all there, more of it than the streams buffer (48 KiB)', async () => {
    const size = 48 << 10; // fits the pipe (64 KiB), so the command exits with nobody reading; over a stream's 16 KiB
    for (const options of [{}, { create: ['user'] }]) {
      const child = unwrap(await spawn('head', ['-c', String(size), '/dev/zero'], { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
      let timer;
      const late = new Promise((resolve) => (timer = setTimeout(resolve, 10000, 'still waiting after 10 s')));
      const status = await Promise.race([child.exited, late]).finally(() => clearTimeout(timer));
      assert.deepEqual(status, { code: 0, signal: null }, `${JSON.stringify(options)}: exited must not wait for a reader`);
      let got = 0;
      child.stdout.on('data', (d) => (got += d.length));
      await finished(child.stdout);
      assert.equal(got, size);
    }
  });

  test('a process left behind holding stdout delays exited until it closes it, as Node\'s close event; destroying the stream stops the wait', async () => {
    // Without a new pid namespace (whose end would kill it), the background writer outlives sh.
    for (const options of [{}, { create: ['user'] }]) {
      const t0 = Date.now();
      const writer = unwrap(await spawn('sh', ['-c', '(sleep 0.3; echo late) & echo early'], { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
      let out = '';
      writer.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      assert.deepEqual(await writer.exited, { code: 0, signal: null });
      assert.equal(out, 'early\nlate\n', `${JSON.stringify(options)}: the background writer's output is part of what exited waits for`);
      assert.ok(Date.now() - t0 >= 300, 'exited came before the background writer closed the pipe');
    }

    const child = unwrap(await spawn('sh', ['-c', 'sleep 30 & echo $!'], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const sleeper = Number(await new Promise((resolve) => child.stdout.setEncoding('utf8').once('data', resolve)));
    let timer;
    try {
      child.stdout.destroy();
      const late = new Promise((resolve) => (timer = setTimeout(resolve, 5000, 'still waiting after 5 s')));
      assert.deepEqual(await Promise.race([child.exited, late]), { code: 0, signal: null });
    } finally {
      clearTimeout(timer);
      process.kill(sleeper, 'SIGKILL');
    }
  });

  test("stdio 'ignore' gives the command /dev/null on 0, 1 and 2, and the child no streams", async () => {
    const report = join(tmp.dir, 'ignore-fds');
    // The shell's own fds ($$), read by a pipeline whose end writes the report: dash redirects a simple
    // command's fds in the shell itself while it runs, but a pipeline's only in its children.
    const child = unwrap(await spawn('sh', ['-c', `readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 | cat > ${report}`], { stdio: 'ignore' }));
    assert.deepEqual([child.stdin, child.stdout, child.stderr], [null, null, null]);
    assert.deepEqual(await child.exited, { code: 0, signal: null });
    assert.equal(readFileSync(report, 'utf8'), '/dev/null\n/dev/null\n/dev/null\n');
  });

  test('an fd as stdout: the command writes into the file behind it', async () => {
    const file = join(tmp.dir, 'stdout-fd');
    const fd = openSync(file, 'w');
    try {
      const child = unwrap(await spawn('sh', ['-c', 'echo to the fd; echo to stderr >&2'], { stdio: ['ignore', fd, 'pipe'] }));
      assert.equal(child.stdout, null);
      const r = await collect(child);
      assert.equal(r.code, 0);
      assert.equal(r.err, 'to stderr\n');
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(file, 'utf8'), 'to the fd\n');
  });

  test("env with envMode 'extend' (the default) adds to this process's environment and overrides it", async () => {
    const r = await sh('echo "$LINUXNS_TEST_VAR|$PATH|$HOME"', { env: { LINUXNS_TEST_VAR: 'a b=c', HOME: '/nowhere' } });
    assert.equal(r.out, `a b=c|${process.env.PATH}|/nowhere\n`);
  });

  test("env with envMode 'replace' is the command's whole environment", async () => {
    const r = await run('env', [], { env: { A: '1', B: 'two words' }, envMode: 'replace' });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'A=1\nB=two words\n');
    const empty = await run('/usr/bin/env', [], { envMode: 'replace' });
    assert.equal(empty.out, '');
  });

  test('cwd is the working directory of the command, also in new user and mount namespaces', async () => {
    const dir = join(tmp.dir, 'work dir');
    mkdirSync(dir);
    for (const create of [[], ['user', 'mnt']]) {
      const r = await run('pwd', [], { cwd: dir, create, ...(create.length ? { mapRootUser: true } : {}) });
      assert.equal(r.out, `${realpathSync(dir)}\n`);
    }
  });
});
