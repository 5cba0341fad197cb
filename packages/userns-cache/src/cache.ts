/**
 * {@link UsernsCache}: user-namespace fds keyed by their mappings (runc's
 * `Handles`), each namespace made once by a dummy that is gone before `get`
 * returns.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { adoptNamespaceFd, errnoName, type NamespaceHandle, type NsError } from '@linuxns/core';
import { canonicalMapping, type CanonicalMapping, type IdMapping, type Mapping } from './mapping.js';
import { dummyCallFailed, splitError, STEP_SYSCALL, usernsDummyAsync } from './native.js';
import type { UsernsCacheError } from './errors.js';

/** Counters of a {@link UsernsCache}. */
export interface UsernsCacheStats {
  /** `get` calls answered from a held namespace (a dup of its fd). */
  readonly hits: number;
  /** `get` calls that made a namespace or waited for one being made. */
  readonly misses: number;
  /** Dummy processes made, successful or not. */
  readonly dummies: number;
}

/**
 * Makes the user namespace of `m` with a dummy. The dummy is created, stopped
 * under PTRACE_TRACEME, given its maps, its `/proc/PID/ns/user` opened, killed
 * and reaped inside one native call on libuv's threadpool.
 */
async function makeNamespace(m: CanonicalMapping): Promise<Result<NamespaceHandle, NsError | UsernsCacheError>> {
  const called = await usernsDummyAsync(m.uidMapText, m.gidMapText);
  if (called.isErr()) return err(called.error);
  const r = called.value;
  if (r < 0) {
    const { step, errno } = splitError(r);
    const code = errnoName(errno);
    const hint =
      code === 'EPERM' && (step === 'uid_map' || step === 'gid_map')
        ? ': mapping host ids other than your own needs CAP_SETUID/CAP_SETGID in the parent user namespace'
        : code === 'ENOSPC' && step === 'clone'
          ? ': the user.max_user_namespaces limit is reached'
          : code === 'EPERM' && step === 'clone'
            ? ': creating user namespaces is not allowed here (kernel.unprivileged_userns_clone, a seccomp or LSM policy)'
            : code === 'EPERM' && step === 'traceme'
              ? ': the dummy may not PTRACE_TRACEME (Yama kernel.yama.ptrace_scope=3, a seccomp policy, or a tracer that follows children such as strace -f)'
              : '';
    return err({
      kind: 'userns-setup-failed',
      step,
      syscall: STEP_SYSCALL[step] ?? step,
      code,
      errno,
      message: `making a user namespace for ${m.id} failed at ${step}: ${code}${hint}`,
    });
  }
  const h = adoptNamespaceFd(r, 'user');
  if (h.isErr()) {
    // Cannot happen for /proc/PID/ns/user; never leak the fd if it does.
    closeSync(r);
    return err(h.error);
  }
  return ok(h.value);
}

/** A namespace being made, and how many `get`s wait for it (each is handed its own dup). */
interface Making {
  waiters: number;
  /** One result per waiter, in the order they joined. */
  readonly results: Promise<Result<NamespaceHandle, NsError | UsernsCacheError>[]>;
}

/** Distinct spellings of mappings remembered for the hit path before the memo starts over. */
const SEEN_LIMIT = 4096;

/**
 * The ranges as given, order kept, as a string: equal strings mean equal
 * mappings, so a spelling met before needs no validation again. Undefined
 * when `mapping` is not plainly shaped (canonicalMapping then says why).
 */
function seenKey(mapping: Mapping): string | undefined {
  if (typeof mapping !== 'object' || mapping === null) return undefined;
  const { uidMappings, gidMappings } = mapping;
  if (!Array.isArray(uidMappings) || !Array.isArray(gidMappings)) return undefined;
  const uids = spell(uidMappings);
  const gids = uids === undefined ? undefined : spell(gidMappings);
  return gids === undefined ? undefined : `${uids};${gids}`;
}

/** Every number of a mapping, in order (uid ranges, then gid ranges), with the two lengths first; undefined unless plainly shaped. */
function numbersOf(mapping: Mapping): number[] | undefined {
  const { uidMappings, gidMappings } = mapping;
  const out = [uidMappings.length, gidMappings.length];
  for (const list of [uidMappings, gidMappings]) {
    for (const r of list) {
      if (typeof r !== 'object' || r === null || typeof r.containerID !== 'number' || typeof r.hostID !== 'number' || typeof r.size !== 'number') return undefined;
      out.push(r.containerID, r.hostID, r.size);
    }
  }
  return out;
}

/** True when `mapping` still holds exactly `numbers` (from {@link numbersOf}): it may have been changed since. */
function sameNumbers(mapping: Mapping, numbers: readonly number[]): boolean {
  const { uidMappings, gidMappings } = mapping;
  if (!Array.isArray(uidMappings) || !Array.isArray(gidMappings) || uidMappings.length !== numbers[0] || gidMappings.length !== numbers[1]) return false;
  let i = 2;
  for (const list of [uidMappings, gidMappings]) {
    for (let j = 0; j < list.length; j++) {
      const r = list[j] as Partial<IdMapping> | null;
      if (typeof r !== 'object' || r === null || r.containerID !== numbers[i] || r.hostID !== numbers[i + 1] || r.size !== numbers[i + 2]) return false;
      i += 3;
    }
  }
  return true;
}

/** The ranges of one map as text, order kept; undefined unless every field is a number. */
function spell(ranges: readonly IdMapping[]): string | undefined {
  let text = '';
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i] as Partial<IdMapping> | null;
    // Numbers only: '0' and 0 would spell the same, and only the number is valid.
    if (typeof r !== 'object' || r === null || typeof r.containerID !== 'number' || typeof r.hostID !== 'number' || typeof r.size !== 'number') return undefined;
    text += `${r.containerID}:${r.hostID}:${r.size},`;
  }
  return text;
}

/**
 * A cache of user namespaces keyed by their {@link Mapping}: the first `get`
 * of a mapping makes the namespace (a dummy process, gone before `get`
 * resolves), later ones answer from the held fd. Every `get` returns a
 * handle the caller owns (a `CLOEXEC` dup): closing it never affects the
 * cache or other callers. Concurrent `get`s of one mapping make one
 * namespace; different mappings are made in parallel.
 *
 * @example
 * ```ts
 * import { UsernsCache } from '@linuxns/userns-cache';
 * const cache = new UsernsCache();
 * const mapping = { uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }] };
 * const r = await cache.get(mapping);
 * if (r.isOk()) {
 *   console.log(String(r.value)); // user:[4026532845]
 *   r.value.close();
 * }
 * cache.release();
 * ```
 */
export class UsernsCache {
  readonly #held = new Map<string, NamespaceHandle>();
  readonly #making = new Map<string, Making>();
  /** Mappings seen before, by their text in the given order, to their canonical id: the hit path skips validation. */
  readonly #seen = new Map<string, string>();
  /**
   * The canonical id of a mapping object met before, with the numbers it held then: asking the
   * same object again (the common case) costs a comparison of a few numbers, no text.
   */
  readonly #byObject = new WeakMap<Mapping, { readonly numbers: readonly number[]; readonly id: string }>();
  /** Bumped by release(): a namespace made before it is not kept after it. */
  #generation = 0;
  #hits = 0;
  #misses = 0;
  #dummies = 0;

  /**
   * A handle on the user namespace of `mapping`, which the caller owns and
   * closes. A mapping the kernel would refuse gives `invalid-mapping` before
   * any process is made; a failed dummy gives `userns-setup-failed`. Throws
   * `TypeError` when `mapping` is not shaped like a {@link Mapping}.
   */
  get(mapping: Mapping): ResultAsync<NamespaceHandle, NsError | UsernsCacheError> {
    const memo = typeof mapping === 'object' && mapping !== null ? this.#byObject.get(mapping) : undefined;
    const memoId = memo !== undefined && sameNumbers(mapping, memo.numbers) ? memo.id : undefined;
    const key = memoId === undefined ? seenKey(mapping) : undefined;
    const seenId = memoId ?? (key === undefined ? undefined : this.#seen.get(key));
    const held = seenId === undefined ? undefined : this.#held.get(seenId);
    if (held !== undefined) {
      this.#hits++;
      return new ResultAsync(Promise.resolve(held.dup()));
    }
    const c = canonicalMapping(mapping);
    if (c.isErr()) return new ResultAsync(Promise.resolve(err(c.error)));
    if (key !== undefined) {
      if (this.#seen.size >= SEEN_LIMIT) this.#seen.clear();
      this.#seen.set(key, c.value.id);
    }
    const numbers = numbersOf(mapping);
    if (numbers !== undefined) this.#byObject.set(mapping, { numbers, id: c.value.id });
    const again = this.#held.get(c.value.id);
    if (again !== undefined) {
      this.#hits++;
      return new ResultAsync(Promise.resolve(again.dup()));
    }
    this.#misses++;
    const making = this.#making.get(c.value.id) ?? this.#make(c.value);
    const index = making.waiters++;
    return new ResultAsync(making.results.then((results) => results[index]!));
  }

  /**
   * Starts making the namespace of `m`. When it settles, its own callback
   * takes one dup per waiter counted by then, before any other code can run
   * (a concurrent release() cannot close the fd under a waiter), then keeps
   * the fd, or closes it if release() ran meanwhile. Never rejects, and
   * `#making` is cleared however it ends.
   */
  #make(m: CanonicalMapping): Making {
    const generation = this.#generation;
    this.#dummies++;
    const settle = (r: Result<NamespaceHandle, NsError | UsernsCacheError>): Result<NamespaceHandle, NsError | UsernsCacheError>[] => {
      try {
        if (r.isErr()) return Array.from({ length: making.waiters }, () => err(r.error));
        const h = r.value;
        const dups = Array.from({ length: making.waiters }, () => h.dup());
        if (generation === this.#generation) this.#held.set(m.id, h);
        else h.close(); // release() ran meanwhile: every waiter has its dup, the cache does not keep it
        return dups;
      } finally {
        if (this.#making.get(m.id) === making) this.#making.delete(m.id);
      }
    };
    const making: Making = {
      waiters: 0,
      results: makeNamespace(m).then(settle, (e: unknown) =>
        settle(err(dummyCallFailed(`making a user namespace for ${m.id}`, e))),
      ),
    };
    this.#making.set(m.id, making);
    return making;
  }

  /**
   * True when the namespace of `mapping` is held (a `get` would not make a
   * dummy). Throws `TypeError` like {@link UsernsCache.get}; false for an
   * invalid mapping.
   */
  has(mapping: Mapping): boolean {
    const c = canonicalMapping(mapping);
    return c.isOk() && this.#held.has(c.value.id);
  }

  /** Number of namespaces held (one fd each). */
  get size(): number {
    return this.#held.size;
  }

  /** Hits, misses and dummies made so far. */
  get stats(): UsernsCacheStats {
    return { hits: this.#hits, misses: this.#misses, dummies: this.#dummies };
  }

  /**
   * Closes every held fd. Handles returned earlier keep working (they are
   * dups); the cache stays usable and makes namespaces anew. A namespace
   * being made while `release()` runs is handed to its waiting callers
   * (each its own dup) and closed as it arrives, not kept.
   */
  release(): void {
    this.#generation++;
    for (const h of this.#held.values()) h.close();
    this.#held.clear();
  }
}
