// The exchange logic on a fake kernel that replays the fixtures
// (fixtures/fake-kernel.js): sequence numbers, multi-part dumps,
// NLM_F_DUMP_INTR retries, timeouts, close; exchanges and operations that end
// within the call, and their order when they cannot.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessages } from '../dist/codec/frame.js';
import { decodeLink } from '../dist/codec/messages.js';
import * as C from '../dist/codec/constants.js';
import * as R from '../dist/codec/requests.js';
import { Exchanger, DUMP_RETRIES } from '../dist/transport.js';
import { NetlinkSocket } from '../dist/socket.js';
import { fakeWire, fixture, withSeq } from './fixtures/fake-kernel.js';

describe('exchanges over a fake kernel', () => {
  it('gathers a dump across datagrams and stops at NLMSG_DONE', async () => {
    const w = fakeWire((seq) => withSeq('link-dump', seq));
    const ex = new Exchanger(w, 100);
    const ms = (await ex.run(R.dumpLinks(), 1000))._unsafeUnwrap();
    assert.equal(ms.length, 5);
    assert.equal(w.sends, 1);
  });

  it('drops replies whose sequence number is not the request\'s (a late reply to an earlier request)', async () => {
    const w = fakeWire((seq) => [...withSeq('error-eexist', seq - 1), ...withSeq('ack', seq)]);
    const ex = new Exchanger(w, 7);
    assert.ok((await ex.run(R.setLink({ index: 1 }, { up: true }, 'up'), 1000)).isOk());
  });

  it('retries a dump interrupted by a concurrent change (NLM_F_DUMP_INTR), then gives its clean result', async () => {
    const w = fakeWire((seq, attempt) => withSeq('addr-dump', seq, attempt < 2 ? C.NLM_F_DUMP_INTR : 0));
    const ex = new Exchanger(w, 1);
    const ms = (await ex.run(R.dumpAddresses(0, 0), 1000))._unsafeUnwrap();
    assert.equal(w.sends, 3);
    assert.ok(ms.length > 0);
  });

  it(`gives up after ${DUMP_RETRIES} interrupted dumps with an EINTR netlink-error`, async () => {
    const w = fakeWire((seq) => withSeq('addr-dump', seq, C.NLM_F_DUMP_INTR));
    const e = (await new Exchanger(w, 1).run(R.dumpAddresses(0, 0), 1000))._unsafeUnwrapErr();
    assert.equal(w.sends, DUMP_RETRIES);
    assert.equal(e.kind, 'netlink-error');
    assert.equal(e.code, 'EINTR');
  });

  it('turns an NLMSG_ERROR into a netlink-error naming the request, with the extended ack', async () => {
    const w = fakeWire((seq) => withSeq('error-einval-prefix', seq));
    const req = R.dumpLinks();
    const e = (await new Exchanger(w, 1).run({ ...req, label: 'RTM_NEWADDR 10.9.0.7/33 dev va', expect: 'ack' }, 1000))._unsafeUnwrapErr();
    assert.deepEqual({ kind: e.kind, code: e.code, errno: e.errno, request: e.request }, { kind: 'netlink-error', code: 'EINVAL', errno: 22, request: 'RTM_NEWADDR 10.9.0.7/33 dev va' });
    assert.match(e.message, /RTM_NEWADDR 10\.9\.0\.7\/33 dev va failed with EINVAL: ipv4: Invalid prefix length/);
  });

  it('times out when no reply comes, waiting off the main thread', async () => {
    const w = fakeWire(() => []);
    const t0 = performance.now();
    const e = (await new Exchanger(w, 1).run(R.dumpLinks(), 60))._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-timeout');
    assert.equal(e.timeoutMs, 60);
    assert.ok(performance.now() - t0 >= 55);
    assert.ok(w.laterCalls > 0);
  });

  it('a malformed reply is a netlink-malformed error naming the request', async () => {
    const w = fakeWire((seq) => withSeq('ack', seq).map((g) => g.subarray(0, 12)));
    const e = (await new Exchanger(w, 1).run(R.delLink({ index: 0, name: 'x' }), 1000))._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-malformed');
    assert.equal(e.request, 'RTM_DELLINK x');
  });

  it('an exchange that throws is a task-failed Result of its own, and the next exchanges run as usual', async () => {
    const w = fakeWire((seq) => withSeq('ack', seq));
    const send = w.send;
    let throwNext = true;
    w.send = (buf) => {
      if (throwNext) {
        throwNext = false;
        throw new Error('wire broke');
      }
      return send(buf);
    };
    const ex = new Exchanger(w, 1);
    const first = ex.run(R.setLink({ index: 1 }, { up: true }, 'up'), 1000);
    const second = ex.run(R.setLink({ index: 1 }, { up: true }, 'up'), 1000);
    const e = (await first)._unsafeUnwrapErr();
    assert.equal(e.kind, 'task-failed');
    assert.match(e.message, /wire broke/);
    assert.ok((await second).isOk());
    assert.ok((await ex.run(R.setLink({ index: 1 }, { up: true }, 'up'), 1000)).isOk());
    assert.equal(ex.inFlight, 0);
  });

  it('close() between two datagrams of one reply: the request gets netlink-closed and the closed fd is never read again', async () => {
    assert.ok(withSeq('link-dump', 1).length >= 2, 'the fixture must span datagrams');
    const w = fakeWire((seq) => withSeq('link-dump', seq));
    const ex = new Exchanger(w, 1);
    const recvNow = w.recvNow;
    let readsAfterClose = 0;
    w.recvNow = (buf) => {
      if (w.closed) readsAfterClose++;
      const n = recvNow(buf);
      if (n >= 0) ex.close(); // right after the first datagram, as a caller's close() would land between two reads
      return n;
    };
    const e = (await ex.run(R.dumpLinks(), 1000))._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-closed');
    assert.equal(w.closed, 1);
    assert.equal(readsAfterClose, 0, 'a closed fd was read');
  });

  it('close() during a wait: the request gets netlink-closed and the socket closes once the read returns', async () => {
    const w = fakeWire(() => []);
    const ex = new Exchanger(w, 1);
    const p = ex.run(R.dumpLinks(), 5000);
    await new Promise((r) => setTimeout(r, 1));
    ex.close();
    assert.equal(w.closed, 0, 'not closed under a pending read');
    const e = (await p)._unsafeUnwrapErr();
    assert.equal(e.kind, 'netlink-closed');
    assert.equal(w.closed, 1);
    const after = (await ex.run(R.dumpLinks(), 100))._unsafeUnwrapErr();
    assert.equal(after.kind, 'netlink-closed');
  });
});

describe('exchanges that end within the call', () => {
  it('a reply there once send returns is the outcome itself, not a promise; a reply that is not waits on libuv\'s pool', async () => {
    const w = fakeWire((seq) => withSeq('ack', seq));
    const ex = new Exchanger(w, 1);
    const now = ex.exchange(R.setLink({ index: 1 }, { up: true }, 'up'), 1000);
    assert.ok(!(now instanceof Promise));
    assert.ok(now.isOk());
    assert.equal(ex.inFlight, 0);
    assert.equal(w.laterCalls, 0);
    const silent = fakeWire(() => []);
    const later = new Exchanger(silent, 1).exchange(R.setLink({ index: 1 }, { up: true }, 'up'), 50);
    assert.ok(later instanceof Promise);
    assert.equal((await later)._unsafeUnwrapErr().kind, 'netlink-timeout');
    assert.ok(silent.laterCalls > 0);
  });

  it('an exchange made while another is under way goes after it, in order', async () => {
    const order = [];
    const queue = [];
    const w = {
      sends: 0,
      send(buf) {
        order.push(`send ${buf.readUInt32LE(8)}`);
        queue.push(buf.readUInt32LE(8));
        this.sends++;
        return 0;
      },
      recvNow() {
        return -11; // never there at once: every reply comes through the pool
      },
      recvLater(buf, cb) {
        setTimeout(() => {
          const seq = queue.shift();
          const g = withSeq('ack', seq)[0];
          g.copy(buf);
          order.push(`reply ${seq}`);
          cb(g.length);
        }, 2);
      },
      close() {},
    };
    const ex = new Exchanger(w, 10);
    const a = ex.run(R.setLink({ index: 1 }, { up: true }, 'up'), 1000);
    const b = ex.run(R.setLink({ index: 2 }, { up: true }, 'up'), 1000);
    assert.equal(w.sends, 1, 'the second waits for the first');
    assert.ok((await a).isOk());
    assert.ok((await b).isOk());
    assert.deepEqual(order, ['send 11', 'reply 11', 'send 12', 'reply 12']);
    assert.equal(ex.inFlight, 0);
  });

  it('a message in the reply to a request that expects an ACK is kept as a copy, not as a view of the buffer read into again', async () => {
    const extra = fixture('link-get-va')[0];
    const w = fakeWire((seq) => {
      const m = Buffer.from(extra);
      m.writeUInt32LE(seq, 8);
      return [m, ...withSeq('ack', seq)];
    });
    const ms = (await new Exchanger(w, 1).run(R.setLink({ index: 1 }, { up: true }, 'up'), 1000))._unsafeUnwrap();
    assert.equal(ms.length, 1);
    assert.equal(decodeLink(ms[0])._unsafeUnwrap().name, 'va', 'still the link after the ACK was read into the same buffer');
  });
});

describe('operations over a fake kernel', () => {
  /** A socket whose kernel answers RTM_GETLINK with the link-get-va fixture and everything else with an ACK; `sent` keeps each request. */
  function fakeSocket() {
    const sent = [];
    const w = fakeWire((seq) => {
      const req = sent.at(-1);
      return withSeq(req.readUInt16LE(4) === C.RTM_GETLINK ? 'link-get-va' : 'ack', seq);
    });
    const send = w.send;
    w.send = (buf) => {
      sent.push(Buffer.from(buf));
      return send(buf);
    };
    return { nl: new NetlinkSocket(new Exchanger(w, 1), 1, 'fake', 1000), sent, w };
  }

  it('an address on a link named resolves its ifindex from the ifinfomsg of the RTM_GETLINK reply', async () => {
    const { nl, sent } = fakeSocket();
    const index = decodeLink(parseMessages(fixture('link-get-va')[0])._unsafeUnwrap()[0])._unsafeUnwrap().index;
    assert.ok((await nl.addAddress('va', '10.9.0.1/24')).isOk());
    assert.deepEqual(sent.map((b) => b.readUInt16LE(4)), [C.RTM_GETLINK, C.RTM_NEWADDR]);
    assert.equal(sent[1].readUInt32LE(16 + 4), index, 'ifa_index');
  });

  it('an operation whose requests were answered within the call is done when the call returns; the ones made without awaiting keep their order', async () => {
    const { nl, sent, w } = fakeSocket();
    const results = [nl.setLinkUp('va'), nl.addAddress('va', '10.9.0.1/24'), nl.addRoute({ dst: '10.8.0.0/24', gateway: '10.9.0.2' }), nl.setLinkDown('va')];
    assert.equal(sent.length, 5, 'every request went out within the calls');
    for (const r of results) assert.ok((await r).isOk());
    assert.deepEqual(sent.map((b) => b.readUInt16LE(4)), [C.RTM_NEWLINK, C.RTM_GETLINK, C.RTM_NEWADDR, C.RTM_NEWROUTE, C.RTM_NEWLINK]);
    assert.equal(w.laterCalls, 0, 'no read went to libuv\'s pool');
  });

  it('an operation whose exchange throws is a task-failed Result of its own, within the call or queued, and the next ones run', async () => {
    const { nl, sent, w } = fakeSocket();
    const send = w.send;
    w.send = (buf) => {
      if (sent.length === 1) {
        sent.push(Buffer.from(buf));
        throw new Error('a bug in the wire');
      }
      return send(buf);
    };
    const first = nl.setLinkUp('va');
    const broken = nl.setLinkDown('va'); // its send throws
    const next = nl.setMtu('va', 1400);
    assert.equal((await first).isOk(), true);
    const e = (await broken)._unsafeUnwrapErr();
    assert.equal(e.kind, 'task-failed');
    assert.match(e.message, /a bug in the wire/);
    assert.equal((await next).isOk(), true, 'the operation after the broken one');
    assert.equal(sent.length, 3);
  });
});
