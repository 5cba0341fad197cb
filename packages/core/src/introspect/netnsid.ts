/**
 * The id the caller's network namespace gave another one (`ip netns set`,
 * lsns's NETNSID): one `RTM_GETNSID` rtnetlink request per namespace, on a
 * socket of the calling thread's network namespace (ffi/rtnl, the client
 * @linuxns/netlink builds on too). The kernel answers within the send, so
 * the reply is read at once, never waited for.
 *
 * @module
 * @internal
 */
import { AF_UNSPEC, NLM_F_REQUEST } from '../ffi/constants.js';
import { attrU32, message, parseAttrs, read } from '../ffi/rtnl/frame.js';
import { Reply } from '../ffi/rtnl/reply.js';
import { fdWire, openRouteSocket, type Wire } from '../ffi/rtnl/socket.js';

// linux/rtnetlink.h, linux/net_namespace.h
const RTM_NEWNSID = 88;
const RTM_GETNSID = 90;
const NETNSA_NSID = 1;
const NETNSA_FD = 3;
/** `struct rtgenmsg` padded to 4 bytes: `rtgen_family` AF_UNSPEC. */
const RTGENMSG = Buffer.from([AF_UNSPEC, 0, 0, 0]);

/** One rtnetlink socket for a listing; `close()` when done. */
export class NsidQuery {
  #wire: Wire | undefined;
  #seq = 0;
  readonly #buf = Buffer.alloc(1024);

  constructor() {
    const s = openRouteSocket();
    this.#wire = s.isOk() ? fdWire(s.value.fd) : undefined;
  }

  /** The nsid of the network namespace open at `nsFd`; undefined when none is set (or on any error: it is a detail). */
  get(nsFd: number): number | undefined {
    const wire = this.#wire;
    if (wire === undefined) return undefined;
    const req = message(RTM_GETNSID, NLM_F_REQUEST, RTGENMSG, [attrU32(NETNSA_FD, nsFd)]);
    const seq = ++this.#seq;
    req.writeUInt32LE(seq, 8);
    if (wire.send(req) !== 0) return undefined;
    const reply = new Reply(seq, 'one');
    for (;;) {
      const n = wire.recvNow(this.#buf);
      if (n < 0 || n > this.#buf.length) return undefined;
      const end = reply.take(this.#buf.subarray(0, n));
      if (end === undefined) continue;
      const m = reply.messages[0];
      if (!end.ok || m?.type !== RTM_NEWNSID) return undefined;
      const attrs = parseAttrs(m.payload, RTGENMSG.length);
      const id = attrs.isOk() ? read.s32(attrs.value, NETNSA_NSID) : undefined;
      return id !== undefined && id >= 0 ? id : undefined; // -1: NETNSA_NSID_NOT_ASSIGNED
    }
  }

  close(): void {
    this.#wire?.close();
    this.#wire = undefined;
  }
}
