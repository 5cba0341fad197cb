// core's rtnetlink client without a socket (ffi/rtnl): framing errors and
// how a reply is gathered from datagrams (sequence numbers, ACKs, errors with
// the kernel's extended ack, dumps, interrupted dumps, overruns, the one
// message asked for), on bytes built here. Pure: no root.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import * as F from '../dist/ffi/index.js';

/** A message of `type` with `seq`, `flags` and `payload`. */
function msg(type, seq, flags = 0, payload = Buffer.alloc(0)) {
  const b = F.message(type, flags, payload);
  b.writeUInt32LE(seq, 8);
  return b;
}

/** An NLMSG_ERROR for `seq`: `errno` (0: an ACK), capped, with an extended ack message when given. */
function errorMsg(seq, errno, extack) {
  const request = Buffer.alloc(16); // the header of the request (NETLINK_CAP_ACK)
  request.writeUInt16LE(16, 4);
  const code = Buffer.alloc(4);
  code.writeInt32LE(-errno, 0);
  const tlvs = extack === undefined ? [] : [F.attrString(F.NLMSGERR_ATTR_MSG, extack)];
  const flags = F.NLM_F_CAPPED | (tlvs.length ? F.NLM_F_ACK_TLVS : 0);
  return msg(F.NLMSG_ERROR, seq, flags, Buffer.concat([code, request, ...tlvs]));
}

function done(seq, code = 0, flags = F.NLM_F_MULTI) {
  const p = Buffer.alloc(4);
  p.writeInt32LE(code, 0);
  return msg(F.NLMSG_DONE, seq, flags, p);
}

describe('framing', () => {
  it('a frame that does not decode is a FrameError with its rule and offset, not a throw', () => {
    const good = msg(16, 1);
    const cases = [
      [good.subarray(0, 10), 'truncated-header', 0],
      [Buffer.concat([good, good.subarray(0, 4)]), 'truncated-header', 16],
      [(() => { const b = Buffer.from(good); b.writeUInt32LE(8, 0); return b; })(), 'bad-message-length', 0],
      [(() => { const b = Buffer.from(good); b.writeUInt32LE(64, 0); return b; })(), 'message-past-end', 0],
    ];
    for (const [bytes, reason, offset] of cases) {
      const e = F.parseMessages(bytes)._unsafeUnwrapErr();
      assert.deepEqual({ reason: e.reason, offset: e.offset }, { reason, offset });
      assert.match(e.message, new RegExp(`^malformed netlink data at byte ${offset}: `));
      assert.equal(e.kind, undefined, 'core gives the frame error; a package names its kind');
    }
    const zero = Buffer.concat([F.attrU32(1, 5), Buffer.alloc(4)]);
    assert.equal(F.parseAttrs(zero, 0, 100)._unsafeUnwrapErr().reason, 'zero-length-attribute');
    assert.equal(F.parseAttrs(zero, 0, 100)._unsafeUnwrapErr().offset, 108);
    assert.equal(F.parseAttrs(F.attrU32(1, 5).subarray(0, 6))._unsafeUnwrapErr().reason, 'attribute-past-end');
    assert.equal(F.parseAttrs(Buffer.from([1, 2, 3]))._unsafeUnwrap().size, 0, 'fewer than 4 bytes left over are ignored');
  });
});

describe('a reply, datagram by datagram', () => {
  it('an ACK ends it, with no messages', () => {
    const r = new F.Reply(5, 'ack');
    assert.deepEqual(r.take(errorMsg(5, 0)), { ok: true });
    assert.equal(r.messages.length, 0);
  });

  it('skips the messages of another sequence number (a late reply to an earlier request)', () => {
    const r = new F.Reply(5, 'ack');
    assert.equal(r.take(Buffer.concat([errorMsg(4, 17), msg(16, 4)])), undefined);
    assert.deepEqual(r.take(errorMsg(5, 0)), { ok: true });
  });

  it('an error carries the errno and the kernel\'s extended ack message', () => {
    assert.deepEqual(new F.Reply(1, 'ack').take(errorMsg(1, 22, 'Invalid prefix length')), { ok: false, errno: 22, extack: 'Invalid prefix length' });
    assert.deepEqual(new F.Reply(1, 'ack').take(errorMsg(1, 19)), { ok: false, errno: 19 });
    assert.deepEqual(F.decodeError(F.parseMessages(errorMsg(1, 17))._unsafeUnwrap()[0])._unsafeUnwrap(), { errno: 17, requestType: 16 });
  });

  it('a dump gathers every part across datagrams up to NLMSG_DONE, and notes NLM_F_DUMP_INTR', () => {
    const r = new F.Reply(9, 'dump');
    assert.equal(r.take(Buffer.concat([msg(16, 9, F.NLM_F_MULTI), msg(16, 9, F.NLM_F_MULTI)])), undefined);
    assert.equal(r.take(Buffer.concat([msg(16, 9, F.NLM_F_MULTI | F.NLM_F_DUMP_INTR), msg(F.NLMSG_NOOP, 9)])), undefined);
    assert.deepEqual(r.take(done(9)), { ok: true });
    assert.equal(r.messages.length, 3);
    assert.equal(r.interrupted, true);
  });

  it('a dump that ends with an error code in NLMSG_DONE fails with it; an overrun is ENOBUFS', () => {
    assert.deepEqual(new F.Reply(2, 'dump').take(done(2, -4)), { ok: false, errno: 4 });
    assert.deepEqual(new F.Reply(2, 'dump').take(msg(F.NLMSG_OVERRUN, 2)), { ok: false, errno: constants.errno.ENOBUFS, extack: 'netlink overrun' });
  });

  it('a request for one message ends at the first one without NLM_F_MULTI', () => {
    const r = new F.Reply(3, 'one');
    assert.deepEqual(r.take(msg(88, 3, 0, Buffer.alloc(4))), { ok: true });
    assert.equal(r.messages[0].type, 88);
  });

  it('bytes that do not decode end it as malformed, never a throw, whatever is changed in them', () => {
    const e = new F.Reply(1, 'ack').take(errorMsg(1, 22).subarray(0, 20));
    assert.equal(e.ok, false);
    assert.equal(e.malformed.reason, 'message-past-end');
    const short = msg(F.NLMSG_ERROR, 1, 0, Buffer.alloc(8));
    assert.equal(new F.Reply(1, 'ack').take(short).malformed.reason, 'truncated-error');
    let seed = 3;
    const rand = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const sample = Buffer.concat([msg(16, 1, F.NLM_F_MULTI, Buffer.alloc(20)), errorMsg(1, 22, 'why')]);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(sample);
      for (let k = 0; k < 1 + rand(3); k++) b[rand(b.length)] = rand(256);
      assert.doesNotThrow(() => new F.Reply(1, i % 2 ? 'dump' : 'one').take(b));
    }
  });
});

describe('a message built in place', () => {
  it('has the bytes the builders give: fixed part, attributes padded, nested ones with NLA_F_NESTED, a plain one around a struct', () => {
    const fixed = Buffer.from([0, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    const inner = Buffer.concat([Buffer.alloc(16), F.attrString(3, 'vb'), F.attrU32(28, 9)]);
    const expected = F.message(16, F.NLM_F_REQUEST | F.NLM_F_ACK, fixed, [
      F.attrString(3, 'va'),
      F.attr(1, Buffer.from([2, 0, 0, 0, 0, 1])),
      F.attrNested(18, [F.attrString(1, 'veth'), F.attrNested(2, [F.attr(1, inner)])]),
      F.attrString(3, 'ünï'),
    ]);
    const m = new F.MessageBuilder(16, F.NLM_F_REQUEST | F.NLM_F_ACK).u8(0).u8(0).u16(0).s32(7).u32(1).u32(1);
    m.attrString(3, 'va').attr(1, Buffer.from([2, 0, 0, 0, 0, 1]));
    m.open(18).attrString(1, 'veth').open(2).openPlain(1).u32(0).u32(0).u32(0).u32(0).attrString(3, 'vb').attrU32(28, 9).close().close().close();
    m.attrString(3, 'ünï');
    assert.deepEqual(m.done(), expected);
  });

  it('grows past its scratch buffer, and the next message starts clean', () => {
    const big = 'x'.repeat(9000);
    const m = new F.MessageBuilder(16, 0).attrString(3, big).done();
    assert.deepEqual(m, F.message(16, 0, Buffer.alloc(0), [F.attrString(3, big)]));
    assert.deepEqual(new F.MessageBuilder(18, 1).u32(5).done(), F.message(18, 1, Buffer.from([5, 0, 0, 0])));
  });

  it('refuses to end with an attribute open, or to close one never opened', () => {
    assert.throws(() => new F.MessageBuilder(16, 0).open(18).done(), /still open/);
    assert.throws(() => new F.MessageBuilder(16, 0).close(), /without open/);
  });
});

describe('an ACK alone in its datagram', () => {
  it('ends the reply of its sequence number, notes NLM_F_DUMP_INTR, and is skipped for another one', () => {
    const r = new F.Reply(8, 'ack');
    assert.equal(r.take(errorMsg(7, 0)), undefined, 'the late ACK of an earlier request');
    const intr = errorMsg(8, 0);
    intr.writeUInt16LE(intr.readUInt16LE(6) | F.NLM_F_DUMP_INTR, 6);
    assert.deepEqual(r.take(intr), { ok: true });
    assert.equal(r.interrupted, true);
    assert.equal(r.messages.length, 0);
  });
});

describe('the kernel numbers', () => {
  it('are named once, with the values of the UAPI headers', () => {
    assert.equal(F.NLM_F_DUMP, 0x300);
    assert.equal(F.SOCK_CLOEXEC, F.O_CLOEXEC);
    assert.equal(F.OPEN_TREE_CLOEXEC, F.O_CLOEXEC);
    assert.equal(F.NLA_TYPE_MASK, 0x3fff);
    assert.equal('MS_REMOUNT' in F, false, 'no constant nothing uses');
  });
});
