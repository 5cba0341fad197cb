/**
 * {@link NamespaceHandle}: an open namespace file (an fd) with its type and
 * identity. The fd is `O_CLOEXEC`; the handle owns it until `close()`.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { closeFd, dupCloexec, NS_GET_PARENT, NS_GET_USERNS, nsIoctlFd, nsOwnerUid, nsTypeFlag } from '../ffi/syscall.js';
import { syscallError } from '../errors/from-errno.js';
import { formatIdentity, identityOfFd, sameNamespace, type NamespaceIdentity } from './identity.js';
import { typeFromCloneFlag, type NamespaceType } from './kind.js';

const kCreate = Symbol('NamespaceHandle.create');

/**
 * An open namespace: an `O_CLOEXEC` fd, its {@link NamespaceType} (checked
 * with `ioctl(NS_GET_NSTYPE)`) and its identity (`dev`, `ino`). Compare
 * handles with {@link NamespaceHandle.equals}, never by path.
 *
 * Using a closed handle (its fd, dup, introspection) throws a `TypeError`;
 * `close()` itself may be called again and does nothing. Identity fields stay
 * readable after close.
 *
 * @example
 * ```ts
 * import { openNamespace } from '@linuxns/core';
 * const r = openNamespace('/proc/self/ns/net', 'net');
 * if (r.isOk()) {
 *   const h = r.value;
 *   console.log(String(h)); // net:[4026531840]
 *   h.close();
 * }
 * ```
 */
export class NamespaceHandle implements NamespaceIdentity {
  /** The namespace type, as the kernel reports it. */
  readonly type: NamespaceType;
  /** Device of the nsfs inode. */
  readonly dev: bigint;
  /** Inode number: the number in `net:[4026531840]`. */
  readonly ino: bigint;
  /** The path the handle was opened from, when there was one (for messages only). */
  readonly path: string | undefined;
  #fd: number;

  /** @internal Use the openers: {@link openNamespace}, {@link openProcessNamespace}, {@link openThreadNamespace}. */
  constructor(token: typeof kCreate, fd: number, type: NamespaceType, id: { dev: bigint; ino: bigint }, path?: string) {
    if (token !== kCreate) throw new TypeError('NamespaceHandle cannot be constructed directly: use openNamespace()');
    this.#fd = fd;
    this.type = type;
    this.dev = id.dev;
    this.ino = id.ino;
    this.path = path;
  }

  /** @internal */
  static adopt(fd: number, type: NamespaceType, path?: string): NamespaceHandle {
    return new NamespaceHandle(kCreate, fd, type, identityOfFd(fd, type), path);
  }

  /** The file descriptor. Throws `TypeError` once closed. */
  get fd(): number {
    if (this.#fd < 0) throw new TypeError(`${this.toString()} is closed`);
    return this.#fd;
  }

  /** True once {@link NamespaceHandle.close} was called. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** True when `other` is the same namespace (same dev and ino); works on closed handles too. */
  equals(other: NamespaceIdentity): boolean {
    return sameNamespace(this, other);
  }

  /** `net:[4026531840]`, as the kernel prints it. */
  toString(): string {
    return formatIdentity(this);
  }

  /** `NS(dev:ino)`: a key unique across namespace types and devices. */
  uniqueId(): string {
    return `NS(${this.dev}:${this.ino})`;
  }

  /** A second, independent handle on the same namespace (an `F_DUPFD_CLOEXEC` dup). */
  dup(): Result<NamespaceHandle, NsError> {
    const fd = this.fd;
    return dupCloexec(fd, { namespace: this.type }).map((nfd) => new NamespaceHandle(kCreate, nfd, this.type, this, this.path));
  }

  /**
   * The user namespace that owns this namespace (`NS_GET_USERNS`). `EPERM`
   * when that namespace is outside the caller's user namespace hierarchy.
   */
  ownerUserNamespace(): Result<NamespaceHandle, NsError> {
    return this.#related(NS_GET_USERNS, 'NS_GET_USERNS');
  }

  /**
   * The parent namespace (`NS_GET_PARENT`), for user and pid namespaces only;
   * `EPERM` when the parent is outside the caller's hierarchy (e.g. the
   * initial namespace has none the caller may see).
   */
  parent(): Result<NamespaceHandle, NsError> {
    if (this.type !== 'user' && this.type !== 'pid') {
      if (this.closed) throw new TypeError(`${this.toString()} is closed`);
      return err(syscallError('ioctl', 'EINVAL', { namespace: this.type, path: this.path }));
    }
    return this.#related(NS_GET_PARENT, 'NS_GET_PARENT');
  }

  /** The uid that created this user namespace (`NS_GET_OWNER_UID`); user namespaces only. */
  ownerUid(): Result<number, NsError> {
    return nsOwnerUid(this.fd, { namespace: this.type, path: this.path });
  }

  /** Closes the fd. Calling it again does nothing. */
  close(): void {
    if (this.#fd >= 0) {
      if (this.#borrows === 0) closeFd(this.#fd);
      else this.#closeWhenReturned = this.#fd;
      this.#fd = -1;
    }
  }

  #borrows = 0;
  #closeWhenReturned = -1;

  /**
   * @internal Lends the fd to a task in flight: a `close()` meanwhile makes
   * the handle unusable at once but closes the fd only when every borrower
   * has called {@link NamespaceHandle.giveBack}. Cheaper than a dup.
   */
  borrow(): number {
    const fd = this.fd;
    this.#borrows++;
    return fd;
  }

  /** @internal Ends a {@link NamespaceHandle.borrow}. */
  giveBack(): void {
    if (this.#borrows > 0 && --this.#borrows === 0 && this.#closeWhenReturned >= 0) {
      closeFd(this.#closeWhenReturned);
      this.#closeWhenReturned = -1;
    }
  }

  #related(request: number, name: string): Result<NamespaceHandle, NsError> {
    const ctx = { namespace: this.type, path: this.path };
    return nsIoctlFd(this.fd, request, ctx).andThen((fd) => {
      const flag = nsTypeFlag(fd);
      const type = flag > 0 ? typeFromCloneFlag(flag) : undefined;
      if (type === undefined) {
        closeFd(fd);
        return err(syscallError('ioctl', 'EINVAL', ctx));
      }
      return ok(NamespaceHandle.adopt(fd, type, `${name}(${this.toString()})`));
    });
  }
}
