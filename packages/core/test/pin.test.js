// createNamespace, pinNamespace and unpinNamespace against the real kernel,
// checked with util-linux's nsenter for interoperability.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { createNamespace, pinNamespace, unpinNamespace, openNamespace, CREATABLE_TYPES } from '../dist/index.js';

const skip = process.getuid() !== 0 ? 'creating and bind-mounting namespaces needs CAP_SYS_ADMIN (root)' : false;

const NSENTER_OPT = { net: '--net', uts: '--uts', ipc: '--ipc', cgroup: '--cgroup', mnt: '--mount' };
const THREADABLE = ['net', 'uts', 'ipc', 'cgroup', 'mnt'];

const fdCount = () => readdirSync('/proc/self/fd').length;
const mountLines = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean);
/** Mount points (field 5 of mountinfo, octal escapes decoded). */
const mountPoints = () => mountLines().map((l) => l.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))));
const isMountPoint = (path) => mountPoints().includes(path);
const idOf = (path) => {
  const st = statSync(path, { bigint: true });
  return { dev: st.dev, ino: st.ino };
};
const idOfHandle = (h) => ({ dev: h.dev, ino: h.ino });
const threadIds = () => Object.fromEntries(THREADABLE.map((t) => [t, idOf(`/proc/thread-self/ns/${t}`)]));
const nsenterLink = (type, pin) => execFileSync('nsenter', [`${NSENTER_OPT[type]}=${pin}`, 'readlink', `/proc/self/ns/${type}`], { encoding: 'utf8' }).trim();

let tmp;
let madePrivate = false;
let fdsBefore;
const handles = [];
const pins = [];
const extraMounts = []; // mounts made by a test, unmounted in after() in reverse order
const extraDirs = [];

/** A fresh path in the test directory. */
let counter = 0;
const freshPath = (name) => join(tmp, `${name}-${++counter}`);

/** createNamespace, remembering the handle so that after() closes it. */
async function create(type) {
  const r = await createNamespace(type);
  assert.ok(r.isOk(), r.isErr() ? r.error.message : '');
  handles.push(r.value);
  return r.value;
}

/** bind-mounts DIR on itself and makes it private (util-linux#289: nsfs pins of mnt namespaces cannot propagate). */
function makeTmpPrivate() {
  execFileSync('mount', ['--bind', tmp, tmp]);
  execFileSync('mount', ['--make-private', tmp]);
  madePrivate = true;
}

/** pinNamespace, remembering the pin; for mnt, falls back to a private tmp dir on EINVAL. */
function pin(handle, path) {
  let r = pinNamespace(handle, path);
  if (r.isErr() && handle.type === 'mnt' && r.error.code === 'EINVAL' && !madePrivate) {
    makeTmpPrivate();
    r = pinNamespace(handle, path);
  }
  assert.ok(r.isOk(), r.isErr() ? r.error.message : '');
  pins.push(path);
  return path;
}

function unpin(path) {
  const r = unpinNamespace(path);
  assert.ok(r.isOk(), r.isErr() ? r.error.message : '');
  pins.splice(pins.indexOf(path), 1);
}

before(async () => {
  if (skip) return;
  // createNamespace keeps per-thread fds of the original namespaces, opened once on first use:
  // open them before counting.
  (await createNamespace('uts'))._unsafeUnwrap().close();
  fdsBefore = fdCount();
  tmp = mkdtempSync('/tmp/linuxns-pin-');
});

after(async () => {
  if (skip) return;
  for (const p of pins.splice(0).reverse()) unpinNamespace(p);
  for (const h of handles) h.close();
  for (const m of extraMounts.reverse()) execFileSync('umount', [m]);
  if (madePrivate) execFileSync('umount', [tmp]);
  // Only mounts under our own directories: other test files may mount elsewhere at the same time.
  const ours = [tmp, ...extraDirs];
  const left = mountPoints().filter((m) => ours.some((d) => m === d || m.startsWith(`${d}/`)));
  for (const d of ours) rmSync(d, { recursive: true, force: true });
  assert.deepEqual(left, [], 'the file left mounts behind');
  assert.equal(fdCount(), fdsBefore, 'the file leaked fds');
});

describe('createNamespace', { skip }, () => {
  for (const type of THREADABLE) {
    it(`createNamespace('${type}') returns a ${type} namespace other than the process's, and leaves the main thread where it was`, async () => {
      const was = threadIds();
      const h = await create(type);
      assert.equal(h.type, type);
      assert.equal(h.closed, false);
      assert.notDeepEqual(idOfHandle(h), idOf(`/proc/self/ns/${type}`));
      assert.notDeepEqual(idOfHandle(h), idOf(`/proc/thread-self/ns/${type}`));
      // The handle names a live namespace of the right type (the kernel says so, through a path of its own).
      const again = openNamespace(`/proc/self/fd/${h.fd}`, type)._unsafeUnwrap();
      assert.ok(again.equals(h));
      again.close();
      assert.deepEqual(threadIds(), was);
    });
  }

  it('two calls create two different namespaces', async () => {
    const a = await create('net');
    const b = await create('net');
    assert.equal(a.equals(b), false);
  });

  for (const type of ['user', 'time', 'pid']) {
    it(`createNamespace('${type}') is refused with unsupported-in-thread and a hint, creating nothing`, async () => {
      const fds = fdCount();
      const was = idOf(`/proc/thread-self/ns/${type === 'user' ? 'user' : `${type}_for_children`}`);
      const r = await createNamespace(type);
      assert.ok(r.isErr());
      assert.equal(r.error.kind, 'unsupported-in-thread');
      assert.equal(r.error.namespace, type);
      assert.equal(typeof r.error.hint, 'string');
      assert.ok(r.error.hint.length > 20, r.error.hint);
      assert.ok(!r.error.message.includes(r.error.hint), 'the hint says what to do, not the message again');
      assert.match(r.error.hint, /spawn/);
      assert.deepEqual(idOf(`/proc/thread-self/ns/${type === 'user' ? 'user' : `${type}_for_children`}`), was);
      assert.equal(fdCount(), fds);
    });
  }

  it('createNamespace with a name that is no namespace type gives unknown-namespace-type with the common hint; a non-string throws a TypeError', async () => {
    const oci = await createNamespace('network');
    assert.equal(oci.isErr() && oci.error.kind, 'unknown-namespace-type');
    assert.match(oci.error.message, /use 'net'/);
    const bogus = await createNamespace('bogus');
    assert.equal(bogus.isErr() && bogus.error.kind, 'unknown-namespace-type');
    assert.throws(() => createNamespace(7), TypeError);
  });

  it('CREATABLE_TYPES lists exactly the types that can be created', () => {
    assert.deepEqual([...CREATABLE_TYPES].sort(), [...THREADABLE].sort());
  });
});

describe('pinNamespace', { skip }, () => {
  for (const type of THREADABLE) {
    it(`a pinned ${type} namespace has the handle's identity, outlives the handle, and nsenter joins it`, async () => {
      const h = await create(type);
      const id = idOfHandle(h);
      const path = pin(h, freshPath(type));
      assert.ok(isMountPoint(path), 'the pin is not a mount point');
      const viaPin = openNamespace(path, type)._unsafeUnwrap();
      assert.ok(viaPin.equals(h));
      viaPin.close();
      assert.deepEqual(idOf(path), id);

      h.close();
      const still = openNamespace(path, type)._unsafeUnwrap();
      assert.deepEqual(idOfHandle(still), id, 'the namespace did not survive closing the handle');
      still.close();
      // util-linux sees the same namespace through the pin.
      assert.equal(nsenterLink(type, path), `${type}:[${id.ino}]`);
    });
  }

  it('a pinned uts namespace is separate: a hostname set in it through nsenter does not change ours', async () => {
    const h = await create('uts');
    const path = pin(h, freshPath('uts'));
    const ours = hostname();
    execFileSync('nsenter', [`--uts=${path}`, 'hostname', 'linuxns-pin-test']);
    assert.equal(execFileSync('nsenter', [`--uts=${path}`, 'hostname'], { encoding: 'utf8' }).trim(), 'linuxns-pin-test');
    assert.equal(hostname(), ours);
    assert.notEqual(ours, 'linuxns-pin-test');
  });

  it('one namespace can be pinned at two paths, and unpinning one keeps the other', async () => {
    const h = await create('ipc');
    const a = pin(h, freshPath('ipc-a'));
    const b = pin(h, freshPath('ipc-b'));
    assert.deepEqual(idOf(a), idOf(b));
    unpin(a);
    assert.deepEqual(idOf(b), idOfHandle(h));
    assert.equal(nsenterLink('ipc', b), h.toString());
  });

  it('pinning over an existing file gives already-exists and leaves the file untouched', async () => {
    const h = await create('net');
    const path = freshPath('existing');
    writeFileSync(path, 'keep me\n', { mode: 0o640 });
    const st = statSync(path);
    const r = pinNamespace(h, path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'already-exists');
    assert.equal(r.error.path, path);
    assert.equal(readFileSync(path, 'utf8'), 'keep me\n');
    const st2 = statSync(path);
    assert.equal(st2.ino, st.ino);
    assert.equal(st2.mode, st.mode);
    assert.ok(!isMountPoint(path), 'something was mounted over the existing file');
  });

  it('pinning over an existing pin gives already-exists and keeps the first pin', async () => {
    const a = await create('net');
    const b = await create('net');
    const path = pin(a, freshPath('taken'));
    const r = pinNamespace(b, path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'already-exists');
    assert.deepEqual(idOf(path), idOfHandle(a));
  });

  it('pinning to a relative path is an error and creates nothing', async () => {
    const h = await create('net');
    const rel = `linuxns-relative-pin-${process.pid}`;
    const r = pinNamespace(h, rel);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'invalid-target');
    assert.equal(r.error.value, rel);
    assert.ok(!existsSync(rel));
    assert.ok(!isMountPoint(resolve(rel)));
  });

  it('pinning into a missing directory gives not-found and creates nothing', async () => {
    const h = await create('net');
    const path = join(tmp, 'no-such-dir', 'pin');
    const r = pinNamespace(h, path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
    assert.match(r.error.message, /the directory .*no-such-dir does not exist/, 'the message names the missing directory, not just ENOENT on the file');
    assert.ok(!existsSync(join(tmp, 'no-such-dir')));
  });

  it('pinning a closed handle throws a TypeError and creates nothing', async () => {
    const h = await create('uts');
    h.close();
    const path = freshPath('closed');
    assert.throws(() => pinNamespace(h, path), TypeError);
    assert.ok(!existsSync(path));
  });

  it('pinning something that is not a handle throws a TypeError', () => {
    assert.throws(() => pinNamespace({ fd: 0, type: 'net' }, freshPath('x')), TypeError);
  });

  it('pinning a mount namespace under a shared mount with a peer fails with EINVAL and leaves no file behind', async () => {
    const h = await create('mnt');
    const shared = mkdtempSync('/tmp/linuxns-shared-');
    const peer = mkdtempSync('/tmp/linuxns-peer-');
    extraDirs.push(shared, peer);
    execFileSync('mount', ['--bind', shared, shared]);
    extraMounts.push(shared);
    execFileSync('mount', ['--make-shared', shared]);
    execFileSync('mount', ['--bind', shared, peer]);
    extraMounts.push(peer);
    const path = join(shared, 'mnt');
    const r = pinNamespace(h, path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'syscall-failed');
    assert.equal(r.error.code, 'EINVAL');
    assert.equal(r.error.syscall, 'mount');
    assert.match(r.error.message, /private/);
    assert.ok(!existsSync(path), 'the pin file was left behind');
    assert.ok(!isMountPoint(path));
  });
});

describe('unpinNamespace', { skip }, () => {
  it('removes the mount and the file, and the namespace dies with its last reference', async () => {
    const h = await create('net');
    const path = pin(h, freshPath('gone'));
    const link = h.toString();
    h.close();
    assert.ok(mountLines().some((l) => l.includes(path)));
    unpin(path);
    assert.ok(!mountLines().some((l) => l.includes(path)), 'mountinfo still lists the pin');
    assert.ok(!existsSync(path), 'the pin file is still there');
    assert.equal(
      mountLines().filter((l) => l.includes(link)).length,
      0,
    );
  });

  it('unpinning a mount-namespace pin works like any other', async () => {
    const h = await create('mnt');
    const path = pin(h, freshPath('mnt-unpin'));
    unpin(path);
    assert.ok(!isMountPoint(path));
    assert.ok(!existsSync(path));
  });

  it('unpinning a regular file gives not-pinned and leaves the file alone', () => {
    const path = freshPath('regular');
    writeFileSync(path, 'data');
    const r = unpinNamespace(path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-pinned');
    assert.equal(r.error.path, path);
    assert.equal(readFileSync(path, 'utf8'), 'data');
  });

  it('unpinning a directory gives not-pinned', () => {
    const r = unpinNamespace(tmp);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-pinned');
    assert.ok(existsSync(tmp));
  });

  it('unpinning a namespace file that is not a mount point (/proc/self/ns/net) gives not-pinned', () => {
    const r = unpinNamespace('/proc/self/ns/net');
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-pinned');
  });

  it('unpinning a missing path gives not-found', () => {
    const path = freshPath('missing');
    const r = unpinNamespace(path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
    assert.equal(r.error.path, path);
  });

  it('unpinning the same pin twice gives not-found the second time', async () => {
    const h = await create('uts');
    const path = pin(h, freshPath('twice'));
    unpin(path);
    const r = unpinNamespace(path);
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
  });

  it('unpinning with a path that is not a string throws a TypeError', () => {
    assert.throws(() => unpinNamespace(undefined), TypeError);
  });
});
