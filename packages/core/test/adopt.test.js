// adoptNamespaceFd: wrapping an fd the caller already has. On success the
// handle owns it (close-on-exec set); on any error the fd is left exactly as
// it was: open, its flags unchanged.
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { adoptNamespaceFd } from '../dist/index.js';
import * as libc from '../dist/ffi/libc.js';
import { errorOf, inoOf, unwrap } from './fixtures/ns-helpers.js';

const O_CLOEXEC = 0o2000000;
/** The fd's open flags, from the kernel's fdinfo; undefined once it is closed. */
function flagsOf(fd) {
  try {
    return parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))[1], 8);
  } catch {
    return undefined;
  }
}

test('the handle owns the fd; its identity is the namespace; close closes the fd', () => {
  const fd = openSync('/proc/self/ns/uts', 'r');
  const h = unwrap(adoptNamespaceFd(fd, 'uts'));
  assert.equal(h.fd, fd);
  assert.equal(h.type, 'uts');
  assert.equal(h.ino, inoOf(readlinkSync('/proc/self/ns/uts')));
  assert.ok(flagsOf(fd) & O_CLOEXEC, 'not close-on-exec');
  h.close();
  assert.equal(flagsOf(fd), undefined, 'close() did not close the adopted fd');
});

test('errors leave the fd open and unchanged: wrong type, not a namespace, a closed fd', () => {
  const fd = openSync('/proc/self/ns/net', 'r');
  const before = flagsOf(fd);
  errorOf(adoptNamespaceFd(fd, 'uts'), 'wrong-namespace-type');
  assert.equal(flagsOf(fd), before);
  closeSync(fd);

  const file = openSync('/etc/hostname', 'r');
  const fileFlags = flagsOf(file);
  errorOf(adoptNamespaceFd(file), 'not-a-namespace');
  assert.equal(flagsOf(file), fileFlags, 'the fd of a failed adopt was changed');
  closeSync(file);

  const e = errorOf(adoptNamespaceFd(file), 'syscall-failed');
  assert.equal(e.code, 'EBADF');
});

test('misuse throws at once', () => {
  assert.throws(() => adoptNamespaceFd('3'), TypeError);
  assert.throws(() => adoptNamespaceFd(1.5), TypeError);
  assert.throws(() => adoptNamespaceFd(-1), RangeError);
  // 2**32 + 3 would reach fcntl as fd 3 once truncated to an int.
  assert.throws(() => adoptNamespaceFd(2 ** 32 + 3), RangeError);
  assert.throws(() => adoptNamespaceFd(3, 'netns'), TypeError);
});

test('an fd without close-on-exec gets it when adopted, and only then', () => {
  const fd = openSync('/proc/self/ns/ipc', 'r');
  libc.fcntlInt(fd, 2 /* F_SETFD */, 0); // as an fd inherited through exec would be
  assert.equal(flagsOf(fd) & O_CLOEXEC, 0);
  errorOf(adoptNamespaceFd(fd, 'net'), 'wrong-namespace-type');
  assert.equal(flagsOf(fd) & O_CLOEXEC, 0, 'a failed adopt set close-on-exec');
  const h = unwrap(adoptNamespaceFd(fd, 'ipc'));
  assert.equal(flagsOf(fd) & O_CLOEXEC, O_CLOEXEC);
  h.close();
});
