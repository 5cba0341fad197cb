// spawn's direct path: when only net/uts/ipc/cgroup namespaces are joined (and
// stdio/env given), no helper is involved — the calling thread joins them for
// the synchronous fork+exec and is back at once. Shown by pointing
// LINUXNS_HELPER at nothing: the direct path still works, the helper path
// reports helper-not-found. Identities by inode.
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createNamespace, spawn } from '../dist/index.js';
import { collect, errorOf, inoOf, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'creating namespaces needs root' : false;
const handles = {};
let saved;
before(async () => {
  if (notRoot) return;
  for (const t of ['net', 'uts', 'ipc', 'cgroup']) handles[t] = unwrap(await createNamespace(t));
  saved = process.env.LINUXNS_HELPER;
  process.env.LINUXNS_HELPER = '/nonexistent/linuxns-helper';
});
after(() => {
  if (saved === undefined) delete process.env.LINUXNS_HELPER;
  else process.env.LINUXNS_HELPER = saved;
  Object.values(handles).forEach((h) => h.close());
});

test('joining net, uts, ipc and cgroup needs no helper; the command is in them, the caller is not', { skip: notRoot }, async () => {
  const mine = Object.fromEntries(['net', 'uts', 'ipc', 'cgroup'].map((t) => [t, readlinkSync(`/proc/thread-self/ns/${t}`)]));
  const script = 'for t in net uts ipc cgroup; do readlink /proc/self/ns/$t; done; echo "$GREETING"; exit 4';
  const r = await collect(unwrap(await spawn('/bin/sh', ['-c', script], { join: handles, env: { GREETING: 'hi' }, stdio: ['ignore', 'pipe', 'pipe'] })));
  assert.equal(r.code, 4);
  const lines = r.out.trim().split('\n');
  ['net', 'uts', 'ipc', 'cgroup'].forEach((t, i) => assert.equal(inoOf(lines[i]), handles[t].ino, `${t}: not the joined namespace`));
  assert.equal(lines[4], 'hi');
  for (const t of Object.keys(mine)) assert.equal(readlinkSync(`/proc/thread-self/ns/${t}`), mine[t], `the caller stayed in ${t}`);
});

test('a missing command is spawn-setup-failed at exec, as through the helper', { skip: notRoot }, async () => {
  const e = errorOf(await spawn('/no/such/command', [], { join: { net: handles.net }, stdio: 'ignore' }), 'spawn-setup-failed');
  assert.deepEqual([e.step, e.code], ['exec', 'ENOENT']);
});

test('anything more (a new namespace, a user or mnt join, cwd, rlimits...) goes through the helper', { skip: notRoot }, async () => {
  errorOf(await spawn('/bin/true', [], { create: ['uts'], stdio: 'ignore' }), 'helper-not-found');
  errorOf(await spawn('/bin/true', [], { join: { net: handles.net }, cwd: '/', stdio: 'ignore' }), 'helper-not-found');
  errorOf(await spawn('/bin/true', [], { join: { mnt: '/proc/self/ns/mnt' }, stdio: 'ignore' }), 'helper-not-found');
});
