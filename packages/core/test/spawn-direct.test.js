// spawn's paths without the helper: when only net/uts/ipc/cgroup namespaces
// are joined and net/uts/ipc/mnt/cgroup/pid ones created (with stdio and
// env; on the main thread mnt and pid joins and the process settings too,
// spawn-clone.test.js), no helper is involved: on the main thread liblinuxns clones the
// command's process in-process (clone.ts); in a worker the thread joins for
// the synchronous fork+exec of child_process (direct.ts). Shown by pointing
// LINUXNS_HELPER at nothing: these still work, the helper path reports
// helper-not-found. Identities by inode.
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createNamespace, spawn } from '../dist/index.js';
import { collect, errorOf, inoOf, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'creating namespaces needs root' : false;
const handles = {};
let saved;
let savedPath;
before(async () => {
  if (notRoot) return;
  for (const t of ['net', 'uts', 'ipc', 'cgroup']) handles[t] = unwrap(await createNamespace(t));
  saved = process.env.LINUXNS_HELPER;
  process.env.LINUXNS_HELPER = '/nonexistent/linuxns-helper';
  // These are the paths without the helper: a run of the suites forced onto the helper does not apply here.
  savedPath = process.env.LINUXNS_SPAWN;
  delete process.env.LINUXNS_SPAWN;
});
after(() => {
  if (saved === undefined) delete process.env.LINUXNS_HELPER;
  else process.env.LINUXNS_HELPER = saved;
  if (savedPath !== undefined) process.env.LINUXNS_SPAWN = savedPath;
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

test('anything more (a new user namespace with joins, a user join with new namespaces, mountProc, fds...) goes through the helper', { skip: notRoot }, async () => {
  errorOf(await spawn('/bin/true', [], { create: ['mnt', 'pid'], mountProc: true, stdio: 'ignore' }), 'helper-not-found');
  errorOf(await spawn('/bin/true', [], { create: ['user'], mapRootUser: true, join: { net: handles.net }, stdio: 'ignore' }), 'helper-not-found');
  errorOf(await spawn('/bin/true', [], { join: { net: handles.net }, fds: { 3: 0 }, stdio: 'ignore' }), 'helper-not-found');
  errorOf(await spawn('/bin/true', [], { join: { user: '/proc/self/ns/user' }, create: ['uts'], stdio: 'ignore' }), 'helper-not-found');
});
