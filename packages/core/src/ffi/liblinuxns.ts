/**
 * koffi declarations of the part of liblinuxns.so (built by
 * @linuxns/helper-c; its header, lib/liblinuxns.h, is the contract) that
 * core calls: `lns_spawn`, a command started by clone(CLONE_VM |
 * CLONE_VFORK) from the calling thread with its process settings
 * (`struct lns_settings`), and `lns_exit_fd`, the pipe on which
 * the library's reaping thread reports their exits. Loaded on first use from
 * `$LINUXNS_LIBRARY` or @linuxns/helper-c's `libraryPath`; a library that
 * cannot be loaded is `undefined` here, and spawn takes its other paths.
 *
 * @module
 */
import koffi from 'koffi';
import { libraryPath } from '@linuxns/helper-c';

/** liblinuxns.h's struct lns_settings: the process settings lns_spawn's child applies (the "none" values: null, -1, 0). */
export interface LnsSettings {
  hostname: string | null;
  domainname: string | null;
  root: string | null;
  cwd: string | null;
  /** MS_* flags of the new mount namespace's remount of /; 0: unchanged. */
  propagation: number;
  umask: number;
  setsid: number;
  pdeathsig: number;
  no_new_privs: number;
  nrlimit: number;
  /** nrlimit [resource, soft, hard] (-1: unlimited). */
  rlimits: BigInt64Array | null;
  ngroups: number;
  groups: Uint32Array | null;
  gid: number;
  uid: number;
  /** 1: the ids are kept across a join of a user namespace (else root in it). */
  preserve_credentials: number;
  has_caps: number;
  last_cap: number;
  cap_bounding: bigint;
  cap_effective: bigint;
  cap_permitted: bigint;
  cap_inheritable: bigint;
  cap_ambient: bigint;
  /** A new user namespace: "allow", "deny" or null, written to the child's setgroups before its maps. */
  setgroups: string | null;
  /** The text of the child's uid_map ("" or null: not written). */
  uid_map: string | null;
  gid_map: string | null;
  /** 1: uid and gid 0 of the new user namespace once mapped. */
  userns_root: number;
  /** A new time namespace: the text of its timens_offsets ("" or null: not written). */
  time_offsets: string | null;
}

/** The bound functions. Both return a result >= 0 or `-(step << 16 | errno)` (steps of liblinuxns.h). */
export interface Liblinuxns {
  exitFd(): number;
  spawn(path: string, argv: readonly (string | null)[], shArgv: readonly (string | null)[], envp: readonly (string | null)[] | null, join: Int32Array, njoin: number, cloneFlags: number, stdio: Int32Array, settings: LnsSettings | null): number;
}

/** liblinuxns.h's lns_step values that lns_spawn returns. */
export const LNS_STEP = {
  CLONE: 1, UID_MAP: 3, SETGROUPS: 4, GID_MAP: 5, JOIN: 12, PROPAGATION: 13, STDIO: 14, EXEC: 15, WATCH: 16,
  HOSTNAME: 17, DOMAINNAME: 18, RLIMIT: 19, SETSID: 20, DEATHSIG: 21, ROOT: 22, CWD: 23, KEEPCAPS: 24, BOUNDING: 25,
  SETGROUPS_IDS: 26, SETRESGID: 27, SETRESUID: 28, CAPGET: 29, CAPSET: 30, AMBIENT: 31, NO_NEW_PRIVS: 32, JOIN_PID: 33,
  JOIN_SETGROUPS: 34, JOIN_SETRESGID: 35, JOIN_SETRESUID: 36, SYNC: 37, USERNS_ROOT: 38, TIME: 39, TIME_OFFSETS: 40,
} as const;

let bound: Liblinuxns | null | undefined;

/** The library, or `undefined` when it cannot be loaded (missing, not built): asked once per process. */
export function liblinuxns(): Liblinuxns | undefined {
  if (bound !== undefined) return bound ?? undefined;
  try {
    const so = koffi.load(process.env.LINUXNS_LIBRARY ?? libraryPath);
    // Named once per process: koffi refuses a second struct of the same name.
    koffi.struct('lns_settings', {
      hostname: 'const char *', domainname: 'const char *', root: 'const char *', cwd: 'const char *',
      propagation: 'int', umask: 'int', setsid: 'int', pdeathsig: 'int', no_new_privs: 'int',
      nrlimit: 'int', rlimits: 'const int64_t *', ngroups: 'int', groups: 'const uint32_t *',
      gid: 'int64_t', uid: 'int64_t', preserve_credentials: 'int', has_caps: 'int', last_cap: 'int',
      cap_bounding: 'uint64_t', cap_effective: 'uint64_t', cap_permitted: 'uint64_t', cap_inheritable: 'uint64_t', cap_ambient: 'uint64_t',
      setgroups: 'const char *', uid_map: 'const char *', gid_map: 'const char *', userns_root: 'int', time_offsets: 'const char *',
    });
    bound = {
      exitFd: so.func('int lns_exit_fd(void)') as () => number,
      spawn: so.func('int lns_spawn(const char *path, const char **argv, const char **sh_argv, const char **envp, const int *join, int njoin, int clone_flags, const int *stdio, const lns_settings *settings)') as Liblinuxns['spawn'],
    };
  } catch {
    bound = null;
  }
  return bound ?? undefined;
}
