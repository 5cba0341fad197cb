// spawn's preserveCredentials: joining a user namespace that does not map
// uid/gid 0, compared with nsenter --preserve-credentials on the same target.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { spawn } from '../dist/index.js';
import { collect, errorOf, sleep, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'creating user namespaces with foreign maps needs root' : false;

async function output(options) {
  const child = unwrap(await spawn('/bin/sh', ['-c', 'echo $(id -u) $(id -g); readlink /proc/self/ns/user'], { stdio: ['ignore', 'pipe', 'inherit'], ...options }));
  const { out, code, signal } = await collect(child);
  assert.deepEqual({ code, signal }, { code: 0, signal: null });
  return out;
}

test('preserveCredentials joins a user namespace without uid 0 in its map, as nsenter --preserve-credentials does', { skip: notRoot }, async () => {
  const map = [{ containerID: 1000, hostID: 201000, size: 1000 }];
  const holder = unwrap(await spawn('sleep', ['60'], { create: ['user'], uidMappings: map, gidMappings: map, stdio: 'ignore' }));
  try {
    for (let i = 0; i < 200 && !readFileSync(`/proc/${holder.pid}/cmdline`, 'latin1').startsWith('sleep'); i++) await sleep(5);
    const ours = await output({ join: { user: `/proc/${holder.pid}/ns/user` }, preserveCredentials: true });
    const theirs = execFileSync('nsenter', ['--preserve-credentials', '-U', '-t', String(holder.pid), '/bin/sh', '-c', 'echo $(id -u) $(id -g); readlink /proc/self/ns/user'], { encoding: 'utf8' });
    assert.equal(ours, theirs);
    assert.match(ours, /^65534 65534\n/, 'root of the parent namespace is unmapped inside: the overflow ids');
    // Without it, becoming root inside fails: 0 is not mapped (nsenter fails the same way).
    const e = errorOf(await spawn('/bin/true', [], { join: { user: `/proc/${holder.pid}/ns/user` }, stdio: 'ignore' }), 'spawn-setup-failed');
    assert.equal(e.step, 'join');
    assert.equal(e.code, 'EINVAL');
    assert.throws(() => execFileSync('nsenter', ['-U', '-t', String(holder.pid), '/bin/true'], { stdio: 'ignore' }));
  } finally {
    holder.kill('SIGKILL');
    await holder.exited;
  }
});

test('preserveCredentials without a user namespace to join is an invalid option', async () => {
  const e = errorOf(await spawn('/bin/true', [], { preserveCredentials: true, stdio: 'ignore' }), 'invalid-option');
  assert.equal(e.option, 'preserveCredentials');
});
