// NamespaceHandle and its openers: identity, dup/close life cycle,
// introspection ioctls, and every bad input, each without leaking an fd.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, fstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NAMESPACE_TYPES,
  NamespaceHandle,
  openNamespace,
  openProcessNamespace,
  openThreadNamespace,
  isNsError,
  sameNamespace,
  formatIdentity,
  identityOfPath,
  threadNamespaceIdentity,
} from '../dist/index.js';

const skip = process.getuid() !== 0 ? 'opening every namespace type and its introspection ioctls need root' : false;

/** Number of open fds of this process. */
function fdCount() {
  return readdirSync('/proc/self/fd').length;
}

/** The (dev, ino) of a path, following the magic link. */
function statId(path) {
  const st = statSync(path, { bigint: true });
  return { dev: st.dev, ino: st.ino };
}

/** Octal flags of an fd as the kernel reports them. */
function fdFlags(fd) {
  const m = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return parseInt(m[1], 8);
}
const O_CLOEXEC = 0o2000000;

/** Runs `fn` and asserts the process has as many fds open afterwards as before. */
function noFdLeak(fn) {
  const before = fdCount();
  const out = fn();
  assert.equal(fdCount(), before, 'fd count changed');
  return out;
}

/** A pid that belongs to no process: a child that exited and was reaped. */
function deadPid() {
  const r = spawnSync('/bin/true');
  assert.equal(r.status, 0);
  assert.ok(!existsSync(`/proc/${r.pid}`));
  return r.pid;
}

/** Waits until `pid`'s namespace of `type` differs from ours (the child has unshared). */
async function waitUnshared(pid, file) {
  const ours = readlinkSync(`/proc/self/ns/${file}`);
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/${file}`) !== ours) return;
    } catch {
      /* not there yet */
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`pid ${pid} never left our ${file} namespace`);
}

let fdsAtStart;
let tmp;
const children = [];

before(() => {
  fdsAtStart = fdCount();
  tmp = mkdtempSync(join(tmpdir(), 'linuxns-handle-'));
});

after(async () => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    }
  }
  rmSync(tmp, { recursive: true, force: true });
  // Child process pipes close asynchronously.
  for (let i = 0; i < 100 && fdCount() !== fdsAtStart; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(fdCount(), fdsAtStart, 'the file leaked fds');
});

describe('opening namespaces', { skip }, () => {
  it('openNamespace reports the type and the bigint dev/ino of stat for every /proc/self/ns file', () => {
    noFdLeak(() => {
      for (const t of NAMESPACE_TYPES) {
        const h = openNamespace(`/proc/self/ns/${t}`)._unsafeUnwrap();
        try {
          assert.ok(h instanceof NamespaceHandle);
          assert.equal(h.type, t);
          assert.equal(typeof h.dev, 'bigint');
          assert.equal(typeof h.ino, 'bigint');
          assert.deepEqual({ dev: h.dev, ino: h.ino }, statId(`/proc/self/ns/${t}`));
          assert.equal(h.path, `/proc/self/ns/${t}`);
          assert.equal(h.closed, false);
        } finally {
          h.close();
        }
      }
    });
  });

  it('openNamespace with the right expected type succeeds', () => {
    noFdLeak(() => {
      const h = openNamespace('/proc/self/ns/net', 'net')._unsafeUnwrap();
      assert.equal(h.type, 'net');
      h.close();
    });
  });

  it('a handle fd is close-on-exec and its identity is that of the open file', () => {
    const h = openNamespace('/proc/self/ns/uts')._unsafeUnwrap();
    try {
      assert.ok(fdFlags(h.fd) & O_CLOEXEC, 'O_CLOEXEC missing');
      const st = fstatSync(h.fd, { bigint: true });
      assert.deepEqual({ dev: st.dev, ino: st.ino }, { dev: h.dev, ino: h.ino });
    } finally {
      h.close();
    }
  });

  it('openProcessNamespace of our own pid gives the namespaces of /proc/self/ns', () => {
    noFdLeak(() => {
      for (const t of NAMESPACE_TYPES) {
        const h = openProcessNamespace(process.pid, t)._unsafeUnwrap();
        assert.equal(h.type, t);
        assert.deepEqual({ dev: h.dev, ino: h.ino }, statId(`/proc/self/ns/${t}`));
        assert.equal(h.path, `/proc/${process.pid}/ns/${t}`);
        h.close();
      }
    });
  });

  it('openProcessNamespace with forChildren opens pid_for_children and time_for_children', () => {
    noFdLeak(() => {
      for (const t of ['pid', 'time']) {
        const h = openProcessNamespace(process.pid, t, { forChildren: true })._unsafeUnwrap();
        assert.equal(h.type, t);
        assert.deepEqual({ dev: h.dev, ino: h.ino }, statId(`/proc/self/ns/${t}_for_children`));
        assert.equal(h.path, `/proc/${process.pid}/ns/${t}_for_children`);
        h.close();
      }
    });
  });

  it("openProcessNamespace of a child in a new uts namespace gives the child's namespace, not ours", async () => {
    const child = spawn('unshare', ['--uts', 'sleep', '30'], { stdio: 'ignore' });
    children.push(child);
    await waitUnshared(child.pid, 'uts');
    const h = openProcessNamespace(child.pid, 'uts')._unsafeUnwrap();
    try {
      assert.deepEqual({ dev: h.dev, ino: h.ino }, statId(`/proc/${child.pid}/ns/uts`));
      assert.notDeepEqual({ dev: h.dev, ino: h.ino }, statId('/proc/self/ns/uts'));
      assert.equal(String(h), readlinkSync(`/proc/${child.pid}/ns/uts`));
    } finally {
      h.close();
    }
  });

  it('openThreadNamespace on the main thread gives /proc/thread-self/ns, equal to /proc/self/ns', () => {
    noFdLeak(() => {
      for (const t of NAMESPACE_TYPES) {
        const h = openThreadNamespace(t)._unsafeUnwrap();
        assert.equal(h.type, t);
        assert.deepEqual({ dev: h.dev, ino: h.ino }, statId(`/proc/thread-self/ns/${t}`));
        assert.deepEqual({ dev: h.dev, ino: h.ino }, statId(`/proc/self/ns/${t}`));
        h.close();
      }
      const p = openThreadNamespace('pid', { forChildren: true })._unsafeUnwrap();
      assert.equal(p.path, '/proc/thread-self/ns/pid_for_children');
      p.close();
    });
  });

  it('a handle cannot be constructed directly', () => {
    assert.throws(() => new NamespaceHandle(Symbol('x'), 0, 'net', { dev: 0n, ino: 0n }), TypeError);
  });

  it('a path that is not a string throws a TypeError; an unknown expected type name is unknown-namespace-type with the hint every API gives; nothing is opened', () => {
    noFdLeak(() => {
      assert.throws(() => openNamespace(undefined), TypeError);
      assert.throws(() => openNamespace(3), TypeError);
      assert.throws(() => openNamespace('/proc/self/ns/net', 5), TypeError);
      const r = openNamespace('/proc/self/ns/net', 'network');
      assert.ok(r.isErr());
      assert.equal(r.error.kind, 'unknown-namespace-type');
      assert.match(r.error.message, /OCI runtime spec's name: use 'net'/);
      assert.throws(() => openProcessNamespace(0, 'net'), RangeError);
    });
  });

  it('one behaviour and one hint for an unknown type name everywhere: openNamespace, createNamespace, enterSync, pool.run', async () => {
    const { createNamespace, enterSync, NamespacePool } = await import('../dist/index.js');
    const messages = [];
    const open = openNamespace('/proc/self/ns/net', 'netz');
    messages.push(open.isErr() && open.error);
    const created = await createNamespace('netz');
    messages.push(created.isErr() && created.error);
    const entered = enterSync({ netz: 'new' }, () => 0);
    messages.push(entered.isErr() && entered.error);
    const pool = new NamespacePool({ threads: 1 });
    try {
      const ran = await pool.run({ netz: 'new' }, '/nonexistent/task.js', 'f');
      messages.push(ran.isErr() && ran.error);
    } finally {
      await pool.close();
    }
    for (const e of messages) {
      assert.equal(e?.kind, 'unknown-namespace-type', JSON.stringify(e));
      assert.equal(e.value, 'netz');
      assert.match(e.message, /did you mean 'net'\?/);
    }
  });
});

describe('identity', { skip }, () => {
  it('two handles on the same namespace are equal and share uniqueId; different namespaces are not', () => {
    noFdLeak(() => {
      const a = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
      const b = openProcessNamespace(process.pid, 'net')._unsafeUnwrap();
      const u = openNamespace('/proc/self/ns/uts')._unsafeUnwrap();
      try {
        assert.notEqual(a.fd, b.fd);
        assert.equal(a.equals(b), true);
        assert.equal(b.equals(a), true);
        assert.equal(a.uniqueId(), b.uniqueId());
        assert.equal(a.equals(u), false);
        assert.notEqual(a.uniqueId(), u.uniqueId());
        assert.equal(a.equals({ type: 'net', dev: a.dev, ino: a.ino + 1n }), false);
      } finally {
        a.close();
        b.close();
        u.close();
      }
    });
  });

  it("toString is the kernel's link text type:[ino] and uniqueId is NS(dev:ino)", () => {
    noFdLeak(() => {
      for (const t of NAMESPACE_TYPES) {
        const h = openNamespace(`/proc/self/ns/${t}`)._unsafeUnwrap();
        assert.equal(h.toString(), readlinkSync(`/proc/self/ns/${t}`));
        assert.equal(`${h}`, `${t}:[${h.ino}]`);
        assert.equal(h.uniqueId(), `NS(${h.dev}:${h.ino})`);
        h.close();
      }
    });
  });
});

describe('identity helpers', { skip }, () => {
  it('threadNamespaceIdentity gives the stat identity of /proc/thread-self/ns and opens nothing', () => {
    noFdLeak(() => {
      for (const t of NAMESPACE_TYPES) {
        const id = threadNamespaceIdentity(t)._unsafeUnwrap();
        assert.equal(id.type, t);
        assert.deepEqual({ dev: id.dev, ino: id.ino }, statId(`/proc/thread-self/ns/${t}`));
      }
      const p = threadNamespaceIdentity('pid', { forChildren: true })._unsafeUnwrap();
      assert.deepEqual({ dev: p.dev, ino: p.ino }, statId('/proc/thread-self/ns/pid_for_children'));
    });
  });

  it('identityOfPath follows the magic link, and a missing path gives not-found', () => {
    const id = identityOfPath('/proc/self/ns/mnt', 'mnt')._unsafeUnwrap();
    assert.deepEqual({ dev: id.dev, ino: id.ino }, statId('/proc/self/ns/mnt'));
    const r = identityOfPath(join(tmp, 'missing'), 'net');
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
    assert.equal(r.error.namespace, 'net');
  });

  it('sameNamespace compares dev and ino, and formatIdentity prints type:[ino]', () => {
    const a = identityOfPath('/proc/self/ns/net', 'net')._unsafeUnwrap();
    const h = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
    h.close();
    assert.equal(sameNamespace(a, h), true);
    assert.equal(sameNamespace(a, { ...a, ino: a.ino + 1n }), false);
    assert.equal(sameNamespace(a, { ...a, dev: a.dev + 1n }), false);
    assert.equal(formatIdentity(a), readlinkSync('/proc/self/ns/net'));
  });
});

describe('dup and close', { skip }, () => {
  it('dup gives a second fd on the same namespace that survives closing the original', () => {
    noFdLeak(() => {
      const a = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
      const b = a.dup()._unsafeUnwrap();
      assert.notEqual(b.fd, a.fd);
      assert.ok(fdFlags(b.fd) & O_CLOEXEC, 'dup is not O_CLOEXEC');
      assert.equal(b.equals(a), true);
      assert.equal(b.type, 'net');
      a.close();
      assert.equal(b.closed, false);
      const st = fstatSync(b.fd, { bigint: true });
      assert.equal(st.ino, a.ino);
      const owner = b.ownerUserNamespace()._unsafeUnwrap();
      owner.close();
      b.close();
    });
  });

  it('closing the dup leaves the original usable', () => {
    noFdLeak(() => {
      const a = openNamespace('/proc/self/ns/uts')._unsafeUnwrap();
      const b = a.dup()._unsafeUnwrap();
      b.close();
      assert.equal(a.closed, false);
      assert.equal(fstatSync(a.fd, { bigint: true }).ino, a.ino);
      const c = a.dup()._unsafeUnwrap();
      assert.ok(c.equals(a));
      c.close();
      a.close();
    });
  });

  it('close releases the fd, and closing again does nothing', () => {
    const before = fdCount();
    const h = openNamespace('/proc/self/ns/ipc')._unsafeUnwrap();
    assert.equal(fdCount(), before + 1);
    h.close();
    assert.equal(fdCount(), before);
    assert.equal(h.closed, true);
    h.close();
    h.close();
    assert.equal(fdCount(), before);
  });

  it('a closed handle throws a TypeError from fd, dup, ownerUserNamespace, parent and ownerUid', () => {
    const h = openNamespace('/proc/self/ns/user')._unsafeUnwrap();
    h.close();
    noFdLeak(() => {
      assert.throws(() => h.fd, TypeError);
      assert.throws(() => h.dup(), TypeError);
      assert.throws(() => h.ownerUserNamespace(), TypeError);
      assert.throws(() => h.parent(), TypeError);
      assert.throws(() => h.ownerUid(), TypeError);
    });
    const n = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
    n.close();
    assert.throws(() => n.parent(), TypeError, 'parent() of a closed net handle');
  });

  it('a closed handle still tells its type and identity', () => {
    const h = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
    const id = statId('/proc/self/ns/net');
    const text = h.toString();
    const key = h.uniqueId();
    h.close();
    assert.equal(h.type, 'net');
    assert.equal(h.dev, id.dev);
    assert.equal(h.ino, id.ino);
    assert.equal(h.toString(), text);
    assert.equal(h.uniqueId(), key);
    assert.equal(h.equals(id), true);
  });
});

describe('introspection', { skip }, () => {
  it("ownerUserNamespace of our net namespace is /proc/self/ns/user's namespace", () => {
    noFdLeak(() => {
      const net = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
      const owner = net.ownerUserNamespace()._unsafeUnwrap();
      try {
        assert.equal(owner.type, 'user');
        assert.deepEqual({ dev: owner.dev, ino: owner.ino }, statId('/proc/self/ns/user'));
        assert.ok(fdFlags(owner.fd) & O_CLOEXEC, 'related fd is not O_CLOEXEC');
        assert.notEqual(owner.fd, net.fd);
      } finally {
        owner.close();
        net.close();
      }
    });
  });

  it('parent() of the initial user namespace fails with permission-denied (EPERM)', () => {
    noFdLeak(() => {
      const u = openNamespace('/proc/self/ns/user')._unsafeUnwrap();
      const r = u.parent();
      u.close();
      assert.ok(r.isErr());
      assert.ok(isNsError(r.error, 'permission-denied'));
      assert.equal(r.error.code, 'EPERM');
      assert.equal(r.error.syscall, 'ioctl');
      assert.equal(typeof r.error.privilege, 'string');
    });
  });

  it('parent() of the initial pid namespace fails with EPERM too', () => {
    noFdLeak(() => {
      const p = openNamespace('/proc/self/ns/pid')._unsafeUnwrap();
      const r = p.parent();
      p.close();
      assert.ok(r.isErr());
      assert.equal(r.error.code, 'EPERM');
    });
  });

  it('parent() of a net namespace fails: only user and pid namespaces have parents', () => {
    noFdLeak(() => {
      const n = openNamespace('/proc/self/ns/net')._unsafeUnwrap();
      const r = n.parent();
      n.close();
      assert.ok(r.isErr());
      assert.equal(r.error.kind, 'syscall-failed');
      assert.equal(r.error.code, 'EINVAL');
      assert.equal(r.error.namespace, 'net');
    });
  });

  it('parent() of a child user namespace is our user namespace, and its owner uid is ours', async () => {
    const child = spawn('unshare', ['--user', 'sleep', '30'], { stdio: 'ignore' });
    children.push(child);
    await waitUnshared(child.pid, 'user');
    noFdLeak(() => {
      const u = openProcessNamespace(child.pid, 'user')._unsafeUnwrap();
      try {
        assert.notDeepEqual({ dev: u.dev, ino: u.ino }, statId('/proc/self/ns/user'));
        const p = u.parent()._unsafeUnwrap();
        assert.equal(p.type, 'user');
        assert.deepEqual({ dev: p.dev, ino: p.ino }, statId('/proc/self/ns/user'));
        p.close();
        assert.equal(u.ownerUid()._unsafeUnwrap(), process.getuid());
      } finally {
        u.close();
      }
    });
  });

  it('ownerUid() of /proc/self/ns/user is 0', () => {
    noFdLeak(() => {
      const u = openNamespace('/proc/self/ns/user')._unsafeUnwrap();
      const r = u.ownerUid();
      u.close();
      assert.equal(r._unsafeUnwrap(), 0);
    });
  });

  it('ownerUid() of a namespace that is not a user namespace fails with EINVAL', () => {
    noFdLeak(() => {
      const n = openNamespace('/proc/self/ns/uts')._unsafeUnwrap();
      const r = n.ownerUid();
      n.close();
      assert.ok(r.isErr());
      assert.equal(r.error.code, 'EINVAL');
    });
  });
});

describe('bad input', { skip }, () => {
  it('a missing path gives not-found with code ENOENT and the path', () => {
    const path = join(tmp, 'missing');
    const r = noFdLeak(() => openNamespace(path, 'net'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
    assert.equal(r.error.code, 'ENOENT');
    assert.equal(r.error.path, path);
    assert.equal(r.error.syscall, 'open');
  });

  it('a regular file gives not-a-namespace with fileType regular-file', () => {
    const path = join(tmp, 'regular');
    writeFileSync(path, 'not a namespace\n');
    const r = noFdLeak(() => openNamespace(path));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-a-namespace');
    assert.equal(r.error.fileType, 'regular-file');
    assert.equal(r.error.path, path);
    assert.equal(readFileSync(path, 'utf8'), 'not a namespace\n');
  });

  it('an empty regular file gives not-a-namespace too (an unmounted pin looks like this)', () => {
    const path = join(tmp, 'empty');
    writeFileSync(path, '');
    const r = noFdLeak(() => openNamespace(path, 'net'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-a-namespace');
    assert.equal(r.error.fileType, 'regular-file');
  });

  it('the directory /proc/self/ns gives is-a-directory', () => {
    const r = noFdLeak(() => openNamespace('/proc/self/ns'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'is-a-directory');
    assert.equal(r.error.path, '/proc/self/ns');
    assert.match(r.error.message, /\/proc\/self\/ns\/net/);
  });

  it('/proc/self/ns/user opened as net gives wrong-namespace-type with expected and actual', () => {
    const r = noFdLeak(() => openNamespace('/proc/self/ns/user', 'net'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'wrong-namespace-type');
    assert.equal(r.error.expected, 'net');
    assert.equal(r.error.actual, 'user');
    assert.equal(r.error.path, '/proc/self/ns/user');
  });

  it('pid_for_children opened as time gives wrong-namespace-type', () => {
    const r = noFdLeak(() => openNamespace('/proc/self/ns/pid_for_children', 'time'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'wrong-namespace-type');
    assert.equal(r.error.actual, 'pid');
  });

  it('a FIFO does not block and gives not-a-namespace with fileType fifo', () => {
    const path = join(tmp, 'fifo');
    execFileSync('mkfifo', [path]);
    // With no writer, a blocking open would hang here forever (the test timeout would catch it).
    const r = noFdLeak(() => openNamespace(path, 'net'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-a-namespace');
    assert.equal(r.error.fileType, 'fifo');
  });

  it('a character device (/dev/null) gives not-a-namespace with fileType device', () => {
    const r = noFdLeak(() => openNamespace('/dev/null'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-a-namespace');
    assert.equal(r.error.fileType, 'device');
  });

  it('a Unix socket file gives not-a-namespace with fileType socket', async () => {
    const path = join(tmp, 'sock');
    const server = createServer();
    await new Promise((r) => server.listen(path, r));
    try {
      const r = noFdLeak(() => openNamespace(path, 'net'));
      assert.ok(r.isErr());
      assert.equal(r.error.kind, 'not-a-namespace', r.error.message);
      assert.equal(r.error.fileType, 'socket');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a dead pid gives no-such-process with the pid', () => {
    const pid = deadPid();
    const r = noFdLeak(() => openProcessNamespace(pid, 'net'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'no-such-process');
    assert.equal(r.error.pid, pid);
    assert.equal(r.error.path, `/proc/${pid}/ns/net`);
  });

  it('a zombie (exited, not yet reaped) gives no-such-process too', async () => {
    // sh execs sleep, which never reaps the background child: that child becomes a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.05 & exec sleep 30'], { stdio: 'ignore' });
    children.push(parent);
    let zombie;
    for (let i = 0; i < 200 && zombie === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        const kid = Number(readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim());
        const stat = readFileSync(`/proc/${kid}/stat`, 'utf8');
        if (kid && stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') zombie = kid;
      } catch {
        /* not yet */
      }
    }
    assert.ok(zombie, 'no zombie appeared');
    assert.ok(existsSync(`/proc/${zombie}`), 'a zombie keeps its /proc entry');
    const r = noFdLeak(() => openProcessNamespace(zombie, 'net'));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'no-such-process');
    assert.equal(r.error.pid, zombie);
  });

  it('a missing /proc entry of a live process is not-found, not no-such-process', () => {
    const r = noFdLeak(() => openNamespace(`/proc/${process.pid}/ns/bogus`));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
  });
});
