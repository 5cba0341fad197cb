// listNamespaces and namespaceTree against the real kernel, compared with
// util-linux's lsns on namespaces this test makes (and the initial ones).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NamespacePool, createNamespace, listNamespaces, namespaceTree, pinNamespace, spawn, unpinNamespace } from '../dist/index.js';
import { POOL_TASKS, errorOf, inoOf, sleep, unwrap } from './fixtures/ns-helpers.js';

const skip = process.getuid() !== 0 ? 'making and pinning namespaces needs root (CAP_SYS_ADMIN)' : false;

const fdCount = () => readdirSync('/proc/self/fd').length;
const selfIno = (type) => inoOf(readlinkSync(`/proc/self/ns/${type}`));
const childIno = (pid, type) => inoOf(readlinkSync(`/proc/${pid}/ns/${type}`));

/** `lsns -J ARGS`, flattened (lsns nests namespaces by process tree) in its own order. */
function lsns(...args) {
  const flat = [];
  const walk = (list) => {
    for (const n of list ?? []) {
      flat.push(n);
      walk(n.children);
    }
  };
  walk(JSON.parse(execFileSync('lsns', ['-J', ...args], { encoding: 'utf8' })).namespaces);
  return flat;
}

const byIno = (list) => new Map(list.map((ns) => [BigInt(ns.ns ?? ns.ino), ns]));

let tmp;
let pinPath;
let relatedPin;
let fdHandle;
let userChild; // sleep in new user, net and uts namespaces
let pidChild; // sleep in a new pid namespace
const made = {};

before(async () => {
  if (skip) return;
  tmp = mkdtempSync('/tmp/linuxns-introspect-');
  // A uts namespace held by nothing but an fd of this process.
  fdHandle = unwrap(await createNamespace('uts'));
  made.fdUts = fdHandle.ino;
  // A nested user namespace owning new net and uts namespaces.
  userChild = unwrap(await spawn('sleep', ['60'], { create: ['user', 'net', 'uts'], uidMappings: [{ containerID: 0, hostID: 0, size: 1 }], gidMappings: [{ containerID: 0, hostID: 0, size: 1 }], stdio: 'ignore' }));
  made.user = childIno(userChild.pid, 'user');
  made.userNet = childIno(userChild.pid, 'net');
  made.userUts = childIno(userChild.pid, 'uts');
  // A nested pid namespace.
  pidChild = unwrap(await spawn('sleep', ['60'], { create: ['pid'], stdio: 'ignore' }));
  made.pid = childIno(pidChild.pid, 'pid');
});

after(async () => {
  if (skip) return;
  for (const child of [userChild, pidChild]) {
    if (child) {
      child.kill('SIGKILL');
      await child.exited;
    }
  }
  fdHandle?.close();
  for (const p of [pinPath, relatedPin]) if (p) unpinNamespace(p); // only when a test failed half-way
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('listNamespaces', { skip }, () => {
  it('lists what lsns -J lists: same ns, type, nprocs, pid and command on namespaces it made and on the initial ones', () => {
    const theirs = lsns();
    const ours = unwrap(listNamespaces());
    const mine = byIno(ours);
    const initial = new Set(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'].map(selfIno));
    const stable = new Set([made.user, made.userNet, made.userUts, made.pid]);
    let compared = 0;
    for (const ns of theirs) {
      const ino = BigInt(ns.ns);
      if (!stable.has(ino) && !initial.has(ino)) continue;
      const o = mine.get(ino);
      assert.ok(o, `lsns lists ${ns.type}:[${ns.ns}], listNamespaces does not`);
      assert.equal(o.type, ns.type);
      assert.equal(o.pid, ns.pid, `${ns.type}:[${ns.ns}] pid`);
      assert.equal(o.command, ns.command, `${ns.type}:[${ns.ns}] command`);
      assert.equal(o.user, ns.user, `${ns.type}:[${ns.ns}] user`);
      if (stable.has(ino)) assert.equal(o.nprocs, ns.nprocs, `${ns.type}:[${ns.ns}] nprocs`);
      else assert.ok(Math.abs(o.nprocs - ns.nprocs) <= 10, `${ns.type}:[${ns.ns}]: nprocs ${o.nprocs} vs lsns ${ns.nprocs}`);
      assert.ok(o.holders.includes('process'));
      compared++;
    }
    assert.equal(compared, stable.size + initial.size);
    // Sorted like lsns: by inode number, whatever the type.
    const sorted = (list) => list.every((ns, i) => i === 0 || list[i - 1] < ns);
    assert.ok(sorted(theirs.map((ns) => BigInt(ns.ns))), 'lsns itself orders by NS');
    assert.ok(sorted(ours.map((ns) => ns.ino)), 'listNamespaces orders by ino');
  });

  it('with type: net lists the net namespaces lsns -J -t net lists, and only net namespaces', () => {
    const theirs = lsns('-t', 'net');
    const ours = unwrap(listNamespaces({ type: 'net' }));
    assert.ok(ours.every((ns) => ns.type === 'net'));
    const mine = byIno(ours);
    for (const ns of theirs) {
      if (ns.ns !== Number(made.userNet) && BigInt(ns.ns) !== selfIno('net')) continue;
      assert.equal(mine.get(BigInt(ns.ns))?.pid, ns.pid);
    }
    assert.ok(mine.has(made.userNet) && mine.has(selfIno('net')));
  });

  it('with pid lists the namespaces of that process, as lsns -J -p PID does', () => {
    const theirs = lsns('-p', String(userChild.pid)).map((ns) => BigInt(ns.ns));
    const ours = unwrap(listNamespaces({ pid: userChild.pid }));
    assert.deepEqual(ours.map((ns) => ns.ino), theirs);
    assert.equal(ours.length, 8);
    const net = ours.find((ns) => ns.type === 'net');
    assert.equal(net.ino, made.userNet);
    assert.equal(net.pid, userChild.pid);
    assert.equal(net.command, 'sleep 60');
  });

  it('a pid that does not exist is no-such-process', () => {
    const pid = 0x3ffffff0;
    assert.equal(errorOf(listNamespaces({ pid }), 'no-such-process').pid, pid);
  });

  // Pins live only as long as the test that needs them: spawn-pin.test.js, running in parallel,
  // compares the whole mount table before and after its own steps.
  it('a pinned network namespace no process is in shows with its pin path and holder pin', async () => {
    const net = unwrap(await createNamespace('net'));
    const path = (pinPath = join(tmp, 'pinned-net'));
    unwrap(pinNamespace(net, path));
    net.close();
    const ns = unwrap(listNamespaces({ type: 'net' })).find((n) => n.ino === net.ino);
    unwrap(unpinNamespace(pinPath));
    pinPath = undefined;
    assert.ok(ns, 'the pinned netns is listed');
    assert.deepEqual(ns.holders, ['pin']);
    assert.deepEqual(ns.paths, [path]);
    assert.equal(ns.nprocs, 0);
    assert.equal(ns.pid, undefined);
    assert.equal(ns.owner, selfIno('user'));
  });

  it('a namespace held only by an open fd shows with holder fd', () => {
    const ns = unwrap(listNamespaces({ type: 'uts' })).find((n) => n.ino === made.fdUts);
    assert.ok(ns, 'the fd-held uts namespace is listed');
    assert.deepEqual(ns.holders, ['fd']);
    assert.equal(ns.dev, fdHandle.dev);
    assert.equal(ns.nprocs, 0);
    assert.deepEqual(ns.paths, []);
  });

  it('a namespace only a pool worker thread is in shows with holder thread and this process as pid', async () => {
    const pool = new NamespacePool({ threads: 1 });
    const net = unwrap(await createNamespace('net'));
    try {
      unwrap(await pool.run({}, POOL_TASKS, 'tid')); // the worker is up
      const task = pool.run({ net }, POOL_TASKS, 'acrossAwaits', { types: ['net'], ms: 600 });
      let ns;
      for (let i = 0; i < 30 && !ns?.holders.includes('thread'); i++) {
        await sleep(10);
        ns = unwrap(listNamespaces({ type: 'net' })).find((n) => n.ino === net.ino);
      }
      assert.ok(ns?.holders.includes('thread'), `holders: ${ns?.holders}`);
      assert.equal(ns.nprocs, 0);
      assert.equal(ns.pid, process.pid);
      unwrap(await task);
    } finally {
      net.close();
      await pool.close();
    }
  });

  it('a nested user namespace has our user namespace as parent and owns its new namespaces', () => {
    const all = byIno(unwrap(listNamespaces()));
    const user = all.get(made.user);
    assert.equal(user.type, 'user');
    assert.equal(user.parent, selfIno('user'));
    assert.equal(user.owner, selfIno('user'));
    assert.equal(user.ownerUid, 0);
    assert.equal(all.get(made.userNet).owner, made.user);
    assert.equal(all.get(made.userUts).owner, made.user);
    assert.equal(all.get(selfIno('user')).parent, undefined, 'the initial user namespace has no visible parent');
    assert.equal(all.get(made.pid).parent, selfIno('pid'));
  });

  it('a user namespace no process is in, kept by a pinned namespace it owns, shows with holder related', async () => {
    relatedPin = join(tmp, 'related-net');
    const gone = unwrap(await spawn('true', [], { create: ['user', 'net'], uidMappings: [{ containerID: 0, hostID: 0, size: 1 }], pin: { net: relatedPin }, stdio: 'ignore' }));
    await gone.exited;
    const all = unwrap(listNamespaces());
    const byType = unwrap(listNamespaces({ type: 'user' }));
    unwrap(unpinNamespace(relatedPin));
    relatedPin = undefined;
    const net = all.find((n) => n.paths.includes(join(tmp, 'related-net')));
    assert.ok(net, 'the pinned netns is listed');
    const user = all.find((n) => n.ino === net.owner);
    assert.ok(user, 'its owner is listed');
    assert.equal(user.type, 'user');
    assert.deepEqual(user.holders, ['related']);
    assert.equal(user.parent, selfIno('user'));
    assert.equal(user.pid, undefined);
    assert.ok(byType.some((n) => n.ino === user.ino), 'also with type: user');
  });

  it('reports the netnsid our network namespace gave another one (ip netns set), and none where none is set', () => {
    const name = `linuxns-nsid-${process.pid}`;
    const other = `linuxns-nonsid-${process.pid}`;
    execFileSync('ip', ['netns', 'add', name]);
    execFileSync('ip', ['netns', 'add', other]);
    try {
      execFileSync('ip', ['netns', 'set', name, '77']);
      const nets = unwrap(listNamespaces({ type: 'net' }));
      const withId = nets.find((n) => n.paths.includes(`/run/netns/${name}`));
      const without = nets.find((n) => n.paths.includes(`/run/netns/${other}`));
      assert.equal(withId?.netnsid, 77);
      assert.ok(without, 'the other namespace is listed');
      assert.equal(without.netnsid, undefined);
      // What ip itself reports for the same namespace.
      const ipList = JSON.parse(execFileSync('ip', ['-j', 'netns', 'list-id'], { encoding: 'utf8' }) || '[]');
      assert.ok(ipList.some((e) => e.nsid === 77), `ip netns list-id: ${JSON.stringify(ipList)}`);
    } finally {
      execFileSync('ip', ['netns', 'delete', name]);
      execFileSync('ip', ['netns', 'delete', other]);
    }
  });

  it('leaves no fd open: the same fds before and after 20 calls', () => {
    unwrap(listNamespaces()); // whatever is opened once per process (none expected)
    const before = fdCount();
    for (let i = 0; i < 20; i++) {
      unwrap(i % 3 === 0 ? listNamespaces() : i % 3 === 1 ? listNamespaces({ pid: process.pid }) : namespaceTree());
    }
    assert.equal(fdCount(), before);
  });
});

describe('namespaceTree', { skip }, () => {
  it('puts a nested user namespace under ours, owning its net and uts namespaces', () => {
    const roots = unwrap(namespaceTree({ type: 'user' }));
    assert.ok(roots.every((r) => r.ns.type === 'user'));
    const root = roots.find((r) => r.ns.ino === selfIno('user'));
    assert.ok(root, 'our user namespace is a root');
    assert.ok(root.owns.some((ns) => ns.ino === selfIno('net')));
    const child = root.children.find((c) => c.ns.ino === made.user);
    assert.ok(child, 'the new user namespace is a child of ours');
    assert.deepEqual(child.owns.map((ns) => ns.ino).sort(), [made.userNet, made.userUts].sort());
    assert.deepEqual(child.children, []);
  });

  it('puts a nested pid namespace under ours, and gives both trees without a type', () => {
    const roots = unwrap(namespaceTree());
    const pidRoot = roots.find((r) => r.ns.type === 'pid' && r.ns.ino === selfIno('pid'));
    assert.ok(pidRoot, 'our pid namespace is a root');
    assert.ok(pidRoot.children.some((c) => c.ns.ino === made.pid));
    assert.deepEqual(pidRoot.owns, []);
    assert.ok(roots.some((r) => r.ns.type === 'user'));
    const firstPid = roots.findIndex((r) => r.ns.type === 'pid');
    assert.ok(roots.slice(firstPid).every((r) => r.ns.type === 'pid'), 'user roots first, then pid roots');
  });
});
