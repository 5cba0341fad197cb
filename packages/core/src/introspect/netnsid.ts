/**
 * The id the caller's network namespace gave another one (`ip netns set`,
 * lsns's NETNSID): one `RTM_GETNSID` rtnetlink request per namespace, on a
 * socket of the calling thread's network namespace. The kernel answers
 * within the send, so the receive never waits (`MSG_DONTWAIT` all the same).
 *
 * @module
 * @internal
 */
import * as libc from '../ffi/libc.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const NLMSG_ERROR = 2;
const RTM_NEWNSID = 88;
const RTM_GETNSID = 90;
const NLM_F_REQUEST = 1;
const NETNSA_NSID = 1;
const NETNSA_FD = 3;
const MSG_DONTWAIT = 0x40;

/** One rtnetlink socket for a listing; `close()` when done. */
export class NsidQuery {
  #fd: number;
  #seq = 0;
  readonly #reply = new Uint8Array(1024);

  constructor() {
    this.#fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  }

  /** The nsid of the network namespace open at `nsFd`; undefined when none is set (or on any error: it is a detail). */
  get(nsFd: number): number | undefined {
    if (this.#fd < 0) return undefined;
    // nlmsghdr (16) + rtgenmsg padded to 4 + one attribute NETNSA_FD (4 + 4).
    const msg = new Uint8Array(28);
    const v = new DataView(msg.buffer);
    v.setUint32(0, msg.length, true);
    v.setUint16(4, RTM_GETNSID, true);
    v.setUint16(6, NLM_F_REQUEST, true);
    v.setUint32(8, ++this.#seq, true);
    // bytes 16..19: rtgenmsg { rtgen_family = AF_UNSPEC } and padding
    v.setUint16(20, 8, true);
    v.setUint16(22, NETNSA_FD, true);
    v.setUint32(24, nsFd, true);
    if (libc.send(this.#fd, msg, msg.length, 0) !== msg.length) return undefined;
    // Replies to earlier requests left unread (none expected) are skipped, up to ours.
    let n: number;
    let r: DataView;
    for (;;) {
      n = libc.recv(this.#fd, this.#reply, this.#reply.length, MSG_DONTWAIT);
      if (n < 20) return undefined;
      r = new DataView(this.#reply.buffer, 0, n);
      if (r.getUint32(8, true) === this.#seq) break;
    }
    const len = Math.min(r.getUint32(0, true), n);
    if (r.getUint16(4, true) === NLMSG_ERROR || r.getUint16(4, true) !== RTM_NEWNSID) return undefined;
    for (let at = 20; at + 4 <= len; ) {
      const alen = r.getUint16(at, true);
      if (alen < 4 || at + alen > len) return undefined;
      if (r.getUint16(at + 2, true) === NETNSA_NSID && alen >= 8) {
        const id = r.getInt32(at + 4, true);
        return id >= 0 ? id : undefined; // -1: NETNSA_NSID_NOT_ASSIGNED
      }
      at += (alen + 3) & ~3;
    }
    return undefined;
  }

  close(): void {
    if (this.#fd >= 0) libc.close(this.#fd);
    this.#fd = -1;
  }
}
