// The bytes of the requests this package sends (codec/requests.ts and the
// builders of codec/frame.ts), read back with the package's own parser:
// header fields, flags, fixed parts, attributes and their padding, nested
// attributes. Pure: no socket, no root.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { attr, attrNested, attrString, attrU32, message, parseAttrs, parseMessages } from '../dist/codec/frame.js';
import { parseIp, parsePrefix } from '../dist/codec/ip.js';
import * as C from '../dist/codec/constants.js';
import * as R from '../dist/codec/requests.js';

/** The one message of a request, with its attributes after a fixed part of `fixed` bytes. */
function decode(req, fixed) {
  const ms = parseMessages(req.bytes)._unsafeUnwrap();
  assert.equal(ms.length, 1);
  const [m] = ms;
  const len = req.bytes.readUInt32LE(0);
  assert.ok(len <= req.bytes.length && req.bytes.length - len < 4, 'nlmsg_len is the unpadded length');
  assert.equal(req.bytes.length % 4, 0, 'padded to 4 bytes');
  assert.equal(m.seq, 0, 'seq is left for the exchange to fill in');
  return { m, head: m.payload.subarray(0, fixed), attrs: parseAttrs(m.payload, fixed)._unsafeUnwrap() };
}

const str = (b) => b.toString('utf8', 0, b.indexOf(0));

describe('attributes and messages', () => {
  it('pads an attribute to 4 bytes, keeping its unpadded length in the header', () => {
    for (let n = 0; n <= 9; n++) {
      const a = attr(7, Buffer.alloc(n, 0xaa));
      assert.equal(a.readUInt16LE(0), 4 + n);
      assert.equal(a.readUInt16LE(2), 7);
      assert.equal(a.length, (4 + n + 3) & ~3);
      assert.ok(a.subarray(4 + n).every((x) => x === 0), 'padding is zero');
    }
  });

  it('ends a string with NUL, writes a u32 little-endian (negative values as their 32 bits)', () => {
    const s = attrString(3, 'eth0');
    assert.equal(s.readUInt16LE(0), 4 + 5);
    assert.equal(str(s.subarray(4)), 'eth0');
    assert.equal(attrU32(4, 1500).readUInt32LE(4), 1500);
    assert.equal(attrU32(4, -1).readUInt32LE(4), 0xffffffff);
  });

  it('marks a nested attribute with NLA_F_NESTED, and its children parse back', () => {
    const n = attrNested(18, [attrString(1, 'veth'), attrU32(2, 9)]);
    assert.ok(n.readUInt16LE(2) & 0x8000);
    const outer = parseAttrs(n)._unsafeUnwrap();
    assert.deepEqual([...outer.keys()], [18], 'the type is read without the flag');
    const inner = parseAttrs(outer.get(18))._unsafeUnwrap();
    assert.equal(str(inner.get(1)), 'veth');
    assert.equal(inner.get(2).readUInt32LE(0), 9);
  });

  it('builds a message whose header, fixed part and attributes parse back, with any fixed length', () => {
    for (const fixed of [0, 1, 4, 5, 16]) {
      const b = message(C.RTM_GETLINK, C.NLM_F_REQUEST, Buffer.alloc(fixed, 1), [attrU32(29, 8)]);
      const [m] = parseMessages(b)._unsafeUnwrap();
      assert.equal(m.type, C.RTM_GETLINK);
      assert.equal(m.flags, C.NLM_F_REQUEST);
      assert.equal(m.payload.length, fixed + 8);
    }
  });
});

describe('requests', () => {
  it('a link dump asks for every link without statistics', () => {
    const req = R.dumpLinks();
    const { m, attrs } = decode(req, 16);
    assert.equal(m.type, C.RTM_GETLINK);
    assert.equal(m.flags, C.NLM_F_REQUEST | C.NLM_F_DUMP);
    assert.equal(attrs.get(C.IFLA_EXT_MASK).readUInt32LE(0), C.RTEXT_FILTER_SKIP_STATS);
    assert.equal(req.expect, 'dump');
  });

  it('a link is selected by ifindex, or by name with ifindex 0', () => {
    const byIndex = decode(R.getLink({ index: 7 }), 16);
    assert.equal(byIndex.head.readInt32LE(4), 7);
    assert.ok(!byIndex.attrs.has(C.IFLA_IFNAME));
    const byName = decode(R.getLink({ index: 0, name: 'veth0' }), 16);
    assert.equal(byName.head.readInt32LE(4), 0);
    assert.equal(str(byName.attrs.get(C.IFLA_IFNAME)), 'veth0');
    assert.equal(R.getLink({ index: 0, name: 'veth0' }).label, 'RTM_GETLINK veth0');
    assert.equal(R.delLink({ index: 3 }).label, 'RTM_DELLINK ifindex 3');
  });

  it('a veth is one RTM_NEWLINK: create and exclusive, its peer an ifinfomsg with attributes inside IFLA_INFO_DATA', () => {
    const mac = Buffer.from([2, 0, 0, 0, 0, 1]);
    const req = R.newLink({ name: 'va', kind: 'veth', ns: { fd: 9 }, mtu: 1400, mac, peer: { name: 'vb', ns: { pid: 1234 }, mtu: 1400 } });
    const { m, attrs } = decode(req, 16);
    assert.equal(m.type, C.RTM_NEWLINK);
    assert.equal(m.flags, C.NLM_F_REQUEST | C.NLM_F_ACK | C.NLM_F_CREATE | C.NLM_F_EXCL);
    assert.equal(str(attrs.get(C.IFLA_IFNAME)), 'va');
    assert.equal(attrs.get(C.IFLA_NET_NS_FD).readUInt32LE(0), 9);
    assert.equal(attrs.get(C.IFLA_MTU).readUInt32LE(0), 1400);
    assert.deepEqual(attrs.get(C.IFLA_ADDRESS), mac);
    const info = parseAttrs(attrs.get(C.IFLA_LINKINFO))._unsafeUnwrap();
    assert.equal(str(info.get(C.IFLA_INFO_KIND)), 'veth');
    const data = parseAttrs(info.get(C.IFLA_INFO_DATA))._unsafeUnwrap();
    const peer = parseAttrs(data.get(C.VETH_INFO_PEER), 16)._unsafeUnwrap();
    assert.equal(str(peer.get(C.IFLA_IFNAME)), 'vb');
    assert.equal(peer.get(C.IFLA_NET_NS_PID).readUInt32LE(0), 1234);
    assert.equal(req.label, 'RTM_NEWLINK va (veth, peer vb)');
  });

  it('setting a link up or down changes IFF_UP only; a rename carries the new name instead of the selector', () => {
    const up = decode(R.setLink({ index: 4 }, { up: true }, 'up'), 16);
    assert.equal(up.head.readUInt32LE(8), C.IFF_UP);
    assert.equal(up.head.readUInt32LE(12), C.IFF_UP);
    const down = decode(R.setLink({ index: 4 }, { up: false }, 'down'), 16);
    assert.equal(down.head.readUInt32LE(8), 0);
    assert.equal(down.head.readUInt32LE(12), C.IFF_UP);
    const mtu = decode(R.setLink({ index: 4 }, { mtu: 9000 }, 'mtu'), 16);
    assert.equal(mtu.head.readUInt32LE(12), 0, 'flags untouched');
    const moved = decode(R.setLink({ index: 0, name: 'old' }, { newName: 'eth0', ns: { fd: 5 } }, 'move'), 16);
    assert.equal(str(moved.attrs.get(C.IFLA_IFNAME)), 'eth0');
    assert.equal(moved.attrs.get(C.IFLA_NET_NS_FD).readUInt32LE(0), 5);
    assert.equal(moved.m.flags & C.NLM_F_CREATE, 0, 'changes never create');
  });

  it('an address: family, prefix length, scope and flags in ifaddrmsg; local and address (or the peer) as attributes', () => {
    const v4 = parsePrefix('10.0.0.1/24', 'address')._unsafeUnwrap();
    const a = decode(R.address(C.RTM_NEWADDR, { index: 2, dev: 'va', prefix: v4, scope: 0, flags: 0, broadcast: parseIp('10.0.0.255') }, '10.0.0.1/24'), 8);
    assert.deepEqual([...a.head], [C.AF_INET, 24, 0, 0, 2, 0, 0, 0]);
    assert.deepEqual([...a.attrs.get(C.IFA_LOCAL)], [10, 0, 0, 1]);
    assert.deepEqual([...a.attrs.get(C.IFA_ADDRESS)], [10, 0, 0, 1]);
    assert.deepEqual([...a.attrs.get(C.IFA_BROADCAST)], [10, 0, 0, 255]);
    assert.ok(!a.attrs.has(C.IFA_FLAGS));
    const v6 = parsePrefix('fd00::1/64', 'address')._unsafeUnwrap();
    const b = decode(R.address(C.RTM_NEWADDR, { index: 3, dev: 'vb', prefix: v6, scope: 0, flags: C.IFA_F_NODAD }, 'fd00::1/64'), 8);
    assert.equal(b.head[0], C.AF_INET6);
    assert.equal(b.head[2], C.IFA_F_NODAD);
    assert.equal(b.attrs.get(C.IFA_FLAGS).readUInt32LE(0), C.IFA_F_NODAD);
    assert.equal(b.attrs.get(C.IFA_LOCAL).length, 16);
    const p2p = decode(R.address(C.RTM_DELADDR, { index: 2, dev: 'va', prefix: v4, scope: 0, flags: 0, peer: parseIp('10.0.0.9') }, '10.0.0.1/24'), 8);
    assert.deepEqual([...p2p.attrs.get(C.IFA_ADDRESS)], [10, 0, 0, 9]);
    assert.equal(p2p.m.flags, C.NLM_F_REQUEST | C.NLM_F_ACK);
  });

  it('a route as ip builds it: scope link without a gateway, boot protocol, unicast; a table over 255 as RTA_TABLE', () => {
    const dst = parsePrefix('10.1.0.0/24', 'dst')._unsafeUnwrap();
    const viaDev = decode(R.route(C.RTM_NEWROUTE, { dst, oif: 3, table: C.RT_TABLE_MAIN }, '10.1.0.0/24 dev 3'), 12);
    assert.deepEqual([...viaDev.head.subarray(0, 8)], [C.AF_INET, 24, 0, 0, C.RT_TABLE_MAIN, C.RTPROT_BOOT, C.RT_SCOPE_LINK, C.RTN_UNICAST]);
    assert.equal(viaDev.attrs.get(C.RTA_OIF).readUInt32LE(0), 3);
    const def = parsePrefix('0.0.0.0/0', 'dst')._unsafeUnwrap();
    const viaGw = decode(R.route(C.RTM_NEWROUTE, { dst: def, gateway: parseIp('10.0.0.1'), metric: 10, table: 1000 }, 'default via 10.0.0.1'), 12);
    assert.equal(viaGw.head[6], C.RT_SCOPE_UNIVERSE);
    assert.equal(viaGw.head[4], C.RT_TABLE_UNSPEC);
    assert.equal(viaGw.attrs.get(C.RTA_TABLE).readUInt32LE(0), 1000);
    assert.equal(viaGw.attrs.get(C.RTA_PRIORITY).readUInt32LE(0), 10);
    assert.ok(!viaGw.attrs.has(C.RTA_DST), 'a default route has no destination attribute');
    const del = decode(R.route(C.RTM_DELROUTE, { dst, table: C.RT_TABLE_MAIN }, '10.1.0.0/24'), 12);
    assert.equal(del.head[6], C.RT_SCOPE_NOWHERE, 'a delete matches any scope');
    assert.equal(del.head[5], 0);
  });

  it('dumps of addresses and routes are filtered by the kernel (strict checking): ifindex, family and table in the request', () => {
    const a = decode(R.dumpAddresses(C.AF_INET6, 5), 8);
    assert.equal(a.head[0], C.AF_INET6);
    assert.equal(a.head.readUInt32LE(4), 5);
    const r = decode(R.dumpRoutes(C.AF_INET, C.RT_TABLE_MAIN), 12);
    assert.equal(r.head[0], C.AF_INET);
    assert.equal(r.attrs.get(C.RTA_TABLE).readUInt32LE(0), C.RT_TABLE_MAIN);
    assert.equal(r.m.flags, C.NLM_F_REQUEST | C.NLM_F_DUMP);
  });

  it('every request, cut anywhere or with bytes changed, parses to a Result: never a throw', () => {
    const v4 = parsePrefix('10.0.0.1/24', 'address')._unsafeUnwrap();
    const reqs = [
      R.dumpLinks(),
      R.newLink({ name: 'va', kind: 'veth', peer: { name: 'vb' } }),
      R.setLink({ index: 1 }, { up: true, mtu: 1300 }, 'x'),
      R.address(C.RTM_NEWADDR, { index: 2, dev: 'va', prefix: v4, scope: 0, flags: 0 }, 'x'),
      R.route(C.RTM_NEWROUTE, { dst: v4, oif: 2, table: 254 }, 'x'),
    ];
    let seed = 7;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (const { bytes } of reqs) {
      for (let len = 0; len <= bytes.length; len++) {
        const r = parseMessages(bytes.subarray(0, len));
        if (r.isOk()) for (const m of r.value) parseAttrs(m.payload, Math.min(16, m.payload.length));
      }
      for (let i = 0; i < 300; i++) {
        const b = Buffer.from(bytes);
        b[rand(b.length)] = rand(256);
        const r = parseMessages(b);
        assert.ok(r.isOk() || r.error.kind === 'netlink-malformed');
        if (r.isOk()) for (const m of r.value) assert.ok(typeof parseAttrs(m.payload, Math.min(16, m.payload.length)).isOk() === 'boolean');
      }
    }
  });
});
