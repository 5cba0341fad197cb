/**
 * koffi declarations of liblinuxns.so (built by @linuxns/helper-c; its
 * header, lib/liblinuxns.h, is the contract): the user-namespace dummies,
 * which need a fork that Node cannot do. The only module of this package
 * that imports koffi; libc calls (the mount API of `idmap.ts`) are core's,
 * through `@linuxns/core/ffi`. Every function returns a non-negative result
 * or `-(step << 16 | errno)`.
 *
 * @module
 * @internal
 */
import { accessSync, constants } from 'node:fs';
import koffi from 'koffi';
import { err, ok, type Result } from 'neverthrow';
import { buildCommand, libraryPath } from '@linuxns/helper-c';
import type { NsError } from '@linuxns/core';
import type { UsernsCacheError } from './errors.js';

/** The bound functions of the library. */
export type Native = ReturnType<typeof bind>;

/** Libraries bound so far, by path (a path is loaded once per process). */
const loaded = new Map<string, Native>();

function bind(path: string) {
  const so = koffi.load(path);
  return {
    usernsDummy: so.func('int lns_userns_dummy(const char *uid_map, size_t uid_len, const char *gid_map, size_t gid_len)'),
    usernsDummyLeaveStopped: so.func('int lns_userns_dummy_leave_stopped(const char *uid_map, size_t uid_len)'),
  };
}

/**
 * The library, loaded on first use from `path`: by default @linuxns/helper-c's
 * `libraryPath`, or `$LINUXNS_LIBRARY` when set (for tests, like core's
 * `LINUXNS_HELPER`). A library that is missing, unreadable or cannot be
 * loaded gives `helper-not-found` with the command that builds it.
 */
export function loadNative(path: string = process.env.LINUXNS_LIBRARY ?? libraryPath): Result<Native, NsError | UsernsCacheError> {
  const known = loaded.get(path);
  if (known !== undefined) return ok(known);
  let why: string;
  try {
    accessSync(path, constants.R_OK);
    const lib = bind(path);
    loaded.set(path, lib);
    return ok(lib);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    why = code === 'ENOENT' ? 'is missing' : typeof code === 'string' ? `cannot be read (${code})` : `cannot be loaded (${(e as Error).message})`;
  }
  return err({ kind: 'helper-not-found', path, fix: buildCommand, message: `liblinuxns.so at ${path} ${why}; build it with: ${buildCommand}` });
}

/** The library, for the test fixtures (dist/native.js): throws the message of {@link loadNative}'s error. */
export function native(): Native {
  const r = loadNative();
  if (r.isErr()) throw new Error(r.error.message);
  return r.value;
}

/** Steps of lns_userns_dummy (enum lns_step of liblinuxns.h). */
export const STEPS = ['none', 'clone', 'stop', 'uid_map', 'setgroups', 'gid_map', 'open', 'reap', 'pdeathsig', 'parent', 'traceme', 'sigstop'] as const;

/** Splits a negative result into the step and the errno. */
export function splitError(r: number): { step: string; errno: number } {
  const v = -r;
  return { step: STEPS[v >> 16] ?? `step ${v >> 16}`, errno: v & 0xffff };
}

/** System call of each step, for error messages. */
export const STEP_SYSCALL: Record<string, string> = {
  clone: 'clone',
  stop: 'waitpid',
  uid_map: 'write',
  setgroups: 'write',
  gid_map: 'write',
  open: 'open',
  reap: 'waitpid',
  pdeathsig: 'prctl',
  parent: 'getppid',
  traceme: 'ptrace',
  sigstop: 'kill',
};

/** The error of a failed native call to lns_userns_dummy (koffi's async call itself, not the dummy). */
export function dummyCallFailed(what: string, e: unknown): NsError | UsernsCacheError {
  return {
    kind: 'userns-setup-failed',
    step: 'call',
    syscall: 'lns_userns_dummy',
    code: 'EIO',
    errno: 5,
    message: `${what} failed: ${e instanceof Error ? e.message : String(e)}`,
  };
}

/**
 * lns_userns_dummy on a thread of libuv's pool (koffi's async call): the
 * caller's event loop goes on meanwhile, and dummies for different mappings
 * are made in parallel. Nothing here changes the calling thread's
 * namespaces: the dummy is another process. Never rejects: a missing
 * library gives `helper-not-found`, a failure of koffi's async call
 * `userns-setup-failed` at step `call`; otherwise the call's own result
 * (a namespace fd, or a negative error for {@link splitError}).
 */
export function usernsDummyAsync(uidMap: string, gidMap: string): Promise<Result<number, NsError | UsernsCacheError>> {
  const lib = loadNative();
  if (lib.isErr()) return Promise.resolve(err(lib.error));
  const f = lib.value.usernsDummy;
  const callFailed = (e: unknown): Result<number, NsError | UsernsCacheError> => err(dummyCallFailed("calling lns_userns_dummy on libuv's threadpool", e));
  return new Promise((resolve) => {
    try {
      f.async(uidMap, Buffer.byteLength(uidMap), gidMap, Buffer.byteLength(gidMap), (e: Error | null, r: number) => resolve(e ? callFailed(e) : ok(r)));
    } catch (e) {
      resolve(callFailed(e));
    }
  });
}
