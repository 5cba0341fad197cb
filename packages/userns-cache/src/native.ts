/**
 * koffi declarations of liblinuxns.so (built by @linuxns/helper-c; its
 * header, lib/liblinuxns.h, is the contract). The only module of this
 * package that imports koffi. Every function returns a non-negative result
 * or `-(step << 16 | errno)`.
 *
 * @module
 * @internal
 */
import { accessSync, constants } from 'node:fs';
import koffi from 'koffi';
import { buildCommand, libraryPath } from '@linuxns/helper-c';

let lib: ReturnType<typeof bind> | undefined;

function bind(path: string) {
  const so = koffi.load(path);
  return {
    usernsDummy: so.func('int lns_userns_dummy(const char *uid_map, size_t uid_len, const char *gid_map, size_t gid_len)'),
    usernsDummyLeaveStopped: so.func('int lns_userns_dummy_leave_stopped(const char *uid_map, size_t uid_len)'),
    openTree: so.func('int lns_open_tree(int dfd, const char *path, unsigned int flags)'),
    mountSetattr: so.func('int lns_mount_setattr(int fd, const char *path, unsigned int flags, unsigned long long attr_set, unsigned long long attr_clr, int userns_fd)'),
    moveMount: so.func('int lns_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags)'),
    umount: so.func('int lns_umount(const char *path, int flags)'),
  };
}

/** The library, loaded on first use. Throws an Error naming the path and the build command when it is missing. */
export function native(): ReturnType<typeof bind> {
  if (lib === undefined) {
    try {
      accessSync(libraryPath, constants.R_OK);
    } catch {
      throw new Error(`liblinuxns.so is missing at ${libraryPath}; build it with: ${buildCommand}`);
    }
    lib = bind(libraryPath);
  }
  return lib;
}

/** Steps of lns_userns_dummy (enum lns_step of liblinuxns.h). */
export const STEPS = ['none', 'clone', 'stop', 'uid_map', 'setgroups', 'gid_map', 'open', 'reap'] as const;

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
};

/**
 * lns_userns_dummy on a thread of libuv's pool (koffi's async call): the
 * caller's event loop goes on meanwhile, and dummies for different mappings
 * are made in parallel. Nothing here changes the calling thread's
 * namespaces: the dummy is another process.
 */
export function usernsDummyAsync(uidMap: string, gidMap: string): Promise<number> {
  const f = native().usernsDummy;
  return new Promise((resolve, reject) => {
    f.async(uidMap, Buffer.byteLength(uidMap), gidMap, Buffer.byteLength(gidMap), (e: Error | null, r: number) => (e ? reject(e) : resolve(r)));
  });
}
