/**
 * Named network namespaces under `/run/netns`, made and read the way
 * iproute2 does (`ip netns add/delete/list`), so that `ip netns exec NAME`
 * sees ours and we open theirs by name.
 *
 * @module
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { errAsync, err, ok, ResultAsync, type Result } from 'neverthrow';
import { fsError, syscallError } from '../errors/from-errno.js';
import type { NsError } from '../errors/ns-error.js';
import * as libc from '../ffi/libc.js';
import { MS_BIND, MS_REC, MS_SHARED } from '../ffi/mount-flags.js';
import type { NamespaceHandle } from '../namespace/handle.js';
import { createNamespace } from './create.js';
import { openNamespace } from '../namespace/open.js';
import { bindOnItself, unpin } from './pin.js';

/** Where iproute2 keeps named network namespaces. */
export const NETNS_RUN_DIR = '/run/netns';

const NAME_MAX = 255;

/** A named network namespace, as {@link listNetns} reports it. */
export interface NetnsEntry {
  readonly name: string;
  /** `/run/netns/NAME`. */
  readonly path: string;
  /** Identity of the namespace pinned there. */
  readonly dev: bigint;
  readonly ino: bigint;
}

/**
 * Checks a network namespace name the way iproute2 does: not empty, shorter
 * than 255 bytes, no `/`, not `.` or `..`. Throws `TypeError` for a
 * non-string; returns `invalid-target` otherwise.
 */
function checkName(name: unknown): Result<string, NsError> {
  if (typeof name !== 'string') throw new TypeError(`netns name must be a string, got ${typeof name}`);
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || Buffer.byteLength(name) >= NAME_MAX) {
    return err({
      kind: 'invalid-target',
      namespace: 'net',
      value: name,
      message: `${JSON.stringify(name)} is not a valid network namespace name (no '/', not '.' or '..', not empty, under ${NAME_MAX} bytes)`,
    });
  }
  return ok(name);
}

/** The path of the named network namespace `name` (`/run/netns/NAME`); throws `TypeError` for an invalid name. */
export function netnsPath(name: string): string {
  const n = checkName(name);
  if (n.isErr()) throw new TypeError(n.error.message);
  return `${NETNS_RUN_DIR}/${name}`;
}

/**
 * `/run/netns` as iproute2 sets it up: the directory, made a shared mount
 * (an rshared bind of itself if it is not a mount point yet), so that a pin
 * made in it propagates to mount namespaces that have a copy of it.
 */
function prepareRunDir(): Result<void, NsError> {
  try {
    mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
  } catch (x) {
    return err(fsError(x, { path: NETNS_RUN_DIR }));
  }
  if (libc.mount('', NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC, null) === 0) return ok(undefined);
  if (libc.errno() !== 22) return err(syscallError('mount', libc.errno(), { path: NETNS_RUN_DIR }));
  // EINVAL: not a mount point yet. Bind it onto itself, then share it (undone if that fails).
  return bindOnItself(NETNS_RUN_DIR, MS_SHARED | MS_REC);
}

/**
 * Creates the named network namespace `name`, like `ip netns add NAME`: a
 * fresh network namespace pinned at `/run/netns/NAME` (the file created
 * exclusively; `/run/netns` made an rshared bind of itself as iproute2
 * does). Resolves to a handle the caller owns and closes; the namespace
 * stays until {@link deleteNetns}. An existing name gives `already-exists`;
 * an invalid one (`/`, `.`, `..`) `invalid-target`. Nothing is left on error.
 *
 * @example
 * ```ts
 * import { addNetns, deleteNetns } from '@linuxns/core';
 * const r = await addNetns('blue'); // now `ip netns exec blue ...` works
 * if (r.isOk()) { r.value.close(); deleteNetns('blue'); }
 * ```
 */
export function addNetns(name: string): ResultAsync<NamespaceHandle, NsError> {
  const n = checkName(name);
  if (n.isErr()) return errAsync(n.error);
  const path = `${NETNS_RUN_DIR}/${name}`;
  const prepared = prepareRunDir();
  if (prepared.isErr()) return errAsync(prepared.error);
  // The file first, exclusively (two `add`s of one name: one wins), then the namespace.
  try {
    closeSync(openSync(path, constants.O_RDONLY | constants.O_CREAT | constants.O_EXCL, 0));
  } catch (x) {
    const e = fsError(x, { path, namespace: 'net' });
    if ('code' in e && e.code === 'EEXIST') return errAsync({ kind: 'already-exists', path, message: `network namespace "${name}" already exists (${path})` });
    return errAsync(e);
  }
  const removeFile = (): void => {
    try {
      unlinkSync(path);
    } catch {
      /* the first error is the one reported */
    }
  };
  return createNamespace('net')
    .andThen((h) => {
      if (libc.mount(`/proc/self/fd/${h.fd}`, path, 'none', MS_BIND, null) !== 0) {
        const e = syscallError('mount', libc.errno(), { path, namespace: 'net' });
        h.close();
        return err(e);
      }
      return ok(h);
    })
    .orElse((e) => {
      removeFile();
      return err(e);
    });
}

/**
 * Deletes the named network namespace `name`, like `ip netns delete NAME`:
 * unmounts `/run/netns/NAME` and removes the file. The namespace itself
 * goes once no process or handle holds it. A stale entry (an empty file
 * with nothing mounted on it, left by an `add` that crashed half-way) is
 * removed as iproute2 removes it. A missing name gives `not-found`.
 *
 * @example
 * ```ts
 * import { deleteNetns } from '@linuxns/core';
 * const r = deleteNetns('blue');
 * if (r.isErr()) console.error(r.error.message);
 * ```
 */
export function deleteNetns(name: string): Result<void, NsError> {
  return checkName(name).andThen(() => {
    const path = `${NETNS_RUN_DIR}/${name}`;
    const r = unpin(path);
    if (r.isOk() || r.error.kind !== 'not-pinned') return r;
    // Not a pin: only an empty regular file (a stale entry) is ours to remove.
    try {
      const st = lstatSync(path);
      if (!st.isFile() || st.size !== 0) return r;
      unlinkSync(path);
      return ok(undefined);
    } catch (x) {
      return err(fsError(x, { path }));
    }
  });
}

/**
 * Opens the named network namespace `name` (`/run/netns/NAME`, ours or made
 * by `ip netns add`). Never creates one: a missing name gives `not-found`.
 *
 * @example
 * ```ts
 * import { openNetns } from '@linuxns/core';
 * const r = openNetns('blue');
 * if (r.isOk()) { console.log(String(r.value)); r.value.close(); }
 * ```
 */
export function openNetns(name: string): Result<NamespaceHandle, NsError> {
  return checkName(name).andThen(() => openNamespace(`${NETNS_RUN_DIR}/${name}`, 'net'));
}

/**
 * The named network namespaces, like `ip netns list`: every entry of
 * `/run/netns` on which a network namespace is pinned, with its identity,
 * sorted by name. Entries that are not (a stale file) are left out. No
 * `/run/netns` at all is an empty list.
 *
 * @example
 * ```ts
 * import { listNetns } from '@linuxns/core';
 * for (const ns of listNetns().unwrapOr([])) console.log(ns.name, ns.ino);
 * ```
 */
export function listNetns(): Result<NetnsEntry[], NsError> {
  let names: string[];
  try {
    names = readdirSync(NETNS_RUN_DIR);
  } catch (x) {
    const e = fsError(x, { path: NETNS_RUN_DIR });
    return e.kind === 'not-found' ? ok([]) : err(e);
  }
  const out: NetnsEntry[] = [];
  for (const name of names.sort()) {
    const path = `${NETNS_RUN_DIR}/${name}`;
    const h = openNamespace(path, 'net');
    if (h.isErr()) continue;
    out.push({ name, path, dev: h.value.dev, ino: h.value.ino });
    h.value.close();
  }
  return ok(out);
}
