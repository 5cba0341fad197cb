// LinuxKit's runtime config: parseRuntime on LinuxKit's runtime.json shapes
// and its validation errors, and applyRuntime on a real process in its own
// network namespace (mkdir, a veth made outside with its end moved in, a
// kind made inside, one made outside then moved, an existing link moved in,
// namespace pins).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { unpin } from '@linuxns/core';
import { applyRuntime, openNetlink, parseRuntime } from '../dist/index.js';

const skip = process.getuid() !== 0 ? 'network namespaces and pins need root' : false;

describe('parseRuntime', () => {
  it('accepts LinuxKit\'s runtime.json shape, as text or object, and fills in add: "veth" for a peer', () => {
    const json = JSON.stringify({
      mkdir: ['/var/lib/c1'],
      interfaces: [{ name: 'eth0', peer: 'veth-c1', createInRoot: false }, { name: 'wg0', add: 'wireguard' }, { name: 'eth1' }],
      bindNS: { net: '/run/netns/c1', uts: '', pid: '/run/c1/pid' },
    });
    const rt = parseRuntime(json)._unsafeUnwrap();
    assert.deepEqual(rt, {
      mkdir: ['/var/lib/c1'],
      interfaces: [
        { name: 'eth0', add: 'veth', peer: 'veth-c1', createInRoot: false },
        { name: 'wg0', add: 'wireguard', createInRoot: false },
        { name: 'eth1', createInRoot: false },
      ],
      bindNS: { net: '/run/netns/c1', pid: '/run/c1/pid' },
    });
    assert.deepEqual(parseRuntime(JSON.parse(json))._unsafeUnwrap(), rt);
  });

  it('matches keys without regard to case and ignores unknown keys, as Go\'s encoding/json does', () => {
    const rt = parseRuntime({ Interfaces: [{ NAME: 'eth0', CreateInRoot: true, add: 'bridge', extra: 1 }], BindNs: { NET: '/run/netns/x' }, other: true })._unsafeUnwrap();
    assert.deepEqual(rt, { interfaces: [{ name: 'eth0', add: 'bridge', createInRoot: true }], bindNS: { net: '/run/netns/x' } });
    assert.deepEqual(parseRuntime('null')._unsafeUnwrap(), {});
    assert.deepEqual(parseRuntime('{}')._unsafeUnwrap(), {});
  });

  it('refuses an interface without a name: "interface requires a name"', () => {
    for (const bad of [{ interfaces: [{ add: 'veth', peer: 'p' }] }, { interfaces: [{ name: '', add: 'bridge' }] }, { interfaces: [{ name: 'ok0' }, {}] }]) {
      const e = parseRuntime(bad)._unsafeUnwrapErr();
      assert.equal(e.kind, 'invalid-runtime');
      assert.match(e.message, /interface requires a name/);
      assert.match(e.field, /^interfaces\[\d\]\.name$/);
    }
  });

  it('refuses a veth without a peer: "veth requires a peer"', () => {
    const e = parseRuntime({ interfaces: [{ name: 'eth0', add: 'veth' }] })._unsafeUnwrapErr();
    assert.equal(e.kind, 'invalid-runtime');
    assert.equal(e.field, 'interfaces[0].peer');
    assert.match(e.message, /veth requires a peer/);
    assert.match(e.message, /"eth0"/);
  });

  it('refuses bad JSON and values of the wrong type, naming the field', () => {
    assert.equal(parseRuntime('{"mkdir": [')._unsafeUnwrapErr().kind, 'invalid-runtime');
    assert.equal(parseRuntime('[]')._unsafeUnwrapErr().field, '');
    assert.equal(parseRuntime({ mkdir: '/x' })._unsafeUnwrapErr().field, 'mkdir');
    assert.equal(parseRuntime({ interfaces: {} })._unsafeUnwrapErr().field, 'interfaces');
    assert.equal(parseRuntime({ interfaces: [{ name: 'e', createInRoot: 'yes' }] })._unsafeUnwrapErr().field, 'interfaces[0].createInRoot');
    assert.equal(parseRuntime({ interfaces: [{ name: 5 }] })._unsafeUnwrapErr().field, 'interfaces[0].name');
    assert.equal(parseRuntime({ bindNS: { net: 1 } })._unsafeUnwrapErr().field, 'bindNS.net');
  });
});

describe('applyRuntime on a process in its own network namespace', { skip }, () => {
  let child;
  let tmp;
  let root;
  const tag = String(process.pid % 100000);
  const inside = (...args) => JSON.parse(execFileSync('nsenter', ['-t', String(child.pid), '-n', 'ip', '-j', ...args], { encoding: 'utf8' }) || '[]');

  before(async () => {
    tmp = mkdtempSync('/tmp/lns-runtime-');
    // unshare execs sleep: the pid is the process in the new network namespace.
    child = spawn('unshare', ['-n', 'sleep', '60'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const a = execFileSync('readlink', [`/proc/${child.pid}/ns/net`], { encoding: 'utf8' });
      const b = execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' });
      if (a !== b) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    root = (await openNetlink())._unsafeUnwrap();
  });

  after(async () => {
    child?.kill('SIGKILL');
    for (const n of [`rt-old-${tag}`, `rt-peer-${tag}`, `rt-peer2-${tag}`]) await root?.deleteLink(n);
    root?.close();
    for (const t of ['net', 'uts']) unpin(join(tmp, 'ns', t));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a bad config before changing anything', async () => {
    const dir = join(tmp, 'never');
    const e = (await applyRuntime(child.pid, { mkdir: [dir], interfaces: [{ name: 'ok0', add: 'bridge' }, { name: 'eth0', add: 'veth' }] }))._unsafeUnwrapErr();
    assert.equal(e.kind, 'invalid-runtime');
    assert.match(e.message, /veth requires a peer/);
    assert.equal(existsSync(dir), false);
    assert.equal(inside('link', 'show').length, 1, 'only lo inside');
  });

  it('makes directories, interfaces (veth moved in, kind made inside, kind made outside then moved, existing link moved) and pins', async () => {
    // An existing link of the caller's namespace, to be moved in by name.
    (await root.createLink({ name: `rt-old-${tag}`, kind: 'ifb' }))._unsafeUnwrap();
    const runtime = JSON.stringify({
      mkdir: [join(tmp, 'a/b/c')],
      interfaces: [
        { name: 'eth0', peer: `rt-peer-${tag}` }, // this host has an eth0 of its own: made inside at once
        { name: `rt-v2-${tag}`, add: 'veth', peer: `rt-peer2-${tag}`, createInRoot: true }, // LinuxKit's way
        { name: 'br0', add: 'bridge' },
        { name: `rt-ifb-${tag}`, add: 'ifb', createInRoot: true }, // not ifb1: the host has ifb0 and ifb1
        { name: `rt-old-${tag}` },
      ],
      bindNS: { net: join(tmp, 'ns/net'), uts: join(tmp, 'ns/uts') },
    });
    const done = (await applyRuntime(child.pid, runtime))._unsafeUnwrap();
    assert.deepEqual(done.directories, [join(tmp, 'a/b/c')]);
    assert.deepEqual(done.interfaces, [
      { name: 'eth0', kind: 'veth', action: 'created' },
      { name: `rt-v2-${tag}`, kind: 'veth', action: 'created-and-moved' },
      { name: 'br0', kind: 'bridge', action: 'created' },
      { name: `rt-ifb-${tag}`, kind: 'ifb', action: 'created-and-moved' },
      { name: `rt-old-${tag}`, kind: undefined, action: 'moved' },
    ]);
    assert.deepEqual(done.pins, [
      { type: 'net', path: join(tmp, 'ns/net') },
      { type: 'uts', path: join(tmp, 'ns/uts') },
    ]);
    assert.ok(statSync(join(tmp, 'a/b/c')).isDirectory());
    const names = inside('link', 'show').map((l) => l.ifname).sort();
    assert.deepEqual(names, ['br0', 'eth0', `rt-ifb-${tag}`, 'lo', `rt-old-${tag}`, `rt-v2-${tag}`].sort());
    // The veth's peer stayed outside; nothing else did.
    const peer = (await root.link(`rt-peer-${tag}`))._unsafeUnwrap();
    assert.equal(peer.kind, 'veth');
    assert.ok(peer.linkNetnsid !== undefined);
    assert.ok((await root.link(`rt-peer2-${tag}`))._unsafeUnwrap().linkNetnsid !== undefined);
    for (const gone of ['br0', `rt-ifb-${tag}`, `rt-old-${tag}`, `rt-v2-${tag}`]) assert.equal((await root.link(gone))._unsafeUnwrapErr().code, 'ENODEV', gone);
    // The pins are the process's namespaces, as ip sees them.
    const pinned = spawnSync('nsenter', [`--net=${join(tmp, 'ns/net')}`, 'ip', '-j', 'link', 'show'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(pinned.stdout).map((l) => l.ifname).sort(), names);
    assert.equal(statSync(join(tmp, 'ns/uts')).ino, statSync(`/proc/${child.pid}/ns/uts`).ino);
  });

  it('stops at the first interface the kernel refuses, naming it', async () => {
    const e = (await applyRuntime(child.pid, { interfaces: [{ name: 'nosuch-link-0' }] }))._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-error');
    assert.equal(e.code, 'ENODEV');
    assert.match(e.message, /^interface nosuch-link-0: /);
    const clash = (await applyRuntime(child.pid, { interfaces: [{ name: 'br0', add: 'bridge' }] }))._unsafeUnwrapErr();
    assert.equal(clash.code, 'EEXIST');
  });

  it('throws for bad options at the call, before any directory is made, with or without interfaces', () => {
    const dir = join(tmp, 'never-opts');
    for (const [options, type] of [
      [{ timeoutMs: 0 }, RangeError],
      [{ timeoutMs: -1 }, RangeError],
      [{ timeoutMs: 1.5 }, RangeError],
      [{ timeoutMs: '5000' }, TypeError],
      [null, TypeError],
      ['fast', TypeError],
    ]) {
      assert.throws(() => applyRuntime(child.pid, { mkdir: [dir] }, options), type, JSON.stringify(options));
      assert.throws(() => applyRuntime(child.pid, { mkdir: [dir], interfaces: [{ name: 'x0', add: 'dummy' }] }, options), type);
      assert.equal(existsSync(dir), false, JSON.stringify(options));
    }
    assert.equal(inside('link', 'show').some((l) => l.ifname === 'x0'), false);
  });

  it('skips empty mkdir entries, as parseRuntime drops them', async () => {
    const dir = join(tmp, 'made-once');
    const done = (await applyRuntime(child.pid, { mkdir: ['', dir, ''] }))._unsafeUnwrap();
    assert.deepEqual(done.directories, [dir]);
    assert.ok(statSync(dir).isDirectory());
    assert.deepEqual(parseRuntime('{"mkdir":["",null,"/run/x"]}')._unsafeUnwrap().mkdir, ['/run/x']);
  });

  it('throws for a pid that is not a positive integer', () => {
    assert.throws(() => applyRuntime(0, {}), TypeError);
    assert.throws(() => applyRuntime('1', {}), TypeError);
  });
});
