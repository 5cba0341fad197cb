// The codec on bytes the kernel wrote (fixtures/kernel/*.hex, recorded here by
// fixtures/capture.js), then on broken copies of them: a truncated header, a
// bad nlmsg_len, an attribute running past the end, a zero-length attribute,
// every truncation and random corruption. A broken reply is a clean error,
// never a throw or an endless loop. The exchanges over a fake kernel
// that replays them are in exchange.test.js.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessages, parseAttrs } from '../dist/codec/frame.js';
import { decodeError, decodeLink, decodeAddress, decodeRoute } from '../dist/codec/messages.js';
import { formatIp, parseIp, parsePrefix } from '../dist/codec/ip.js';
import * as C from '../dist/codec/constants.js';
import { fixture } from './fixtures/fake-kernel.js';

/** Every message of a fixture, decoded with `decode`; throws on a parse error (the fixtures are good). */
function decodeAll(name, decode) {
  const out = [];
  for (const gram of fixture(name)) {
    const ms = parseMessages(gram)._unsafeUnwrap();
    for (const m of ms) {
      if (m.type === C.NLMSG_DONE) continue;
      const v = decode(m)._unsafeUnwrap();
      if (v !== undefined) out.push(v);
    }
  }
  return out;
}

describe('decoding replies captured from the kernel', () => {
  it('decodes a link dump of three datagrams into every link with its attributes', () => {
    const links = decodeAll('link-dump', decodeLink);
    const by = Object.fromEntries(links.map((l) => [l.name, l]));
    assert.deepEqual(Object.keys(by).sort(), ['br0', 'i0', 'lo', 'va', 'vb']);
    assert.equal(by.lo.index, 1);
    assert.equal(by.lo.type, 772);
    assert.ok(by.lo.flags.includes('LOOPBACK') && by.lo.up);
    assert.equal(by.lo.kind, undefined);
    assert.equal(by.va.kind, 'veth');
    assert.equal(by.va.mac, '02:00:00:00:00:0a');
    assert.equal(by.vb.mac, '02:00:00:00:00:0b');
    assert.equal(by.va.mtu, 1400);
    assert.equal(by.vb.mtu, 1400);
    assert.equal(by.va.peerIndex, by.vb.index);
    assert.equal(by.vb.peerIndex, by.va.index);
    assert.equal(by.vb.master, by.br0.index);
    assert.equal(by.br0.kind, 'bridge');
    assert.equal(by.i0.kind, 'ifb');
    assert.equal(by.va.linkNetnsid, undefined);
    assert.ok(by.va.up && by.va.flags.includes('UP'));
  });

  it('decodes the reply to a single RTM_GETLINK', () => {
    const [va] = decodeAll('link-get-va', decodeLink);
    assert.equal(va.name, 'va');
    assert.equal(va.mac, '02:00:00:00:00:0a');
  });

  it('decodes an address dump, IPv4 and IPv6, with prefix lengths, scopes and flags', () => {
    const addrs = decodeAll('addr-dump', decodeAddress);
    const text = addrs.map((a) => `${a.address}/${a.prefixLength} ${a.scope}`);
    for (const want of ['127.0.0.1/8 host', '::1/128 host', '10.9.0.1/24 global', 'fd00:9::1/64 global']) assert.ok(text.includes(want), `${want} in ${text}`);
    const v6 = addrs.find((a) => a.address === 'fd00:9::1');
    assert.equal(v6.family, 6);
    assert.ok(v6.flags.includes('nodad') && v6.permanent);
    const v4 = addrs.find((a) => a.address === '10.9.0.1');
    assert.equal(v4.label, 'va');
    assert.equal(v4.family, 4);
  });

  it('decodes IPv4 and IPv6 route dumps of the main table', () => {
    const links = Object.fromEntries(decodeAll('link-dump', decodeLink).map((l) => [l.name, l.index]));
    const r4 = decodeAll('route4-dump', decodeRoute);
    const def = r4.find((r) => r.dst === 'default');
    assert.equal(def.oif, links.va);
    assert.equal(def.scope, 'link');
    assert.equal(def.protocol, 'boot');
    const via = r4.find((r) => r.dst === '10.10.0.0/24');
    assert.equal(via.gateway, '10.9.0.2');
    const conn = r4.find((r) => r.dst === '10.9.0.0/24');
    assert.equal(conn.protocol, 'kernel');
    assert.equal(conn.prefsrc, '10.9.0.1');
    assert.ok(r4.every((r) => r.table === 254 && r.family === 4));
    const r6 = decodeAll('route6-dump', decodeRoute);
    const via6 = r6.find((r) => r.dst === 'fd01::/64');
    assert.equal(via6.gateway, 'fd00:9::2');
    assert.equal(via6.metric, 1024);
    assert.ok(r6.some((r) => r.dst === 'fd00:9::/64' && r.protocol === 'kernel'));
  });

  it('decodes NLMSG_ERROR replies: EEXIST, ENODEV, EINVAL with the extended ack, and an ACK', () => {
    const one = (name) => decodeError(parseMessages(fixture(name)[0])._unsafeUnwrap()[0])._unsafeUnwrap();
    assert.equal(one('error-eexist').errno, 17);
    assert.equal(one('error-eexist').requestType, C.RTM_NEWLINK);
    assert.equal(one('error-enodev').errno, 19);
    assert.equal(one('error-enodev').requestType, C.RTM_DELLINK);
    const inval = one('error-einval-prefix');
    assert.equal(inval.errno, 22);
    assert.match(inval.extack, /Invalid prefix length/);
    assert.deepEqual(one('ack'), { errno: 0, requestType: C.RTM_NEWLINK });
  });
});

describe('broken replies are clean errors', () => {
  const gram = () => Buffer.from(fixture('link-get-va')[0]);

  it('a truncated header', () => {
    const r = parseMessages(gram().subarray(0, 10));
    assert.equal(r._unsafeUnwrapErr().kind, 'netlink-malformed');
    assert.equal(r._unsafeUnwrapErr().reason, 'truncated-header');
  });

  it('an nlmsg_len shorter than the header, and one past the end', () => {
    const short = gram();
    short.writeUInt32LE(8, 0);
    assert.equal(parseMessages(short)._unsafeUnwrapErr().reason, 'bad-message-length');
    const zero = gram();
    zero.writeUInt32LE(0, 0);
    assert.equal(parseMessages(zero)._unsafeUnwrapErr().reason, 'bad-message-length');
    const long = gram();
    long.writeUInt32LE(long.length + 4, 0);
    assert.equal(parseMessages(long)._unsafeUnwrapErr().reason, 'message-past-end');
  });

  it('an attribute whose length runs past the end of its message', () => {
    const b = gram();
    const firstAttr = 16 + 16; // nlmsghdr + ifinfomsg
    b.writeUInt16LE(0x7ff0, firstAttr);
    const m = parseMessages(b)._unsafeUnwrap()[0];
    const e = decodeLink(m)._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-malformed');
    assert.equal(e.reason, 'attribute-past-end');
    assert.equal(e.offset, firstAttr);
  });

  it('a zero-length attribute (which would loop forever if trusted)', () => {
    const b = gram();
    b.writeUInt16LE(0, 32);
    const e = decodeLink(parseMessages(b)._unsafeUnwrap()[0])._unsafeUnwrapErr();
    assert.equal(e.reason, 'zero-length-attribute');
    assert.equal(parseAttrs(Buffer.from([0, 0, 1, 0, 9, 9, 9, 9]))._unsafeUnwrapErr().reason, 'zero-length-attribute');
  });

  it('a nested attribute (IFLA_LINKINFO) whose inner length is wrong', () => {
    const b = gram();
    // Find IFLA_LINKINFO and break its first inner attribute.
    let off = 32;
    while (off < b.length && (b.readUInt16LE(off + 2) & 0x3fff) !== C.IFLA_LINKINFO) off += (b.readUInt16LE(off) + 3) & ~3;
    assert.ok(off < b.length, 'the capture has IFLA_LINKINFO');
    b.writeUInt16LE(2, off + 4);
    assert.equal(decodeLink(parseMessages(b)._unsafeUnwrap()[0])._unsafeUnwrapErr().reason, 'bad-attribute-length');
  });

  it('short fixed headers: ifinfomsg, ifaddrmsg, rtmsg, NLMSG_ERROR', () => {
    const msg = (type, payloadLen) => {
      const b = Buffer.alloc(16 + payloadLen);
      b.writeUInt32LE(b.length, 0);
      b.writeUInt16LE(type, 4);
      return parseMessages(b)._unsafeUnwrap()[0];
    };
    assert.equal(decodeLink(msg(C.RTM_NEWLINK, 8))._unsafeUnwrapErr().reason, 'truncated-ifinfomsg');
    assert.equal(decodeAddress(msg(C.RTM_NEWADDR, 4))._unsafeUnwrapErr().reason, 'truncated-ifaddrmsg');
    assert.equal(decodeRoute(msg(C.RTM_NEWROUTE, 8))._unsafeUnwrapErr().reason, 'truncated-rtmsg');
    assert.equal(decodeError(msg(C.NLMSG_ERROR, 8))._unsafeUnwrapErr().reason, 'truncated-error');
  });

  it('every truncation and 3,000 random corruptions of every fixture: a Result each time, never a throw', () => {
    const decoders = { RTM_NEWLINK: decodeLink, RTM_NEWADDR: decodeAddress, RTM_NEWROUTE: decodeRoute, NLMSG_ERROR: decodeError };
    const names = ['link-dump', 'addr-dump', 'route4-dump', 'route6-dump', 'error-einval-prefix', 'error-eexist', 'ack'];
    const tryAll = (b) => {
      const r = parseMessages(b);
      if (r.isErr()) return 'err';
      for (const m of r.value) {
        const d = decoders[C.MESSAGE_NAMES[m.type]];
        if (d) d(m); // a Result; must not throw
      }
      return 'ok';
    };
    let seed = 42;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const seen = { ok: 0, err: 0 };
    for (const name of names) {
      for (const g of fixture(name)) {
        for (let len = 0; len < g.length; len++) seen[tryAll(g.subarray(0, len))]++;
        for (let i = 0; i < 3000 / names.length; i++) {
          const b = Buffer.from(g);
          for (let k = 0; k < 1 + rand(4); k++) b[rand(b.length)] = rand(256);
          seen[tryAll(b)]++;
        }
      }
    }
    assert.ok(seen.err > 0 && seen.ok > 0, JSON.stringify(seen));
  });
});

describe('addresses as text', () => {
  it('prints IPv6 as inet_ntop (and ip) do', () => {
    const cases = ['::', '::1', 'fe80::1', 'fd00:9::1', '2001:db8::', '2001:db8:0:1:1:1:1:1', '1:0:0:1::1', '::ffff:10.0.0.1', 'fd00::', '0:0:1::'];
    for (const c of cases) assert.equal(formatIp(parseIp(c).bytes), c);
    assert.equal(formatIp(parseIp('2001:DB8:0:0:0:0:0:1').bytes), '2001:db8::1');
    assert.equal(formatIp(parseIp('0:0:0:0:0:0:0:0').bytes), '::');
  });

  it('refuses what is not an address, and keeps any prefix length that fits a byte for the kernel to judge', () => {
    for (const bad of ['10.0.0', '10.0.0.256', 'fd00:::1', '1:2:3:4:5:6:7:8:9', 'x', '', '10.0.0.1/', '10.0.0.1/256', '10.0.0.1/-1', 'fd00::1/abc']) {
      const r = parsePrefix(bad, 'address');
      assert.ok(r.isErr(), bad);
      assert.equal(r.error.kind, 'invalid-option');
      assert.ok(r.error.message.includes(JSON.stringify(bad)));
    }
    assert.equal(parsePrefix('10.0.0.1/33', 'address')._unsafeUnwrap().prefixLength, 33);
    assert.equal(parsePrefix('fd00::1', 'address')._unsafeUnwrap().prefixLength, 128);
  });

  it('prints IPv4 tails only where glibc\'s inet_ntop6 does (::a.b.c.d and ::ffff:a.b.c.d), as ip shows them', () => {
    // Outputs of `ip -j addr` (glibc's inet_ntop) for each address added to lo.
    const glibc = [
      ['::2', '::2'],
      ['::ffff', '::ffff'],
      ['::fffe', '::fffe'],
      ['::1', '::1'],
      ['::', '::'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
      ['::1.2.3.4', '::1.2.3.4'],
      ['::ffff:0:0', '::ffff:0.0.0.0'],
      ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
      ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
      ['0:0:0:0:0:0:0:2', '::2'],
    ];
    for (const [text, shown] of glibc) assert.equal(formatIp(parseIp(text).bytes), shown, text);
  });

  it('refuses malformed IPv6 (too many groups, a dotted quad before the end) as invalid-option, never a throw', () => {
    const bad = [
      '1:2:3:4:5:6:7:8:9::1',
      '1:2:3:4:5:6:7:8:9:10:11:12::1',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '1:2:3:4::5:6:7:8',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1.2.3.4::1',
      '1.2.3.4::',
      '1:1.2.3.4::',
      '1.2.3.4:1::',
      '::1.2.3.4:1',
      '1.2.3.4:1:2:3:4:5:6',
      '1:2:3:4:5:6:7:1.2.3.4',
      '1:2:3:4:5:1.2.3.4',
      '::1.2.3',
      '::1.2.3.4.5',
      ':1::',
      '1::2:',
      ':::',
      '12345::1',
    ];
    for (const text of bad) {
      for (const t of [text, `${text}/64`]) {
        let r;
        assert.doesNotThrow(() => (r = parsePrefix(t, 'address')), t);
        assert.ok(r.isErr(), t);
        assert.equal(r.error.kind, 'invalid-option', t);
      }
      assert.equal(parseIp(text), undefined, text);
    }
    const good = [
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
      ['1::1.2.3.4', '1::102:304'],
    ];
    for (const [text, shown] of good) assert.equal(formatIp(parseIp(text).bytes), shown, text);
  });
});
