// idmapMount and unmount against the real kernel, on tmpfs (id-mappable since
// Linux 6.3): ownership seen through the target is mapped, files created
// through it land on the source mapped back; readOnly, recursive; each with a
// Mapping (through a UsernsCache) and with a NamespaceHandle. Errors leave
// nothing mounted. Then runc's fd-hygiene case: 40 id-mapped mounts under a
// tight RLIMIT_NOFILE in a child process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openNamespace } from '@linuxns/core';
import { buildCommand } from '@linuxns/helper-c';
import { UsernsCache, idmapMount, sharedCache, unmount } from '../dist/index.js';
import { errorOf, fdCount, fixture, mountPointsUnder, notRoot, run, runNode, simple, unmountUnder, unwrap } from './fixtures/helpers.js';

const MAPPING = simple(100000, 65536);
const OVERFLOW_UID = Number(readFileSync('/proc/sys/fs/overflowuid', 'utf8'));
const OVERFLOW_GID = Number(readFileSync('/proc/sys/fs/overflowgid', 'utf8'));

/** Lines of /proc/self/mountinfo whose mount point is at or under `dir`. */
function mountLines(dir) {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => {
      const m = l.split(' ')[4];
      return m !== undefined && (m === dir || m.startsWith(`${dir}/`));
    });
}

describe('idmapMount and unmount', { skip: notRoot }, () => {
  let tmp;
  let src;
  let targetNo = 0;
  const cache = new UsernsCache();
  let handle;
  /** A fresh, empty target directory. */
  const newTarget = () => {
    const t = join(tmp, `target-${targetNo++}`);
    mkdirSync(t);
    return t;
  };
  /** The two ways of naming the namespace: a Mapping looked up in `cache`, and a handle. */
  const ways = () => [
    ['a Mapping through options.cache', MAPPING, { cache }],
    ['a NamespaceHandle', handle, {}],
  ];

  before(async () => {
    tmp = mkdtempSync('/tmp/linuxns-idmap-');
    // Processes running as host uid 100000 must reach the targets.
    chmodSync(tmp, 0o755);
    src = join(tmp, 'src');
    mkdirSync(src);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0777', 'linuxns-idmap-src', src]);
    writeFileSync(join(src, 'root-file'), 'owned by 0:0\n');
    writeFileSync(join(src, 'other-file'), 'owned by 70000:70001, outside the mapping\n');
    chownSync(join(src, 'other-file'), 70000, 70001);
    mkdirSync(join(src, 'sub'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0777', 'linuxns-idmap-sub', join(src, 'sub')]);
    writeFileSync(join(src, 'sub', 'inner'), 'on the submount\n');
    // Warm up: what the first get and the first spawn open for good is open before any count.
    handle = unwrap(await new UsernsCache().get(MAPPING)); // its cache is dropped: the handle alone keeps the namespace
    unwrap(await cache.get(MAPPING)).close();
    await run('/bin/true', []);
  });

  after(() => {
    handle?.close();
    cache.release();
    if (tmp) {
      unmountUnder(tmp);
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a file owned by 0:0 on the source shows as 100000:100000 through the target; created through it as 100000, it lands as 0:0', async () => {
    for (const [how, ns, options] of ways()) {
      const fds = fdCount();
      const target = newTarget();
      assert.deepEqual(mountLines(target), []);
      unwrap(await idmapMount(src, target, ns, options));
      try {
        const lines = mountLines(target);
        assert.equal(lines.length, 1, `${how}: ${lines.join('\n')}`);
        assert.match(lines[0], /\bidmapped\b/, how);
        const seen = statSync(join(target, 'root-file'));
        assert.deepEqual([seen.uid, seen.gid], [100000, 100000], how);
        const onSource = statSync(join(src, 'root-file'));
        assert.deepEqual([onSource.uid, onSource.gid], [0, 0], how);
        // Ids outside the mapping show as the overflow ids.
        const other = statSync(join(target, 'other-file'));
        assert.deepEqual([other.uid, other.gid], [OVERFLOW_UID, OVERFLOW_GID], how);

        const name = `made-by-100000-${targetNo}`;
        const touched = await run('touch', [join(target, name)], { user: { uid: 100000, gid: 100000, groups: [] } });
        assert.equal(touched.code, 0, `${how}: ${touched.err}`);
        const made = statSync(join(src, name));
        assert.deepEqual([made.uid, made.gid], [0, 0], `${how}: host 100000 maps back to 0 on the source`);
        const madeSeen = statSync(join(target, name));
        assert.deepEqual([madeSeen.uid, madeSeen.gid], [100000, 100000], how);
        // A host id the mount cannot map back cannot create files through it.
        const refused = await run('touch', [join(target, 'made-by-5')], { user: { uid: 5, gid: 5, groups: [] }, env: { LC_ALL: 'C' } });
        assert.notEqual(refused.code, 0, how);
        assert.match(refused.err, /Value too large/, `${how}: EOVERFLOW expected, got ${refused.err}`);
        assert.equal(existsSync(join(src, 'made-by-5')), false);
      } finally {
        unwrap(unmount(target));
      }
      assert.deepEqual(mountLines(target), [], `${how}: unmount removes the mount`);
      assert.equal(fdCount(), fds, how);
    }
    assert.ok(!handle.closed, 'idmapMount does not close the handle it is given');
    assert.equal(cache.stats.dummies, 1, 'every mount of the mapping used the one cached namespace');
  });

  test('readOnly: writing through the target fails with EROFS, the source stays writable', async () => {
    for (const [how, ns, options] of ways()) {
      const fds = fdCount();
      const target = newTarget();
      unwrap(await idmapMount(src, target, ns, { ...options, readOnly: true }));
      try {
        assert.match(mountLines(target)[0], / ro,/, how);
        assert.throws(() => writeFileSync(join(target, 'ro-attempt'), 'x'), { code: 'EROFS' }, how);
        assert.throws(() => writeFileSync(join(target, 'root-file'), 'x'), { code: 'EROFS' }, how);
        assert.equal(readFileSync(join(target, 'root-file'), 'utf8'), 'owned by 0:0\n');
        writeFileSync(join(src, 'rw-on-source'), 'x');
        assert.ok(existsSync(join(target, 'rw-on-source')));
      } finally {
        unwrap(unmount(target));
        rmSync(join(src, 'rw-on-source'), { force: true });
      }
      assert.deepEqual(mountLines(target), [], how);
      assert.equal(fdCount(), fds, how);
    }
  });

  test('recursive carries a submount, id-mapped too; without it the submount is not carried', async () => {
    for (const [how, ns, options] of ways()) {
      const fds = fdCount();
      const deep = newTarget();
      const flat = newTarget();
      unwrap(await idmapMount(src, deep, ns, { ...options, recursive: true }));
      unwrap(await idmapMount(src, flat, ns, { ...options, recursive: false }));
      try {
        const deepLines = mountLines(deep);
        assert.equal(deepLines.length, 2, `${how}: ${deepLines.join('\n')}`);
        assert.ok(deepLines.every((l) => /\bidmapped\b/.test(l)), how);
        const inner = statSync(join(deep, 'sub', 'inner'));
        assert.deepEqual([inner.uid, inner.gid], [100000, 100000], how);
        assert.equal(readFileSync(join(deep, 'sub', 'inner'), 'utf8'), 'on the submount\n');

        assert.equal(mountLines(flat).length, 1, how);
        assert.equal(existsSync(join(flat, 'sub', 'inner')), false, `${how}: the submount is not carried`);
        // What shows instead is the directory of the source filesystem underneath it, mapped.
        assert.equal(statSync(join(flat, 'sub')).uid, 100000, how);

        // A mount with a submount cannot be unmounted plainly; detach takes both.
        const busy = errorOf(unmount(deep), 'syscall-failed');
        assert.equal(busy.code, 'EBUSY', how);
        unwrap(unmount(deep, { detach: true }));
        assert.deepEqual(mountLines(deep), [], how);
        unwrap(unmount(flat));
        assert.deepEqual(mountLines(flat), [], how);
      } finally {
        unmountUnder(deep);
        unmountUnder(flat);
      }
      assert.equal(fdCount(), fds, how);
    }
  });

  test('without options.cache the shared cache is used', async () => {
    const fds = fdCount();
    const target = newTarget();
    sharedCache.release();
    const before = sharedCache.stats.dummies;
    unwrap(await idmapMount(src, target, MAPPING));
    try {
      assert.equal(sharedCache.size, 1);
      assert.equal(sharedCache.stats.dummies, before + 1);
      assert.equal(statSync(join(target, 'root-file')).uid, 100000);
    } finally {
      unwrap(unmount(target));
      sharedCache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('unmount of a directory that is not a mount point: syscall-failed EINVAL', () => {
    const target = newTarget();
    const e = errorOf(unmount(target), 'syscall-failed');
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.syscall, 'umount2');
    assert.match(e.message, /not a mount point/);
    assert.throws(() => unmount(42), TypeError);
  });

  test('a filesystem that cannot be id-mapped gives idmap-not-supported and leaves nothing mounted', async () => {
    for (const [how, ns, options] of ways()) {
      for (const source of ['/proc', '/sys']) {
        const fds = fdCount();
        const target = newTarget();
        const mountsBefore = mountLines(tmp);
        const e = errorOf(await idmapMount(source, target, ns, options), 'idmap-not-supported');
        assert.equal(e.code, 'EINVAL', `${how} ${source}`);
        assert.equal(e.path, source);
        assert.deepEqual(mountLines(tmp), mountsBefore, `${how} ${source}: mountinfo unchanged`);
        assert.deepEqual(mountPointsUnder(target), []);
        assert.equal(fdCount(), fds, `${how} ${source}: the detached tree's fd is closed`);
      }
    }
  });

  test('a missing source or target gives not-found, a wrong-type handle wrong-namespace-type; nothing mounted', async () => {
    const mountsBefore = mountLines(tmp);
    const fds = fdCount();
    for (const [how, ns, options] of ways()) {
      const target = newTarget();
      const e = errorOf(await idmapMount(join(tmp, 'no-such-source'), target, ns, options), 'not-found');
      assert.equal(e.path, join(tmp, 'no-such-source'), how);
      const t = errorOf(await idmapMount(src, join(tmp, 'no-such-target'), ns, options), 'not-found');
      assert.equal(t.path, join(tmp, 'no-such-target'), how);
    }
    const net = unwrap(openNamespace('/proc/self/ns/net'));
    try {
      const e = errorOf(await idmapMount(src, newTarget(), net), 'wrong-namespace-type');
      assert.equal(e.expected, 'user');
      assert.equal(e.actual, 'net');
    } finally {
      net.close();
    }
    assert.deepEqual(mountLines(tmp), mountsBefore);
    assert.equal(fdCount(), fds);
  });

  test('a missing liblinuxns.so: a Mapping the cache must make gives helper-not-found, never a throw, nothing mounted; a cached Mapping, a handle and unmount need no library (core\'s system calls)', async () => {
    const missing = '/nonexistent-linuxns/liblinuxns.so';
    const target = newTarget();
    const mountsBefore = mountLines(tmp);
    const fds = fdCount();
    process.env.LINUXNS_LIBRARY = missing;
    try {
      // A fresh cache: the Mapping needs a dummy, hence the library.
      const e = errorOf(await idmapMount(src, target, simple(440000, 100), { cache: new UsernsCache() }), 'helper-not-found');
      assert.equal(e.path, missing);
      assert.equal(e.fix, buildCommand);
      assert.deepEqual(mountLines(tmp), mountsBefore);
      assert.equal(fdCount(), fds);
      for (const [how, ns, options] of ways()) {
        unwrap(await idmapMount(src, target, ns, options), how);
        assert.notDeepEqual(mountLines(tmp), mountsBefore, how);
        unwrap(unmount(target), how);
      }
    } finally {
      delete process.env.LINUXNS_LIBRARY;
    }
    assert.deepEqual(mountLines(tmp), mountsBefore);
    assert.equal(fdCount(), fds);
  });

  test('misuse throws TypeError at once', async () => {
    const closed = unwrap(await cache.get(MAPPING));
    closed.close();
    const target = newTarget();
    assert.throws(() => idmapMount(src, target, closed), TypeError);
    assert.throws(() => idmapMount(undefined, target, MAPPING, { cache }), TypeError);
    assert.throws(() => idmapMount(src, null, MAPPING, { cache }), TypeError);
    assert.throws(() => idmapMount(src, target, MAPPING, null), TypeError);
    assert.throws(() => idmapMount(src, target, MAPPING, { cache: {} }), TypeError);
    assert.throws(() => idmapMount(src, target, null, { cache }), TypeError);
    assert.deepEqual(mountLines(target), []);
  });
});

describe('id-mapped mounts under a tight RLIMIT_NOFILE (runc fd hygiene)', { skip: notRoot }, () => {
  let tmp;
  before(() => {
    tmp = mkdtempSync('/tmp/linuxns-nofile-');
    mkdirSync(join(tmp, 'src'));
    mkdirSync(join(tmp, 'targets'));
    execFileSync('mount', ['-t', 'tmpfs', 'linuxns-nofile-src', join(tmp, 'src')]);
    writeFileSync(join(tmp, 'src', 'f'), 'x');
  });
  after(() => {
    if (tmp) {
      unmountUnder(tmp);
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('40 id-mapped mounts with 5 free descriptor numbers: none fails, no fd is left', async () => {
    // runc's case is RLIMIT_NOFILE=20 for a Go binary; node itself holds about 19 fds at start
    // (the event loop's epoll, eventfds and pipes, the thread pool's, stdio), so that limit
    // cannot even start node. The same squeeze: a limit leaving exactly 5 descriptor numbers
    // free above what node holds at start. Which fds node holds is measured first by the fixture
    // itself without a limit (the harness may pass extra fds down), then checked again under it.
    const probe = await runNode([fixture('tight-nofile.cjs'), '--probe']);
    assert.equal(probe.code, 0, probe.err);
    const held = JSON.parse(probe.out).fds;
    let limit = 0;
    while (limit - held.filter((fd) => fd < limit).length < 5) limit++;
    const r = await runNode([`--nofile=${limit}:${limit}`, process.execPath, fixture('tight-nofile.cjs'), join(tmp, 'src'), join(tmp, 'targets')], { command: 'prlimit' });
    let report;
    try {
      report = JSON.parse(r.out);
    } catch {
      assert.fail(`no report from the fixture (exit ${r.code ?? r.signal}): ${r.out}${r.err}`);
    }
    assert.equal(report.limit, limit);
    assert.equal(report.free, 5, `free descriptor numbers at start under the limit: ${JSON.stringify(report)}`);
    assert.deepEqual(report.failures, []);
    assert.equal(report.mounted, 40);
    assert.deepEqual(report.stats, { hits: 39, misses: 1, dummies: 1 });
    assert.equal(report.atEnd, report.afterLoad, `fds at the end ${report.atEnd}, after loading ${report.afterLoad}: ${JSON.stringify(report.opened)}`);
    assert.deepEqual(report.opened, []);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(mountPointsUnder(join(tmp, 'targets')), [], 'every mount was unmounted');
  });
});
