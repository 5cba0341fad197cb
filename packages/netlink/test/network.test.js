// applyNetwork and undoNetwork (network/): a namespace's whole network set up
// from outside, the record of what was made outside kept up to date as it
// happens, and undone from that record (also as a crash would leave it: the
// namespace gone). Misuse throws at the call, without root.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { err, ok } from 'neverthrow';
import { createNamespace } from '@linuxns/core';
import { applyNetwork, openNetlink, undoNetwork } from '../dist/index.js';

const skip = process.getuid() !== 0 ? 'network namespaces need root' : false;
const tag = process.pid.toString(36);

describe('misuse throws at the call', () => {
  it('a spec or options that are not objects, an interface without a name, a veth without a peer, a bad target or record', () => {
    assert.throws(() => applyNetwork('/run/netns/x', null), TypeError);
    assert.throws(() => applyNetwork('/run/netns/x', { interfaces: {} }), TypeError);
    assert.throws(() => applyNetwork('/run/netns/x', { interfaces: [{ add: 'dummy' }] }), /needs a name/);
    assert.throws(() => applyNetwork('/run/netns/x', { interfaces: [{ name: 'eth0', add: 'veth' }] }), /the veth eth0 needs a peer/);
    assert.throws(() => applyNetwork('/run/netns/x', {}, null), TypeError);
    assert.throws(() => applyNetwork(0, {}), TypeError);
    assert.throws(() => undoNetwork({ links: [] }), /NetworkRecord/);
    assert.throws(() => undoNetwork({ links: [], moved: [], hostRoutes: [] }, -1), TypeError);
  });
});

describe('a namespace\'s network, set up and undone', { skip }, () => {
  let ns;
  let host;
  /** `ip -j ARGS` inside the namespace. */
  const inside = (...args) => JSON.parse(execFileSync('nsenter', [`--net=/proc/${process.pid}/fd/${ns.fd}`, 'ip', '-j', ...args], { encoding: 'utf8' }) || '[]');

  before(async () => {
    ns = (await createNamespace('net'))._unsafeUnwrap();
    host = (await openNetlink())._unsafeUnwrap();
  });

  after(async () => {
    for (const l of [`nw-peer-${tag}`, `nw-old-${tag}`, `nw-bad-${tag}`, `nw-p3-${tag}`]) await host.deleteLink(l);
    host.close();
    ns.close();
  });

  it('sets up lo, a veth with addresses on both ends, a moved link renamed, routes inside and outside; records each outside change as it happens; undo leaves nothing', async () => {
    (await host.createLink({ name: `nw-old-${tag}`, kind: 'ifb' }))._unsafeUnwrap();
    const saved = [];
    const applied = await applyNetwork(
      ns,
      {
        interfaces: [
          { name: 'eth0', peer: `nw-peer-${tag}`, addresses: ['10.71.0.2/24', 'fd71::2/64'], peerAddresses: ['10.71.0.1/24'], mtu: 1400 },
          { name: 'eth1', hostLink: `nw-old-${tag}`, mtu: 1300 },
        ],
        routes: [{ dst: '10.72.0.0/24', gateway: '10.71.0.1' }],
        hostRoutes: [{ dst: '10.73.0.0/24', gateway: '10.71.0.2' }],
      },
      { onRecord: (record) => (saved.push(structuredClone(record)), ok(undefined)) },
    );
    const a = applied._unsafeUnwrap();
    assert.deepEqual(a.interfaces, [
      { name: 'eth0', kind: 'veth', action: 'created' },
      { name: 'eth1', kind: undefined, action: 'moved' },
    ]);
    const peerIndex = (await host.link(`nw-peer-${tag}`))._unsafeUnwrap().index;
    assert.deepEqual(a.record, {
      links: [{ name: `nw-peer-${tag}`, index: peerIndex }],
      moved: [{ name: 'eth1', hostLink: `nw-old-${tag}` }],
      hostRoutes: [{ dst: '10.73.0.0/24', gateway: '10.71.0.2' }],
    });
    assert.equal(saved.length, 3, 'one save per change outside');
    assert.deepEqual(saved.at(-1), a.record);
    const links = Object.fromEntries(inside('link', 'show').map((l) => [l.ifname, l]));
    assert.ok(links.lo.flags.includes('UP') && links.eth0.flags.includes('UP') && links.eth1.flags.includes('UP'));
    assert.equal(links.eth0.mtu, 1400);
    assert.equal(links.eth1.mtu, 1300);
    const addrs = inside('addr', 'show', 'dev', 'eth0').flatMap((l) => l.addr_info.map((x) => `${x.local}/${x.prefixlen}`));
    assert.ok(addrs.includes('10.71.0.2/24') && addrs.includes('fd71::2/64'), addrs.join(' '));
    assert.ok(inside('route', 'show').some((r) => r.dst === '10.72.0.0/24' && r.gateway === '10.71.0.1'));
    assert.ok((await host.routes({ family: 4 }))._unsafeUnwrap().some((r) => r.dst === '10.73.0.0/24'));

    (await undoNetwork(a.record, ns))._unsafeUnwrap();
    assert.equal((await host.link(`nw-peer-${tag}`))._unsafeUnwrapErr().code, 'ENODEV');
    assert.equal((await host.link(`nw-old-${tag}`))._unsafeUnwrap().kind, 'ifb', 'moved back under its old name');
    assert.ok(!(await host.routes({ family: 4 }))._unsafeUnwrap().some((r) => r.dst === '10.73.0.0/24'));
    assert.deepEqual(inside('link', 'show').map((l) => l.ifname), ['lo']);
    // What is gone already is fine: a second undo changes nothing and succeeds.
    (await undoNetwork(a.record, ns))._unsafeUnwrap();
    (await host.deleteLink(`nw-old-${tag}`))._unsafeUnwrap();
  });

  it('stops at the first refusal naming the step; the record holds what was made, and undo takes it back', async () => {
    const saved = [];
    const r = await applyNetwork(ns, { loopback: false, interfaces: [{ name: 'eth2', peer: `nw-bad-${tag}`, addresses: ['10.74.0.2/33'] }] }, { onRecord: (record) => (saved.push(structuredClone(record)), ok(undefined)) });
    const e = r._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-error');
    assert.equal(e.code, 'EINVAL');
    assert.match(e.message, /^interface eth2: address 10\.74\.0\.2\/33: /);
    assert.equal(saved.at(-1).links[0].name, `nw-bad-${tag}`);
    (await undoNetwork(saved.at(-1)))._unsafeUnwrap();
    assert.equal((await host.link(`nw-bad-${tag}`))._unsafeUnwrapErr().code, 'ENODEV');
  });

  it('an error of onRecord stops the set-up with that error', async () => {
    const mine = { kind: 'store-failed', message: 'disk full' };
    const r = await applyNetwork(ns, { interfaces: [{ name: 'eth3', peer: `nw-p3-${tag}` }] }, { onRecord: () => err(mine) });
    const e = r._unsafeUnwrapErr();
    assert.equal(e.kind, 'store-failed');
    assert.match(e.message, /^interface eth3: disk full$/);
    (await host.deleteLink(`nw-p3-${tag}`))._unsafeUnwrap();
  });
});
