// Review fixes: cgroup paths that name a hierarchy root (and the guards of
// killCgroup/removeCgroup), unlimited rlimits through config.json, one start
// at a time, processes in child cgroups and exec'd processes killed by
// destroy, configs refused at create rather than at start, CAP_MKNOD without
// a user namespace, a failed create giving its id back, and misuse thrown.
// Real kernel, busybox rootfs. No test here ever destroys a container whose
// cgroup is a hierarchy root: the validators and guards are called directly.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn as spawnChild } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Factory, fromOciSpec, validateConfig, validateId } from '../dist/index.js';
import { cgroupDirs, isHierarchyRoot, killCgroup, normalizeCgroupPath, removeCgroup } from '../dist/cgroup.js';
import { skipReason } from './fixtures/rootfs.js';
import { containerSuite } from './fixtures/suite.js';
import { output, pidsIn, PIPE, unwrap } from './fixtures/helpers.js';

const skip = skipReason();
const BASIC = [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'net' }];
const MAP = [{ containerID: 0, hostID: 300000, size: 65536 }];
const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
/** mkdir -p of a cgroup; a v1 cpuset directory gets its parent's cpus and mems, without which no process can join it (ENOSPC). */
const makeCgroup = (d) => {
  mkdirSync(d, { recursive: true });
  if (!d.startsWith('/sys/fs/cgroup/cpuset/')) return;
  const chain = [];
  for (let at = d; at !== '/sys/fs/cgroup/cpuset'; at = join(at, '..')) chain.unshift(at);
  for (const at of chain) for (const f of ['cpuset.cpus', 'cpuset.mems']) if (readFileSync(join(at, f), 'utf8').trim() === '') writeFileSync(join(at, f), readFileSync(join(at, '..', f), 'utf8').trim());
};

const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};

async function gone(pid, ms = 3000) {
  const end = Date.now() + ms;
  while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return !alive(pid);
}

describe('review fixes', { skip }, () => {
  const kept = [];
  const suite = containerSuite('r', {
    cleanup: () => {
      for (const p of kept) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    },
  });
  const { id } = suite;
  let fs;
  let base;
  let factory;
  before(() => ({ fs, dir: base, factory } = suite));

  test('a cgroup path naming a hierarchy root (".", "/", "..", "a/../..") is refused by create, validateConfig and fromOciSpec (an absolute cgroupsPath); nothing is made', () => {
    for (const path of ['.', '/', '', '..', 'a/../..', '../x', 'a/./b', './', '//', 'a/..', 'x\0y']) {
      const cfg = { rootfs: { path: fs.root }, namespaces: BASIC, cgroup: { path } };
      const v = validateConfig(cfg, false);
      assert.equal(v.isErr() && v.error.kind, 'container-config-invalid', JSON.stringify(path));
      assert.equal(v.error.field, 'cgroup.path');
      const i = id();
      const r = factory.create(i, cfg);
      assert.equal(r.isErr() && r.error.kind, 'container-config-invalid');
      assert.equal(existsSync(join(factory.root, i)), false);
    }
    // An OCI cgroupsPath is absolute (a relative one is below the caller's cgroup, as runc reads it).
    for (const cgroupsPath of ['/', '/a/../..', '/./', '/..']) {
      const r = fromOciSpec({ ociVersion: '1.0.2', root: { path: fs.root }, linux: { namespaces: [{ type: 'mount' }], cgroupsPath } }, base);
      assert.equal(r.isErr() && r.error.kind, 'container-config-invalid', cgroupsPath);
      assert.equal(r.error.field, 'linux.cgroupsPath');
    }
    // Leading and repeated slashes are dropped: kept normalized.
    assert.equal(unwrap(validateConfig({ rootfs: { path: fs.root }, namespaces: BASIC, cgroup: { path: '//x//y/' } }, false)).cgroup.path, 'x/y');
    assert.equal(normalizeCgroupPath('/a/b'), 'a/b');
  });

  test('killCgroup and removeCgroup refuse a hierarchy root (or anything outside /sys/fs/cgroup) and kill nothing', async () => {
    const roots = [...cgroupDirs('x').map((d) => join(d, '..')), '/sys/fs/cgroup', '/sys/fs/cgroup/', '/sys/fs/cgroup/x/..', '/tmp', '/'];
    if (!v2) roots.push(...cgroupDirs('x').map((d) => `${d}/../.`));
    // The pure check first: if it failed, the calls below must not be made.
    for (const r of roots) assert.equal(isHierarchyRoot(r), true, r);
    for (const d of cgroupDirs(`linuxns-review-${process.pid}/c`)) assert.equal(isHierarchyRoot(d), false, d);
    for (const r of roots) {
      await assert.rejects(killCgroup([r], 100), RangeError, r);
      await assert.rejects(removeCgroup([r], 100), RangeError, r);
    }
    assert.equal(alive(1), true);
  });

  test('an existing cgroup with processes is never taken: create refuses it, start refuses it once populated, destroy leaves it alone', async () => {
    const rel = `linuxns-review-${process.pid}-own`;
    const dirs = cgroupDirs(rel);
    for (const d of dirs) makeCgroup(d);
    const sleepIn = () => {
      const p = spawnChild('sleep', ['100'], { stdio: 'ignore' });
      kept.push(p.pid);
      for (const d of dirs) writeFileSync(join(d, 'cgroup.procs'), String(p.pid));
      return p;
    };
    let sleeper = sleepIn();
    try {
      const i = id();
      const r = factory.create(i, { rootfs: { path: fs.root }, namespaces: BASIC, cgroup: { path: rel } });
      assert.equal(r.isErr() && r.error.kind, 'container-config-invalid');
      assert.equal(r.error.field, 'cgroup.path');
      assert.equal(existsSync(join(factory.root, i)), false);
      // Empty at create, populated before start.
      sleeper.kill('SIGKILL');
      assert.ok(await gone(sleeper.pid));
      const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC, cgroup: { path: rel } }));
      sleeper = sleepIn();
      const s = await c.start({ args: ['true'] }, { stdio: 'ignore' });
      assert.equal(s.isErr() && s.error.kind, 'container-config-invalid');
      assert.equal(unwrap(c.state()).status, 'created');
      unwrap(await c.destroy());
      assert.equal(alive(sleeper.pid), true, 'destroy killed a process that was not the container\'s');
      for (const d of dirs) assert.equal(existsSync(d), true, `destroy removed ${d}`);
      assert.deepEqual(pidsIn(dirs), [sleeper.pid]);
    } finally {
      sleeper.kill('SIGKILL');
      await gone(sleeper.pid);
      for (const d of dirs) {
        for (let k = 0; k < 100; k++) {
          try {
            rmdirSync(d);
            break;
          } catch {
            await new Promise((res) => setTimeout(res, 10));
          }
        }
      }
    }
  });

  test('an unlimited rlimit survives config.json: create, load from a new Factory, start, destroy', async () => {
    const i = id();
    unwrap(factory.create(i, {
      rootfs: { path: fs.root }, namespaces: BASIC,
      process: { args: ['sh', '-c', 'ulimit -c; ulimit -Hc; ulimit -f'], rlimits: [{ type: 'RLIMIT_CORE', soft: Infinity, hard: Infinity }, { type: 'RLIMIT_FSIZE', soft: 'unlimited', hard: 'unlimited' }] },
    }));
    const saved = JSON.parse(readFileSync(join(factory.root, i, 'config.json'), 'utf8'));
    assert.deepEqual(saved.process.rlimits.map((r) => [r.soft, r.hard]), [['unlimited', 'unlimited'], ['unlimited', 'unlimited']]);
    const c = unwrap(new Factory(factory.root).load(i));
    const r = await output(c.start(undefined, PIPE));
    assert.equal(r.code, 0);
    assert.deepEqual(r.out.split('\n'), ['unlimited', 'unlimited', 'unlimited']);
    unwrap(await c.destroy());
    assert.equal(existsSync(c.dir), false);
  });

  test('two concurrent starts (two Container objects): one wins, the other is container-wrong-status; a stale claim does not block', async () => {
    // With a network (set up before the helper runs: the slow path) and without.
    for (const extra of [{ network: {} }, {}]) {
      const i = id();
      unwrap(factory.create(i, { rootfs: { path: fs.root }, namespaces: BASIC, ...extra }));
      const a = unwrap(factory.load(i));
      const b = unwrap(new Factory(factory.root).load(i));
      const results = await Promise.all([a.start({ args: ['sleep', '100'] }, { stdio: 'ignore' }), b.start({ args: ['sleep', '100'] }, { stdio: 'ignore' })]);
      for (const r of results) if (r.isOk()) kept.push(r.value.pid);
      assert.equal(results.filter((r) => r.isOk()).length, 1, results.map((r) => (r.isErr() ? r.error.message : 'ok')).join('; '));
      const lost = results.find((r) => r.isErr());
      assert.equal(lost.error.kind, 'container-wrong-status');
      assert.match(readFileSync(join(a.dir, 'init.pid'), 'utf8'), /^\d+ \d+\n$/);
      assert.equal(unwrap(a.state()).status, 'running');
      unwrap(await a.destroy());
    }

    // A claim left by a caller that died (pid that does not exist) is stale.
    const j = id();
    const c = unwrap(factory.create(j, { rootfs: { path: fs.root }, namespaces: BASIC }));
    symlinkSync('999999999:1', join(c.dir, 'starting'));
    assert.deepEqual(unwrap(await c.run({ args: ['true'] }, { stdio: 'ignore' })), { code: 0, signal: null });
    unwrap(await c.destroy());
  });

  test('destroy kills processes moved into child cgroups and removes those cgroups', async () => {
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: [{ type: 'mnt' }] }));
    const init = unwrap(await c.start({ args: ['sh', '-c', 'sleep 100 & echo $!; wait'] }, PIPE));
    let first = '';
    await new Promise((r) => init.stdout.setEncoding('utf8').on('data', (d) => ((first += d), first.includes('\n') && r())));
    const orphan = Number(first.trim());
    const ex = unwrap(await c.exec({ args: ['sleep', '100'] }, { stdio: 'ignore' }));
    kept.push(orphan, ex.pid);
    const dirs = c.cgroupPaths;
    for (const d of dirs) {
      makeCgroup(join(d, 'child', 'deeper'));
      writeFileSync(join(d, 'child', 'cgroup.procs'), String(ex.pid));
      writeFileSync(join(d, 'child', 'deeper', 'cgroup.procs'), String(orphan));
    }
    assert.ok(alive(orphan) && alive(ex.pid));
    unwrap(await c.destroy());
    assert.equal(await gone(orphan, 100), true, 'the init\'s child in a child cgroup was left');
    assert.equal(await gone(ex.pid, 100), true, 'the exec\'d process in a child cgroup was left');
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} left`);
  });

  test('without a cgroup or a pid namespace, destroy still kills the exec\'d processes', async () => {
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: [{ type: 'mnt' }], cgroup: false }));
    const init = unwrap(await c.start({ args: ['sleep', '100'] }, { stdio: 'ignore' }));
    const ex = unwrap(await c.exec({ args: ['sleep', '100'] }, { stdio: 'ignore' }));
    kept.push(init.pid, ex.pid);
    unwrap(await c.destroy());
    assert.equal(await gone(init.pid, 100), true);
    assert.equal(await gone(ex.pid, 100), true, 'the exec\'d process was left running');
  });

  test('what start would refuse is refused at create (mounts, hostname bytes), and a failed start removes the cgroup it made', async () => {
    const many = Array.from({ length: 65 }, (_, k) => ({ destination: `/m${k}`, type: 'tmpfs', source: 'tmpfs' }));
    const BAD = [
      ['mount without type or bind', { mounts: [{ destination: '/tmp', source: '/tmp' }] }, 'mounts[0].type'],
      ['destination with ..', { mounts: [{ destination: '/tmp/../etc', type: 'tmpfs' }] }, 'mounts[0].destination'],
      ['bind with a relative source', { mounts: [{ destination: '/tmp', source: 'rel', options: ['bind'] }] }, 'mounts[0].source'],
      ['remount', { mounts: [{ destination: '/tmp', type: 'tmpfs', options: ['remount'] }] }, 'mounts[0].options'],
      ['65 mounts', { mounts: many }, 'mounts'],
      ['a hostname of 66 bytes in 33 UTF-16 units', { hostname: 'é'.repeat(33) }, 'hostname'],
    ];
    for (const [what, extra, field] of BAD) {
      const i = id();
      const r = factory.create(i, { rootfs: { path: fs.root }, namespaces: BASIC, ...extra });
      assert.equal(r.isErr() && r.error.kind, 'container-config-invalid', what);
      assert.equal(r.error.field, field, what);
      assert.equal(existsSync(join(factory.root, i)), false, what);
    }
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC }));
    const dirs = c.cgroupPaths;
    const r = await c.start({ args: ['/no/such/program'] }, { stdio: 'ignore' });
    assert.equal(r.isErr() && r.error.kind, 'container-system-error');
    for (const d of dirs) assert.equal(existsSync(d), false, `a failed start left ${d}`);
    assert.equal(unwrap(c.state()).status, 'created');
    unwrap(await c.destroy());
  });

  test('CAP_MKNOD: refused without a new user namespace, dropped from the default set; kept with one', async () => {
    const r = factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC, process: { args: ['true'], capabilities: ['CAP_MKNOD'] } });
    assert.equal(r.isErr() && r.error.kind, 'container-config-invalid');
    assert.equal(r.error.field, 'process.capabilities');
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root, overlay: true }, namespaces: BASIC }));
    const bad = await c.start({ args: ['true'], capabilities: { bounding: ['CAP_MKNOD'] } });
    assert.equal(bad.isErr() && bad.error.kind, 'container-config-invalid');
    const out = await output(c.start({ args: ['sh', '-c', 'grep ^CapBnd: /proc/self/status; mknod /dev/mem2 c 1 1 2>/dev/null && echo made || echo refused'] }, PIPE));
    const bnd = BigInt(`0x${out.out.split('\n')[0].split(/\s+/)[1]}`);
    assert.equal((bnd >> 27n) & 1n, 0n, 'CAP_MKNOD in the bounding set');
    assert.equal((bnd >> 21n) & 1n, 1n, 'CAP_SYS_ADMIN kept');
    assert.equal(out.out.split('\n')[1], 'refused');
    unwrap(await c.destroy());
    const u = unwrap(factory.create(id(), {
      rootfs: { path: fs.root, overlay: true }, namespaces: [...BASIC, { type: 'user' }], uidMappings: MAP, gidMappings: MAP,
      process: { args: ['sh', '-c', 'grep ^CapBnd: /proc/self/status'], capabilities: ['CAP_MKNOD', 'CAP_KILL'] },
    }));
    const uo = await output(u.start(undefined, PIPE));
    assert.equal((BigInt(`0x${uo.out.split(/\s+/)[1]}`) >> 27n) & 1n, 1n);
    unwrap(await u.destroy());
  });

  test('a create whose files cannot be written (ENOSPC; a value JSON cannot hold) gives its id back', () => {
    const mnt = mkdtempSync(join(tmpdir(), 'linuxns-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      const full = new Factory(join(mnt, 'state'));
      mkdirSync(full.root);
      try {
        writeFileSync(join(mnt, 'fill'), Buffer.alloc(1 << 20));
      } catch (e) {
        assert.equal(e.code, 'ENOSPC');
      }
      const r = full.create('x', { rootfs: { path: fs.root }, namespaces: BASIC });
      assert.equal(r.isErr() && r.error.kind, 'container-system-error');
      assert.equal(r.error.cause.code, 'ENOSPC');
      assert.deepEqual(readdirSync(full.root), [], 'the claimed directory was left');
      assert.equal(full.load('x').isErr() && full.load('x').error.kind, 'container-not-found');
      rmSync(join(mnt, 'fill'));
      unwrap(full.create('x', { rootfs: { path: fs.root }, namespaces: BASIC }));
    } finally {
      execFileSync('umount', [mnt]);
      rmdirSync(mnt);
    }
    const i = id();
    assert.throws(() => factory.create(i, { rootfs: { path: fs.root }, namespaces: BASIC, annotations: 1n }), TypeError);
    assert.equal(existsSync(join(factory.root, i)), false, 'the claimed directory was left');
    unwrap(factory.create(i, { rootfs: { path: fs.root }, namespaces: BASIC }));
  });

  test('misuse throws: a non-string id (TypeError), an unknown signal name (TypeError)', async () => {
    for (const bad of [1, null, undefined, {}, ['a']]) {
      assert.throws(() => validateId(bad), TypeError);
      assert.throws(() => factory.create(bad, { rootfs: { path: fs.root }, namespaces: BASIC }), TypeError);
      assert.throws(() => factory.load(bad), TypeError);
    }
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC }));
    unwrap(await c.start({ args: ['sleep', '100'] }, { stdio: 'ignore' }));
    assert.throws(() => c.signal('SIGNOPE'), TypeError);
    assert.throws(() => c.signal('constructor'), TypeError);
    assert.throws(() => c.signal(1.5), RangeError);
    assert.equal(unwrap(c.state()).status, 'running');
    unwrap(c.signal('SIGKILL'));
    unwrap(await c.wait());
    unwrap(await c.destroy());
  });
});
