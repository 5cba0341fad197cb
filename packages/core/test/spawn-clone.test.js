// spawn's in-process path (clone.ts, liblinuxns's lns_spawn): the command's
// process made by clone(CLONE_VM | CLONE_VFORK) from the main thread, new
// namespaces made by the clone, joins in the child, exits reported by
// liblinuxns's reaping thread. No helper is involved (LINUXNS_HELPER points at
// nothing, as in spawn-direct.test.js). Identities by inode; fds, children and
// threads counted before and after.
import assert from 'node:assert/strict';
import { spawn as spawnProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createNamespace, spawn } from '../dist/index.js';
import { assertNothingLeft, childrenOf, snapshot } from './fixtures/spawn-helpers.js';
import { collect, errorOf, inoOf, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'creating namespaces needs root' : false;
const TYPES = ['net', 'uts', 'ipc', 'mnt', 'cgroup', 'pid'];
let saved;
let savedPath;
before(async () => {
  saved = process.env.LINUXNS_HELPER;
  process.env.LINUXNS_HELPER = '/nonexistent/linuxns-helper';
  // These are the paths without the helper: a run of the suites forced onto the helper does not apply here.
  savedPath = process.env.LINUXNS_SPAWN;
  delete process.env.LINUXNS_SPAWN;
  if (!notRoot) await collect(unwrap(await spawn('true', [], { create: ['net'] }))); // loads liblinuxns, starts its reaper
});
after(() => {
  if (saved === undefined) delete process.env.LINUXNS_HELPER;
  else process.env.LINUXNS_HELPER = saved;
  if (savedPath !== undefined) process.env.LINUXNS_SPAWN = savedPath;
});

const threads = () => readdirSync('/proc/self/task').length;

test('new net, uts, ipc, mnt, cgroup and pid namespaces without the helper: the command is in new ones, pid 1, its mounts private', { skip: notRoot }, async () => {
  const script = `for t in ${TYPES.join(' ')}; do readlink /proc/self/ns/$t; done; echo $$; grep -c shared: /proc/self/mountinfo; exit 5`;
  const r = await collect(unwrap(await spawn('/bin/sh', ['-c', script], { create: TYPES, stdio: ['ignore', 'pipe', 'pipe'] })));
  assert.equal(r.code, 5, r.err);
  const lines = r.out.trim().split('\n');
  TYPES.forEach((t, i) => assert.notEqual(inoOf(lines[i]), inoOf(readlinkSync(`/proc/self/ns/${t}`)), `${t}: not a new namespace`));
  assert.equal(lines[6], '1', 'the command is pid 1 of its pid namespace');
  assert.equal(lines[7], '0', 'no mount propagates (private, as unshare makes a new mount namespace)');
});

test('joins and creations together; the caller stays where it was', { skip: notRoot }, async () => {
  const net = unwrap(await createNamespace('net'));
  try {
    const mine = readlinkSync('/proc/thread-self/ns/net');
    const r = await collect(unwrap(await spawn('sh', ['-c', 'readlink /proc/self/ns/net /proc/self/ns/uts'], { join: { net }, create: ['uts'] })));
    const [n, u] = r.out.trim().split('\n');
    assert.equal(inoOf(n), net.ino);
    assert.notEqual(inoOf(u), inoOf(readlinkSync('/proc/self/ns/uts')));
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), mine);
  } finally {
    net.close();
  }
});

test('process settings without the helper: hostname, domainname, cwd, umask, rlimits, session, parent-death signal, ids, capabilities, no_new_privs', { skip: notRoot }, async () => {
  const script = 'hostname; domainname; pwd; umask; ulimit -Sn; ulimit -Hn; id -u; id -g; id -G; ps -o sid= -p $$; grep -E "^(CapBnd|CapEff|CapAmb|NoNewPrivs)" /proc/self/status; /usr/bin/python3 -c "import ctypes; s = ctypes.c_int(0); ctypes.CDLL(None).prctl(2, ctypes.byref(s)); print(s.value)"';
  const r = await collect(unwrap(await spawn('sh', ['-c', script], {
    create: ['uts', 'mnt'], hostname: 'box', domainname: 'example.org', cwd: '/tmp', umask: 0o027, rlimits: { nofile: { soft: 64, hard: 128 } },
    newSession: true, parentDeathSignal: 'SIGTERM', user: { uid: 1000, gid: 2000, groups: [3000] }, noNewPrivileges: true, mountPropagation: 'slave',
    capabilities: { bounding: ['net_bind_service'], permitted: ['net_bind_service'], effective: ['net_bind_service'], inheritable: ['net_bind_service'], ambient: ['net_bind_service'] },
    stdio: ['ignore', 'pipe', 'pipe'],
  })));
  assert.equal(r.code, 0, r.err);
  const [host, domain, cwd, umask, soft, hard, uid, gid, groups, sid, eff, bnd, amb, nnp] = r.out.trim().split('\n').map((l) => l.trim());
  assert.deepEqual([host, domain, cwd, umask, soft, hard, uid, gid], ['box', 'example.org', '/tmp', '0027', '64', '128', '1000', '2000']);
  assert.deepEqual(groups.split(' ').sort(), ['2000', '3000']);
  assert.notEqual(Number(sid), process.pid, 'the command leads a session of its own');
  assert.match(bnd, /CapBnd:\s+0000000000000400/);
  assert.match(eff, /CapEff:\s+0000000000000400/, 'uid 1000 keeps net_bind_service through the ambient set');
  assert.match(amb, /CapAmb:\s+0000000000000400/);
  assert.match(nnp, /NoNewPrivs:\s+1/);
  // The parent-death signal, read by the command itself (a shell's child would not inherit it), set again after the ids changed.
  const probe = 'import ctypes; s = ctypes.c_int(0); ctypes.CDLL(None).prctl(2, ctypes.byref(s)); print(s.value)';
  const d = await collect(unwrap(await spawn('/usr/bin/python3', ['-c', probe], { parentDeathSignal: 'SIGTERM', user: { uid: 1000, gid: 1000 } })));
  assert.equal(d.out.trim(), '15', d.err);
});

test('each setting the kernel refuses fails at the helper\'s step and syscall, runs nothing and leaves nothing', { skip: notRoot }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'linuxns-clone-'));
  try {
    const marker = join(dir, 'ran');
    const cases = [
      [{ cwd: join(dir, 'nowhere') }, ['cwd', 'chdir', 'ENOENT']],
      [{ root: join(dir, 'nowhere') }, ['root', 'chroot', 'ENOENT']],
      [{ create: ['uts'], hostname: 'x'.repeat(65) }, ['hostname', 'sethostname', 'EINVAL']],
      [{ create: ['uts'], domainname: 'x'.repeat(65) }, ['domainname', 'setdomainname', 'EINVAL']],
      [{ rlimits: { nofile: { soft: 2 ** 40, hard: 2 ** 40 } } }, ['rlimit', 'setrlimit']],
    ];
    for (const [options, want] of cases) {
      const before = snapshot();
      // By path: a name run in another root (root) is searched by the helper's execvp, inside it.
      const e = errorOf(await spawn('/usr/bin/touch', [marker], { ...options, stdio: 'ignore' }), 'spawn-setup-failed');
      assert.deepEqual([e.step, e.syscall, e.code].slice(0, want.length), want, JSON.stringify(options));
      assert.equal(existsSync(marker), false, 'the command did not run');
      await assertNothingLeft(before, `a failed ${want[0]}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('joins of mnt and pid namespaces without the helper: the command is pid 1\'s sibling in them, the caller stays in its own', { skip: notRoot }, async () => {
  const sleeper = spawnProcess('unshare', ['--pid', '--mount', '--fork', '--kill-child', 'sleep', '30'], { stdio: 'ignore' });
  try {
    let target;
    for (let i = 0; i < 200 && !target; i++) {
      await new Promise((r) => setTimeout(r, 10));
      target = childrenOf(sleeper.pid).find((k) => k.comm === 'sleep')?.pid;
    }
    assert.ok(target, 'the sleeper started');
    const mine = ['pid', 'pid_for_children', 'mnt'].map((t) => readlinkSync(`/proc/thread-self/ns/${t}`));
    const r = await collect(unwrap(await spawn('/bin/sh', ['-c', 'readlink /proc/self/ns/pid /proc/self/ns/mnt; echo $$'], { join: { pid: target, mnt: target } })));
    const [pid, mnt, inner] = r.out.trim().split('\n');
    assert.equal(inoOf(pid), inoOf(readlinkSync(`/proc/${target}/ns/pid`)));
    assert.equal(inoOf(mnt), inoOf(readlinkSync(`/proc/${target}/ns/mnt`)));
    assert.notEqual(inner, '1', 'pid 1 is the sleeper; the command is another process of its namespace');
    assert.deepEqual(['pid', 'pid_for_children', 'mnt'].map((t) => readlinkSync(`/proc/thread-self/ns/${t}`)), mine, 'the caller is where it was');
    // A child_process spawn after it is made in our pid namespace, not the joined one.
    const theirs = spawnProcess('readlink', ['/proc/self/ns/pid']);
    let out = '';
    theirs.stdout.on('data', (d) => (out += d));
    await new Promise((res) => theirs.once('close', res));
    assert.equal(out.trim(), mine[0]);
    const e = errorOf(await spawn('true', [], { join: { pid: target }, create: ['pid'] }), 'invalid-option');
    assert.ok(e);
  } finally {
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
  }
});

test('a join of a user namespace without the helper: root in it as nsenter makes it, or the ids kept with preserveCredentials', { skip: notRoot }, async () => {
  const sleeper = spawnProcess('unshare', ['--user', 'sleep', '30'], { stdio: 'ignore' });
  try {
    await new Promise((r) => sleeper.once('spawn', r));
    // unshare execs sleep in its new user namespace: map it from here (host root is not mapped in it).
    for (let i = 0; i < 200 && readlinkSync(`/proc/${sleeper.pid}/ns/user`) === readlinkSync('/proc/self/ns/user'); i++) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(`/proc/${sleeper.pid}/uid_map`, '0 100000 65536\n');
    writeFileSync(`/proc/${sleeper.pid}/gid_map`, '0 100000 65536\n');
    const probe = 'readlink /proc/self/ns/user; id -u; id -g';
    const root = await collect(unwrap(await spawn('sh', ['-c', probe], { join: { user: sleeper.pid } })));
    const [ns, uid, gid] = root.out.trim().split('\n');
    assert.equal(inoOf(ns), inoOf(readlinkSync(`/proc/${sleeper.pid}/ns/user`)));
    assert.deepEqual([uid, gid], ['0', '0'], 'root of the joined namespace (host 100000)');
    const kept = await collect(unwrap(await spawn('sh', ['-c', probe], { join: { user: sleeper.pid }, preserveCredentials: true })));
    assert.deepEqual(kept.out.trim().split('\n').slice(1), ['65534', '65534'], 'host root kept: unmapped in the namespace, so the overflow id');
    const theirs = spawnProcess('nsenter', ['-t', String(sleeper.pid), '-U', 'sh', '-c', probe]);
    let out = '';
    theirs.stdout.on('data', (d) => (out += d));
    await new Promise((res) => theirs.once('close', res));
    assert.equal(root.out, out, 'as nsenter -U');
  } finally {
    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
  }
});

test('a new user namespace without the helper: the maps written while the child waits, root in it when asked, owner of the other new namespaces', { skip: notRoot }, async () => {
  const probe = 'id -u; cat /proc/self/uid_map /proc/self/setgroups; echo $$; hostname';
  const mapped = await collect(unwrap(await spawn('sh', ['-c', probe], { create: ['user', 'mnt', 'pid', 'uts'], mapRootUser: true, hostname: 'box' })));
  const [uid, map, setgroups, pid, host] = mapped.out.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  assert.deepEqual([uid, map, setgroups, pid, host], ['0', '0 0 1', 'deny', '1', 'box'], mapped.err);
  const range = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const script = 'id -u; id -g; readlink /proc/self/ns/user /proc/self/ns/net';
  const root = await collect(unwrap(await spawn('sh', ['-c', script], { create: ['user', 'net'], uidMappings: range, gidMappings: range, usernsRoot: true })));
  const [u, g, userNs, netNs] = root.out.trim().split('\n');
  assert.deepEqual([u, g], ['0', '0'], 'usernsRoot: uid and gid 0 of the namespace (host 100000)');
  assert.notEqual(inoOf(userNs), inoOf(readlinkSync('/proc/self/ns/user')));
  assert.notEqual(inoOf(netNs), inoOf(readlinkSync('/proc/self/ns/net')));
  const overflow = await collect(unwrap(await spawn('id', ['-u'], { create: ['user'], uidMappings: range, gidMappings: range })));
  assert.equal(overflow.out.trim(), '65534', 'without usernsRoot host root stays unmapped there');
  // A step after the maps fails as on the helper path, and the waiting child leaves nothing.
  const before = snapshot();
  const e = errorOf(await spawn('true', [], { create: ['user', 'pid'], mapRootUser: true, cwd: '/nonexistent/linuxns', stdio: 'ignore' }), 'spawn-setup-failed');
  assert.deepEqual([e.step, e.syscall, e.code], ['cwd', 'chdir', 'ENOENT']);
  await assertNothingLeft(before, 'a failed spawn in a new user namespace');
});

test('a new time namespace without the helper: the command enters it at its exec with the offsets written, the caller stays', { skip: notRoot }, async () => {
  const mine = readlinkSync('/proc/self/ns/time');
  const uptime = () => Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
  const script = 'cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time';
  const r = await collect(unwrap(await spawn('sh', ['-c', script], { create: ['time', 'pid'], timeOffsets: { monotonic: { secs: -2, nanosecs: 5 }, boottime: 86400 } })));
  const [mono, boot, up, ns] = r.out.trim().split('\n');
  assert.match(mono, /monotonic\s+-2\s+5$/);
  assert.match(boot, /boottime\s+86400\s+0/);
  assert.ok(Math.abs(Number(up) - 86400 - uptime()) < 60, `uptime ${up} is ours plus a day`);
  assert.notEqual(inoOf(ns), inoOf(mine));
  assert.equal(readlinkSync('/proc/self/ns/time'), mine);
  assert.equal(readlinkSync('/proc/self/ns/time_for_children'), mine, 'our later children are made in our time namespace');
  const before = snapshot();
  const e = errorOf(await spawn('true', [], { create: ['time', 'user'], mapRootUser: true, timeOffsets: { monotonic: -(2 ** 40) }, stdio: 'ignore' }), 'spawn-setup-failed');
  assert.deepEqual([e.step, e.syscall, e.code], ['time-offsets', 'write', 'ERANGE']);
  await assertNothingLeft(before, 'refused time offsets');
});

test('exit codes, signals, stdin, PATH search and env as through child_process', { skip: notRoot }, async () => {
  assert.equal((await collect(unwrap(await spawn('sh', ['-c', 'exit 7'], { create: ['net'] })))).code, 7);
  const killed = unwrap(await spawn('sleep', ['30'], { create: ['pid'], stdio: 'ignore' }));
  assert.equal(killed.kill('SIGKILL'), true);
  assert.deepEqual(await killed.exited, { code: null, signal: 'SIGKILL' });
  assert.equal(killed.kill('SIGKILL'), false, 'a reaped command is not signalled');
  const cat = unwrap(await spawn('cat', [], { create: ['uts'] }));
  cat.stdin.end('through stdin\n');
  assert.equal((await collect(cat)).out, 'through stdin\n');
  const env = await collect(unwrap(await spawn('sh', ['-c', 'echo "$A:$HOME"'], { create: ['ipc'], env: { A: 'x' }, envMode: 'replace' })));
  assert.equal(env.out, 'x:\n');
  // Without env the command gets our environment as it is now (the library reads environ itself).
  process.env.LINUXNS_CLONE_TEST = 'set here';
  const savedHome = process.env.HOME;
  delete process.env.HOME;
  try {
    const ours = await collect(unwrap(await spawn('sh', ['-c', 'echo "$LINUXNS_CLONE_TEST:${HOME-unset}"'], { create: ['ipc'] })));
    assert.equal(ours.out, 'set here:unset\n');
  } finally {
    delete process.env.LINUXNS_CLONE_TEST;
    if (savedHome !== undefined) process.env.HOME = savedHome;
  }
  const missing = errorOf(await spawn('no-such-command-linuxns', [], { create: ['net'] }), 'spawn-setup-failed');
  assert.deepEqual([missing.step, missing.syscall, missing.code], ['exec', 'execvp', 'ENOENT']);
  const dir = mkdtempSync(join(tmpdir(), 'linuxns-clone-'));
  try {
    writeFileSync(join(dir, 'no-x'), 'echo hi\n', { mode: 0o644 });
    writeFileSync(join(dir, 'no-shebang'), 'echo "by sh: $1"\n', { mode: 0o755 });
    const notExec = errorOf(await spawn(join(dir, 'no-x'), [], { create: ['net'] }), 'spawn-setup-failed');
    assert.deepEqual([notExec.step, notExec.code], ['exec', 'EACCES']);
    // execvp's rule: a file the kernel cannot execute is run by /bin/sh.
    assert.equal((await collect(unwrap(await spawn(join(dir, 'no-shebang'), ['arg'], { create: ['net'] })))).out, 'by sh: arg\n');
    const onPath = await collect(unwrap(await spawn('no-shebang', ['p'], { create: ['net'], env: { PATH: dir } })));
    assert.equal(onPath.out, 'by sh: p\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a child_process.spawn running at the same time gets its own exit, and ours get theirs', { skip: notRoot }, async () => {
  const theirs = spawnProcess('sh', ['-c', 'sleep 0.3; exit 9']);
  const theirExit = new Promise((r) => theirs.once('exit', (code) => r(code)));
  const ours = await Promise.all(Array.from({ length: 20 }, (_, i) => spawn('sh', ['-c', `exit ${i}`], { create: ['uts'], stdio: 'ignore' })));
  const codes = await Promise.all(ours.map((r) => unwrap(r).exited.then((s) => s.code)));
  assert.deepEqual(codes, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(await theirExit, 9);
});

test('10,000 spawns, some failing, some in new namespaces, leave no fd, no child, no zombie and no thread behind', { skip: notRoot }, async () => {
  const before = snapshot();
  const beforeThreads = threads();
  for (let i = 0; i < 10_000; i++) {
    if (i % 100 === 99) {
      errorOf(await spawn('/no/such', [], { create: ['uts'] }), 'spawn-setup-failed');
      continue;
    }
    const child = unwrap(await spawn('/bin/true', [], { create: i % 10 === 0 ? ['uts'] : [], stdio: i % 7 ? 'ignore' : 'pipe' }));
    if (i % 7) await child.exited;
    else await collect(child);
  }
  await assertNothingLeft(before, '10,000 in-process spawns');
  assert.equal(threads(), beforeThreads, 'no thread left');
  assert.deepEqual(childrenOf().filter((k) => k.state === 'Z'), [], 'no zombie');
});

test('in a worker thread a spawn that creates namespaces goes through the helper; one that joins only, through the thread', { skip: notRoot }, async () => {
  const code = `
    import { workerData, parentPort } from 'node:worker_threads';
    const { spawn } = await import(workerData.dist);
    const created = await spawn('/bin/true', [], { create: ['uts'], stdio: 'ignore' });
    const joined = await spawn('/bin/true', [], { join: { uts: '/proc/self/ns/uts' }, stdio: 'ignore' });
    parentPort.postMessage([created.isErr() ? created.error.kind : 'ok', joined.isOk() ? (await joined.value.exited).code : joined.error.kind]);`;
  const w = new Worker(code, { eval: true, workerData: { dist: new URL('../dist/index.js', import.meta.url).href } });
  const [created, joined] = await new Promise((resolve, reject) => w.once('message', resolve).once('error', reject));
  await w.terminate();
  assert.equal(created, 'helper-not-found', 'the helper path (LINUXNS_HELPER points at nothing)');
  assert.equal(joined, 0);
});

test('LINUXNS_SPAWN=helper sends every spawn to the helper', { skip: notRoot }, async () => {
  process.env.LINUXNS_SPAWN = 'helper';
  try {
    errorOf(await spawn('/bin/true', [], { create: ['net'], stdio: 'ignore' }), 'helper-not-found');
    errorOf(await spawn('/bin/true', [], { stdio: 'ignore' }), 'helper-not-found');
  } finally {
    delete process.env.LINUXNS_SPAWN;
  }
});
