// The namespace model: types, clone flags (checked against the kernel), OCI
// names, /proc path builders, errno names and the NsError constructors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import koffi from 'koffi';
import {
  NAMESPACE_TYPES,
  CLONE_FLAGS,
  cloneFlag,
  typeFromCloneFlag,
  isNamespaceType,
  toOciType,
  fromOciType,
  parseNamespaceType,
  nsFileName,
  selfNamespacePath,
  threadNamespacePath,
  processNamespacePath,
  checkPid,
  openNamespace,
  errnoName,
  syscallError,
  fsError,
  isNsError,
} from '../dist/index.js';

const notRoot = process.getuid() !== 0 ? 'linuxns tests open every namespace type and need root' : false;

// The values of linux/sched.h, written out here so that the test does not
// trust the table it checks.
const KERNEL_CLONE_FLAGS = {
  cgroup: 0x02000000, // CLONE_NEWCGROUP
  ipc: 0x08000000, // CLONE_NEWIPC
  mnt: 0x00020000, // CLONE_NEWNS
  net: 0x40000000, // CLONE_NEWNET
  pid: 0x20000000, // CLONE_NEWPID
  time: 0x00000080, // CLONE_NEWTIME
  user: 0x10000000, // CLONE_NEWUSER
  uts: 0x04000000, // CLONE_NEWUTS
};

const OCI = { cgroup: 'cgroup', ipc: 'ipc', mnt: 'mount', net: 'network', pid: 'pid', time: 'time', user: 'user', uts: 'uts' };

/** A pid that surely belongs to no process: a child that already exited and was reaped. */
function deadPid() {
  const r = spawnSync('/bin/true');
  assert.equal(r.status, 0);
  assert.ok(!existsSync(`/proc/${r.pid}`), `pid ${r.pid} was reused already`);
  return r.pid;
}

describe('namespace types', () => {
  it('NAMESPACE_TYPES lists the eight kernel types once each, mnt last', () => {
    assert.deepEqual([...NAMESPACE_TYPES].sort(), ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts']);
    assert.equal(new Set(NAMESPACE_TYPES).size, 8);
    assert.equal(NAMESPACE_TYPES.at(-1), 'mnt');
  });

  it('NAMESPACE_TYPES and CLONE_FLAGS cannot be modified by callers', () => {
    assert.ok(Object.isFrozen(NAMESPACE_TYPES));
    assert.ok(Object.isFrozen(CLONE_FLAGS));
    assert.throws(() => NAMESPACE_TYPES.push('bogus'), TypeError);
  });

  it('every namespace type has a file under /proc/self/ns', () => {
    for (const t of NAMESPACE_TYPES) assert.ok(existsSync(`/proc/self/ns/${t}`), t);
  });

  it('isNamespaceType accepts the eight /proc names and nothing else, not even inherited property names', () => {
    for (const t of NAMESPACE_TYPES) assert.equal(isNamespaceType(t), true, t);
    for (const v of ['network', 'mount', 'NET', '', 'toString', 'constructor', '__proto__', 42, null, undefined]) {
      assert.equal(isNamespaceType(v), false, String(v));
    }
  });
});

describe('clone flags', () => {
  it('CLONE_FLAGS holds the values of linux/sched.h for every type', () => {
    assert.deepEqual({ ...CLONE_FLAGS }, KERNEL_CLONE_FLAGS);
  });

  it('the kernel reports each /proc/self/ns file with the clone flag CLONE_FLAGS gives its type (raw ioctl NS_GET_NSTYPE)', { skip: notRoot }, () => {
    const libc = koffi.load('libc.so.6');
    const ioctl = libc.func('int ioctl(int fd, unsigned long request, ...)');
    const NS_GET_NSTYPE = 0xb703;
    const files = [...NAMESPACE_TYPES.map((t) => [t, t]), ['pid', 'pid_for_children'], ['time', 'time_for_children']];
    for (const [type, file] of files) {
      const fd = openSync(`/proc/self/ns/${file}`, 'r');
      try {
        assert.equal(ioctl(fd, NS_GET_NSTYPE), CLONE_FLAGS[type], `${file}: kernel flag vs CLONE_FLAGS.${type}`);
      } finally {
        closeSync(fd);
      }
    }
  });

  it('openNamespace derives from the kernel the type each /proc/self/ns file is named after', { skip: notRoot }, () => {
    for (const t of NAMESPACE_TYPES) {
      const r = openNamespace(`/proc/self/ns/${t}`);
      assert.ok(r.isOk(), t);
      try {
        assert.equal(r.value.type, t);
      } finally {
        r.value.close();
      }
    }
  });

  it('cloneFlag and typeFromCloneFlag are inverse for every type', () => {
    for (const t of NAMESPACE_TYPES) {
      assert.equal(cloneFlag(t), KERNEL_CLONE_FLAGS[t]);
      assert.equal(typeFromCloneFlag(cloneFlag(t)), t);
    }
  });

  it('the eight clone flags are distinct single bits', () => {
    const flags = NAMESPACE_TYPES.map(cloneFlag);
    assert.equal(new Set(flags).size, 8);
    for (const f of flags) assert.equal(f & (f - 1), 0, f.toString(16));
  });

  it('typeFromCloneFlag returns undefined for a flag that is no namespace type', () => {
    for (const f of [0, 1, 0x200 /* CLONE_FS */, CLONE_FLAGS.net | CLONE_FLAGS.uts, -1, 0.5]) {
      assert.equal(typeFromCloneFlag(f), undefined, String(f));
    }
  });

  it('cloneFlag throws a TypeError for a name that is not a namespace type, including OCI names and Object.prototype names', () => {
    for (const v of ['network', 'bogus', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      assert.throws(() => cloneFlag(v), TypeError, v);
    }
  });
});

describe('OCI names', () => {
  it('toOciType maps each of the eight types to its runtime-spec name', () => {
    for (const t of NAMESPACE_TYPES) assert.equal(toOciType(t), OCI[t], t);
  });

  it('fromOciType maps each runtime-spec name back to its type', () => {
    for (const [t, o] of Object.entries(OCI)) assert.equal(fromOciType(o), t, o);
  });

  it('toOciType and fromOciType round-trip every type', () => {
    for (const t of NAMESPACE_TYPES) assert.equal(fromOciType(toOciType(t)), t);
  });

  it('fromOciType does not accept the /proc spellings net and mnt', () => {
    assert.equal(fromOciType('net'), undefined);
    assert.equal(fromOciType('mnt'), undefined);
    assert.equal(fromOciType('Network'), undefined);
    assert.equal(fromOciType('toString'), undefined);
  });

  it('toOciType throws a TypeError for an OCI name or an inherited property name', () => {
    for (const v of ['network', 'mount', 'toString', 'constructor']) assert.throws(() => toOciType(v), TypeError, v);
  });
});

describe('parseNamespaceType', () => {
  it('accepts every /proc name', () => {
    for (const t of NAMESPACE_TYPES) assert.equal(parseNamespaceType(t)._unsafeUnwrap(), t);
  });

  it('accepts every OCI name and returns the /proc name', () => {
    for (const [t, o] of Object.entries(OCI)) assert.equal(parseNamespaceType(o)._unsafeUnwrap(), t);
  });

  it('refuses an unknown name with kind unknown-namespace-type, quoting the value in the message', () => {
    for (const v of ['netns', 'NET', '', 'toString', 'mount ']) {
      const r = parseNamespaceType(v);
      assert.ok(r.isErr(), v);
      assert.equal(r.error.kind, 'unknown-namespace-type');
      assert.equal(r.error.value, v);
      assert.ok(r.error.message.includes(JSON.stringify(v)), r.error.message);
      assert.ok(isNsError(r.error, 'unknown-namespace-type'));
    }
  });
});

describe('path builders', () => {
  it('selfNamespacePath, threadNamespacePath and processNamespacePath build /proc paths for every type', () => {
    for (const t of NAMESPACE_TYPES) {
      assert.equal(selfNamespacePath(t), `/proc/self/ns/${t}`);
      assert.equal(threadNamespacePath(t), `/proc/thread-self/ns/${t}`);
      assert.equal(processNamespacePath(1234, t), `/proc/1234/ns/${t}`);
      assert.equal(nsFileName(t), t);
    }
  });

  it('forChildren selects pid_for_children and time_for_children', () => {
    assert.equal(nsFileName('pid', { forChildren: true }), 'pid_for_children');
    assert.equal(selfNamespacePath('time', { forChildren: true }), '/proc/self/ns/time_for_children');
    assert.equal(threadNamespacePath('pid', { forChildren: true }), '/proc/thread-self/ns/pid_for_children');
    assert.equal(processNamespacePath(1, 'time', { forChildren: true }), '/proc/1/ns/time_for_children');
    assert.equal(selfNamespacePath('pid', { forChildren: false }), '/proc/self/ns/pid');
  });

  it('every built path exists on this kernel', () => {
    for (const t of NAMESPACE_TYPES) {
      assert.ok(existsSync(selfNamespacePath(t)), t);
      assert.ok(existsSync(threadNamespacePath(t)), t);
      assert.ok(existsSync(processNamespacePath(process.pid, t)), t);
    }
    for (const t of ['pid', 'time']) assert.ok(existsSync(threadNamespacePath(t, { forChildren: true })), t);
  });

  it('forChildren on a type other than pid and time throws a TypeError', () => {
    for (const t of ['net', 'mnt', 'user', 'uts', 'ipc', 'cgroup']) {
      assert.throws(() => nsFileName(t, { forChildren: true }), TypeError, t);
      assert.throws(() => selfNamespacePath(t, { forChildren: true }), TypeError, t);
      assert.throws(() => processNamespacePath(1, t, { forChildren: true }), TypeError, t);
    }
  });

  it('an unknown type throws a TypeError from every builder', () => {
    for (const t of ['network', 'bogus', 'constructor']) {
      assert.throws(() => selfNamespacePath(t), TypeError, t);
      assert.throws(() => threadNamespacePath(t), TypeError, t);
      assert.throws(() => processNamespacePath(1, t), TypeError, t);
    }
  });

  it('a pid that is not a number throws a TypeError', () => {
    for (const p of ['1', null, undefined, 1n, {}]) assert.throws(() => processNamespacePath(p, 'net'), TypeError, String(p));
  });

  it('a pid that is not a positive integer in the kernel range throws a RangeError', () => {
    for (const p of [0, -1, 1.5, NaN, Infinity, 0x40000000]) {
      assert.throws(() => processNamespacePath(p, 'net'), RangeError, String(p));
      assert.throws(() => checkPid(p), RangeError, String(p));
    }
    assert.doesNotThrow(() => checkPid(0x3fffffff));
    assert.doesNotThrow(() => checkPid(1));
  });
});

describe('errnoName', () => {
  it('names errno numbers as Node does', () => {
    assert.equal(errnoName(1), 'EPERM');
    assert.equal(errnoName(2), 'ENOENT');
    assert.equal(errnoName(13), 'EACCES');
    assert.equal(errnoName(22), 'EINVAL');
    assert.equal(errnoName(87), 'EUSERS');
    assert.equal(errnoName(99), 'EADDRNOTAVAIL');
    assert.equal(errnoName(111), 'ECONNREFUSED');
  });

  it('prefers the usual name of an aliased errno (EAGAIN over EWOULDBLOCK, EDEADLK over EDEADLOCK)', () => {
    assert.equal(errnoName(11), 'EAGAIN');
    assert.equal(errnoName(35), 'EDEADLK');
  });

  it('names the Linux errnos that Node\'s table lacks, such as EUSERS from setns into a time namespace', () => {
    assert.equal(errnoName(87), 'EUSERS');
    assert.equal(errnoName(15), 'ENOTBLK');
    assert.equal(errnoName(77), 'EBADFD');
    assert.equal(errnoName(133), 'EHWPOISON');
    for (let n = 1; n <= 133; n++) if (n !== 41 && n !== 58) assert.doesNotMatch(errnoName(n), /^E\d+$/, `errno ${n}`);
  });

  it('accepts a negated errno as syscalls return it', () => {
    assert.equal(errnoName(-1), 'EPERM');
    assert.equal(errnoName(-2), 'ENOENT');
  });

  it('turns an unknown number into E followed by the number instead of failing', () => {
    assert.equal(errnoName(99999), 'E99999');
    assert.equal(errnoName(-4242), 'E4242');
  });
});

describe('syscallError and fsError', () => {
  it('EPERM from setns becomes permission-denied naming the privilege needed', () => {
    const e = syscallError('setns', 1, { namespace: 'net', path: '/run/netns/a' });
    assert.equal(e.kind, 'permission-denied');
    assert.equal(e.code, 'EPERM');
    assert.equal(e.errno, 1);
    assert.equal(e.syscall, 'setns');
    assert.equal(e.namespace, 'net');
    assert.equal(e.path, '/run/netns/a');
    assert.match(e.privilege, /CAP_SYS_ADMIN/);
    assert.ok(e.message.includes(e.privilege), e.message);
    assert.ok(e.message.includes('EPERM') && e.message.includes('/run/netns/a'), e.message);
  });

  it('EACCES given by name also becomes permission-denied, with its number filled in', () => {
    const e = syscallError('open', 'EACCES', { path: '/root/x' });
    assert.equal(e.kind, 'permission-denied');
    assert.equal(e.errno, 13);
    assert.equal(typeof e.privilege, 'string');
    assert.ok(e.privilege.length > 0);
  });

  it('an errno given by a name Node does not know still gets its number', () => {
    const e = syscallError('setns', 'EUSERS', { namespace: 'time' });
    assert.equal(e.kind, 'syscall-failed');
    assert.equal(e.errno, 87);
    assert.equal(syscallError('setns', 87).code, 'EUSERS');
  });

  it('EPERM opening /proc/PID/... names ptrace access as the privilege', () => {
    const e = syscallError('open', 'EPERM', { path: '/proc/1/ns/net' });
    assert.equal(e.kind, 'permission-denied');
    assert.match(e.privilege, /ptrace/);
  });

  it('ENOENT with a path becomes not-found, carrying code, errno and path', () => {
    const e = syscallError('open', 2, { path: '/nonexistent/linuxns' });
    assert.equal(e.kind, 'not-found');
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.errno, 2);
    assert.equal(e.path, '/nonexistent/linuxns');
    assert.ok(e.message.includes('/nonexistent/linuxns'));
  });

  it('ENOENT on /proc/PID/... of a live process is still not-found', () => {
    const e = syscallError('open', 'ENOENT', { path: `/proc/${process.pid}/ns/bogus` });
    assert.equal(e.kind, 'not-found');
  });

  it('ENOENT on /proc/PID/... of a dead process becomes no-such-process with the pid', () => {
    const pid = deadPid();
    const path = `/proc/${pid}/ns/net`;
    const e = syscallError('open', 'ENOENT', { path });
    assert.equal(e.kind, 'no-such-process');
    assert.equal(e.pid, pid);
    assert.equal(e.path, path);
    assert.ok(e.message.includes(String(pid)), e.message);
  });

  it('any other errno becomes syscall-failed with its name in the message', () => {
    const e = syscallError('setns', 22, { namespace: 'mnt' });
    assert.equal(e.kind, 'syscall-failed');
    assert.equal(e.code, 'EINVAL');
    assert.equal(e.errno, 22);
    assert.match(e.message, /setns/);
    assert.match(e.message, /EINVAL/);
    assert.match(e.message, /mnt namespace/);
  });

  it('fsError converts a real exception from node:fs', () => {
    let thrown;
    try {
      openSync('/nonexistent/linuxns', 'r');
    } catch (x) {
      thrown = x;
    }
    const e = fsError(thrown, { path: '/nonexistent/linuxns' });
    assert.equal(e.kind, 'not-found');
    assert.equal(e.syscall, 'open');
  });

  it('fsError rethrows what is not a system error', () => {
    const bug = new RangeError('a bug');
    assert.throws(() => fsError(bug), (x) => x === bug);
  });

  it('every error built is structured-cloneable unchanged (errors cross threads as data)', () => {
    const e = syscallError('setns', 1, { namespace: 'net' });
    assert.deepEqual(structuredClone(e), e);
  });
});

describe('isNsError', () => {
  it('recognises any kind, or only the kind asked for', () => {
    const e = syscallError('open', 2, { path: '/x' });
    assert.equal(isNsError(e), true);
    assert.equal(isNsError(e, 'not-found'), true);
    assert.equal(isNsError(e, 'permission-denied'), false);
  });

  it('recognises an error that went through structuredClone', () => {
    assert.equal(isNsError(structuredClone(syscallError('setns', 1)), 'permission-denied'), true);
  });

  it('rejects values that are not errors of this model', () => {
    for (const v of [null, undefined, 'not-found', 42, {}, { kind: 'not-found' }, { message: 'x' }, { kind: 1, message: 'x' }, new Error('x')]) {
      assert.equal(isNsError(v), false, String(v));
    }
  });
});

// Nothing to clean up: every test closes what it opens. Checked here for fds.
describe('resources', () => {
  let fdsBefore;
  before(() => {
    fdsBefore = openFdCount();
  });
  after(() => {
    assert.equal(openFdCount(), fdsBefore);
  });
  it('opening and closing every namespace type leaves no fd behind', { skip: notRoot }, () => {
    for (const t of NAMESPACE_TYPES) openNamespace(selfNamespacePath(t))._unsafeUnwrap().close();
    assert.equal(openFdCount(), fdsBefore);
  });
});

function openFdCount() {
  return readdirSync('/proc/self/fd').length;
}
