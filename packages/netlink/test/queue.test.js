// The operations of one socket against the kernel: one made while none is
// queued is done when the call returns (the kernel answered while handling
// send); ones made without awaiting run in the order they were made, also
// when they wait on libuv's pool; a refused one never stops the next; a
// namespace handle closed right after the call still serves its queued
// request; and sockets opened and closed by the hundred, or refused, leave no
// fd. Every namespace is made by the test and gone at its end.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openNetlink } from '../dist/index.js';
import { fdCount, ok, pinnedPair, skip } from './fixtures/lab.js';

const lab = pinnedPair('lnsq');
const { NAME_A, NAME_B } = lab;
/** The links of a pinned namespace as ip shows them, by name. */
const ipLinks = (ns) => Object.fromEntries(JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show'], { encoding: 'utf8' }) || '[]').map((l) => [l.ifname, l]));
/** The IPv4 addresses of `dev` as ip shows them. */
const ipAddrs = (ns, dev) => JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', dev], { encoding: 'utf8' }) || '[]')[0]?.addr_info.filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`) ?? [];

describe('an operation made while none is queued', { skip }, () => {
  it('is done in the kernel when the call returns, before anything is awaited', async () => {
    const nl = await ok(openNetlink(lab.hA));
    try {
      const made = nl.createBridge('now0');
      // ip runs synchronously here: the event loop has not turned since the call.
      assert.ok('now0' in ipLinks(NAME_A), 'the link exists as soon as createDummy returned');
      const up = nl.setLinkUp('now0');
      const addr = nl.addAddress('now0', '10.91.0.1/24');
      assert.ok(ipLinks(NAME_A).now0.flags.includes('UP'), 'up as soon as setLinkUp returned');
      assert.deepEqual(ipAddrs(NAME_A, 'now0'), ['10.91.0.1/24'], 'the address is there as soon as addAddress returned');
      for (const r of [made, up, addr]) await ok(r);
      await ok(nl.deleteLink('now0'));
    } finally {
      nl.close();
    }
  });

  it('that the kernel refuses gives its error as data, and the next one made at once still runs', async () => {
    const nl = await ok(openNetlink(lab.hA));
    try {
      await ok(nl.createBridge('ref0'));
      const clash = nl.createBridge('ref0');
      const missing = nl.setLinkUp('nosuch9');
      const next = nl.setLinkUp('ref0');
      const e1 = (await clash)._unsafeUnwrapErr();
      assert.equal(e1.kind, 'netlink-error');
      assert.equal(e1.code, 'EEXIST');
      const e2 = (await missing)._unsafeUnwrapErr();
      assert.equal(e2.code, 'ENODEV');
      assert.match(e2.message, new RegExp(nl.namespace.replace(/[[\]]/g, '\\$&')), 'the refusal names the namespace');
      await ok(next, 'the operation after two refused ones');
      assert.ok(ipLinks(NAME_A).ref0.flags.includes('UP'));
      await ok(nl.deleteLink('ref0'));
    } finally {
      nl.close();
    }
  });
});

describe('operations that wait on libuv\'s pool', { skip }, () => {
  it('run one at a time in the order they were made, a refused one in the middle stopping none after it', async () => {
    const nl = await ok(openNetlink(lab.hA, { receive: 'async' }));
    try {
      const results = [
        nl.createBridge('qbr0'),
        nl.addAddress('qbr0', '10.92.0.1/24'),
        nl.addAddress('nosuch9', '10.93.0.1/24'), // refused: ENODEV
        nl.setLinkUp('qbr0'),
        nl.addRoute({ dst: '10.94.0.0/24', gateway: '10.92.0.2' }), // needs the address and the link up before it
        nl.setMtu('qbr0', 1400),
        nl.setMac('qbr0', '02:00:00:00:00:92'),
      ];
      const out = [];
      for (const r of results) out.push(await r);
      assert.ok(out[0].isOk() && out[1].isOk(), 'bridge and its address');
      assert.equal(out[2]._unsafeUnwrapErr().code, 'ENODEV');
      for (const i of [3, 4, 5, 6]) assert.ok(out[i].isOk(), `operation ${i} after the refused one: ${out[i].isErr() ? out[i].error.message : ''}`);
      const link = ipLinks(NAME_A).qbr0;
      assert.equal(link.mtu, 1400);
      assert.equal(link.address, '02:00:00:00:00:92');
      const routes = JSON.parse(execFileSync('ip', ['-n', NAME_A, '-j', 'route', 'show', '10.94.0.0/24'], { encoding: 'utf8' }));
      assert.equal(routes[0]?.gateway, '10.92.0.2');
      await ok(nl.deleteLink('qbr0'));
    } finally {
      nl.close();
    }
  });

  it('a namespace handle closed right after the call still serves the request queued behind another', async () => {
    const before = fdCount();
    const nl = await ok(openNetlink(lab.hA, { receive: 'async' }));
    const h = lab.hB.dup()._unsafeUnwrap();
    try {
      const first = nl.createBridge('qd0');
      const veth = nl.createVeth({ name: 'qv0', peer: 'qv1', peerNamespace: h });
      h.close(); // the veth is still queued behind the dummy
      assert.equal(h.closed, true);
      await ok(first);
      await ok(veth, 'createVeth after its handle was closed');
      assert.ok('qv1' in ipLinks(NAME_B), 'the peer went to the namespace of the closed handle');
      await ok(nl.deleteLink('qv0'));
      await ok(nl.deleteLink('qd0'));
    } finally {
      nl.close();
    }
    assert.equal(fdCount(), before, 'the socket and the handle\'s fd are closed');
  });
});

describe('sockets by the hundred', { skip }, () => {
  it('opened on a handle, a path, a new namespace, used and closed, or refused, leave no fd', async () => {
    const before = fdCount();
    for (let i = 0; i < 300; i++) {
      const target = [lab.hA, `/run/netns/${NAME_B}`, 'new'][i % 3];
      const s = await ok(openNetlink(target));
      await ok(s.setLinkUp('lo'));
      s.close();
    }
    for (let i = 0; i < 50; i++) {
      const missing = (await openNetlink(`/run/netns/nosuch-${process.pid}`))._unsafeUnwrapErr();
      assert.equal(missing.kind, 'not-found');
    }
    // Closed while a read waits on libuv's pool: the fd is closed once that read returns.
    const pending = [];
    for (let i = 0; i < 20; i++) {
      const s = await ok(openNetlink(lab.hA, { receive: 'async' }));
      pending.push(s.links());
      s.close();
    }
    for (const p of pending) {
      const r = await p;
      assert.ok(r.isOk() || r.error.kind === 'netlink-closed');
    }
    assert.equal(fdCount(), before);
  });
});
