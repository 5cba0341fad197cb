// `linuxns pin`/`unpin` and `linuxns mount`/`umount --target`, checked with
// the real tools (nsenter, /proc/PID/mountinfo); and what they refuse, with
// nothing left mounted or created.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertOk, assertRefused, background, linuxns, mountinfo, mountsMentioning, notRoot, nsLink, runTool, tempDir, tool } from './fixtures/cli.js';

describe('pin and unpin', { skip: notRoot }, () => {
  let target;
  let tmp;
  before(async () => {
    target = await background('unshare', ['--net', '--uts', 'sleep', '30']);
    tmp = tempDir('pin');
  });
  after(async () => {
    await target?.stop();
    tmp?.remove();
  });

  test('pin TYPE PID PATH keeps the namespace on PATH (nsenter enters it); unpin removes it', () => {
    const path = join(tmp.dir, 'sub', 'uts');
    assertOk(linuxns(['pin', 'uts', String(target.pid), path]), 'pin');
    assert.equal(`uts:[${statSync(path).ino}]`, nsLink(target.pid, 'uts'));
    assert.equal(tool('nsenter', [`--uts=${path}`, 'readlink', '/proc/self/ns/uts']).trim(), nsLink(target.pid, 'uts'));
    assertOk(linuxns(['unpin', path]), 'unpin');
    assert.ok(!existsSync(path));
    assert.ok(!mountinfo().includes(path));
  });

  test('bad input: unknown type, no such pid, a non-empty file, unpin of something else', () => {
    const mounts = mountsMentioning(tmp.dir);
    const pid = String(target.pid);
    assertRefused(linuxns(['pin', 'netz', pid, join(tmp.dir, 'a')]), /unknown namespace type "netz"/);
    assertRefused(linuxns(['pin', 'net', '999999999', join(tmp.dir, 'b')]), /999999999/);
    const full = join(tmp.dir, 'full');
    writeFileSync(full, 'keep me\n');
    assertRefused(linuxns(['pin', 'net', pid, full]), /not empty/);
    assert.equal(readFileSync(full, 'utf8'), 'keep me\n');
    assertRefused(linuxns(['unpin', full]), /is not a pinned namespace/);
    assert.equal(readFileSync(full, 'utf8'), 'keep me\n');
    assertRefused(linuxns(['unpin', `/proc/${pid}/ns/net`]), /not a pin/);
    assertRefused(linuxns(['unpin', join(tmp.dir, 'missing')]));
    assert.ok(!existsSync(join(tmp.dir, 'a')) && !existsSync(join(tmp.dir, 'b')));
    assert.deepEqual(mountsMentioning(tmp.dir), mounts);
    // Pinned twice on one path: refused, the first stays.
    const twice = join(tmp.dir, 'twice');
    assertOk(linuxns(['pin', 'net', pid, twice]), 'pin');
    try {
      assertRefused(linuxns(['pin', 'uts', pid, twice]), /pinned there already/);
      assert.equal(`net:[${statSync(twice).ino}]`, nsLink(target.pid, 'net'));
    } finally {
      assertOk(linuxns(['unpin', twice]), 'unpin');
    }
  });
});

describe('mount and umount --target', { skip: notRoot }, () => {
  let target;
  let tmp;
  before(async () => {
    tmp = tempDir('mount');
    mkdirSync(join(tmp.dir, 'src'));
    writeFileSync(join(tmp.dir, 'src', 'hello'), 'hello\n');
    mkdirSync(join(tmp.dir, 'dst'));
    // The directories exist before the mount namespace is copied, so they exist inside too.
    target = await background('unshare', ['--mount', '--propagation', 'private', 'sleep', '30']);
  });
  after(async () => {
    await target?.stop();
    tmp?.remove();
  });

  /** The target's mount table, read from inside like a person would (nsenter -m). */
  const inside = () => tool('nsenter', ['-t', String(target.pid), '-m', 'cat', '/proc/self/mountinfo']);
  const lineOf = (table, path) => table.split('\n').find((l) => l.split(' ')[4] === path);

  test('mount --target binds inside the target only; umount --target removes it', () => {
    const src = join(tmp.dir, 'src');
    const dst = join(tmp.dir, 'dst');
    const ours = mountsMentioning(tmp.dir);
    assertOk(linuxns(['mount', '--target', String(target.pid), src, dst, '--ro']), 'mount');
    const line = lineOf(inside(), dst);
    assert.ok(line, `${dst} is not mounted inside the target`);
    assert.match(line.split(' ')[5], /^ro\b/);
    assert.equal(tool('nsenter', ['-t', String(target.pid), '-m', 'cat', join(dst, 'hello')]), 'hello\n');
    assert.deepEqual(mountsMentioning(tmp.dir), ours, 'our own mount table changed');
    assertOk(linuxns(['umount', '--target', String(target.pid), dst]), 'umount');
    assert.equal(lineOf(inside(), dst), undefined);
    assertRefused(linuxns(['umount', '-t', String(target.pid), dst]), /not mounted/);
  });

  test('--source-in-caller takes the source from our mount namespace', () => {
    const ours = tempDir('mount-here');
    // A tmpfs mounted after the target's namespace was copied (privately): its files exist only here.
    tool('mount', ['-t', 'tmpfs', 'linuxns-cli-test', ours.dir]);
    try {
      writeFileSync(join(ours.dir, 'only-here'), 'here\n');
      assert.notEqual(runTool('nsenter', ['-t', String(target.pid), '-m', 'cat', join(ours.dir, 'only-here')]).status, 0);
      const dst = join(tmp.dir, 'dst');
      assertOk(linuxns(['mount', '-t', String(target.pid), '--source-in-caller', ours.dir, dst]), 'mount --source-in-caller');
      assert.equal(tool('nsenter', ['-t', String(target.pid), '-m', 'cat', join(dst, 'only-here')]), 'here\n');
      assertOk(linuxns(['umount', '-t', String(target.pid), dst]), 'umount');
    } finally {
      runTool('umount', [ours.dir]);
      ours.remove();
    }
  });

  test('bad input: our own pid (no mount namespace of its own), no such pid, a relative or missing path; nothing mounted', () => {
    const ours = mountsMentioning(tmp.dir);
    const theirs = inside();
    const src = join(tmp.dir, 'src');
    const dst = join(tmp.dir, 'dst');
    assertRefused(linuxns(['mount', '--target', String(process.pid), src, dst]), /has no mount namespace of its own/);
    assertRefused(linuxns(['umount', '--target', String(process.pid), dst]), /has no mount namespace of its own/);
    assertRefused(linuxns(['mount', '--target', '999999999', src, dst]), /no process with pid 999999999/);
    assertRefused(linuxns(['mount', '--target', String(target.pid), 'src', dst]), /absolute path/);
    assertRefused(linuxns(['mount', '--target', String(target.pid), src, join(tmp.dir, 'nowhere')]));
    assertRefused(linuxns(['mount', '--target', String(target.pid), src]), /missing DST/);
    assert.deepEqual(mountsMentioning(tmp.dir), ours);
    assert.equal(inside(), theirs);
  });
});
