/**
 * koffi declarations of the part of liblinuxns.so (built by
 * @linuxns/helper-c; its header, lib/liblinuxns.h, is the contract) that
 * core calls: `lns_spawn`, a command started by clone(CLONE_VM |
 * CLONE_VFORK) from the calling thread, and `lns_exit_fd`, the pipe on which
 * the library's reaping thread reports their exits. Loaded on first use from
 * `$LINUXNS_LIBRARY` or @linuxns/helper-c's `libraryPath`; a library that
 * cannot be loaded is `undefined` here, and spawn takes its other paths.
 *
 * @module
 */
import koffi from 'koffi';
import { libraryPath } from '@linuxns/helper-c';

/** The bound functions. Both return a result >= 0 or `-(step << 16 | errno)` (steps of liblinuxns.h). */
export interface Liblinuxns {
  exitFd(): number;
  spawn(path: string, argv: readonly (string | null)[], shArgv: readonly (string | null)[], envp: readonly (string | null)[], join: Int32Array, njoin: number, cloneFlags: number, stdio: Int32Array): number;
}

/** liblinuxns.h's lns_step values that lns_spawn returns. */
export const LNS_STEP = { CLONE: 1, JOIN: 12, PROPAGATION: 13, STDIO: 14, EXEC: 15, WATCH: 16 } as const;

let bound: Liblinuxns | null | undefined;

/** The library, or `undefined` when it cannot be loaded (missing, not built): asked once per process. */
export function liblinuxns(): Liblinuxns | undefined {
  if (bound !== undefined) return bound ?? undefined;
  try {
    const so = koffi.load(process.env.LINUXNS_LIBRARY ?? libraryPath);
    bound = {
      exitFd: so.func('int lns_exit_fd(void)') as () => number,
      spawn: so.func('int lns_spawn(const char *path, const char **argv, const char **sh_argv, const char **envp, const int *join, int njoin, int clone_flags, const int *stdio)') as Liblinuxns['spawn'],
    };
  } catch {
    bound = null;
  }
  return bound ?? undefined;
}
