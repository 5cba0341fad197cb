/*
 * liblinuxns: the in-process half of helper-c, loaded by @linuxns/userns-cache
 * through koffi. What needs no exec and no helper process:
 *
 *   - lns_userns_dummy: a user namespace with the given id maps, made by a
 *     dummy child that never runs anything in it (runc's userns Handles), its
 *     /proc/PID/ns/user opened, the dummy killed and reaped before return.
 *
 * Every function returns a non-negative result or a negative error:
 * -(step << 16 | errno), where step is one of LNS_STEP_* (0 for the calls that
 * have a single step). Callers split it with `(-r) & 0xffff` and `(-r) >> 16`.
 * File descriptors returned are O_CLOEXEC and owned by the caller.
 */
#ifndef LIBLINUXNS_H
#define LIBLINUXNS_H

#include <stddef.h>

/* The library is built with -fvisibility=hidden: only these are exported. */
#define LNS_API __attribute__((visibility("default")))

enum lns_step {
  LNS_STEP_NONE = 0,
  LNS_STEP_CLONE = 1,     /* clone(CLONE_NEWUSER | CLONE_VM) of the dummy */
  LNS_STEP_STOP = 2,      /* waiting for the dummy's ptrace stop */
  LNS_STEP_UID_MAP = 3,   /* writing /proc/PID/uid_map */
  LNS_STEP_SETGROUPS = 4, /* writing "deny" to /proc/PID/setgroups */
  LNS_STEP_GID_MAP = 5,   /* writing /proc/PID/gid_map */
  LNS_STEP_OPEN = 6,      /* opening /proc/PID/ns/user */
  LNS_STEP_REAP = 7,      /* killing and reaping the dummy */
  /*
   * The dummy's own calls, before its stop: it exits with the step of the one that failed
   * (its errno is passed back in memory it shares with the caller).
   */
  LNS_STEP_PDEATHSIG = 8, /* prctl(PR_SET_PDEATHSIG) in the dummy */
  LNS_STEP_PARENT = 9,    /* the dummy's parent died before its prctl (getppid; ESRCH) */
  LNS_STEP_TRACEME = 10,  /* ptrace(PTRACE_TRACEME) in the dummy: EPERM under Yama ptrace_scope=3,
                             a seccomp policy, or a tracer that follows clones (strace -f) */
  LNS_STEP_SIGSTOP = 11,  /* kill(getpid(), SIGSTOP) in the dummy */
  /* lns_spawn's child (LNS_STEP_CLONE: its clone, which makes the new namespaces). */
  LNS_STEP_JOIN = 12,        /* setns of one of the joins */
  LNS_STEP_PROPAGATION = 13, /* a new mount namespace made private, recursively (unshare(1)'s default) */
  LNS_STEP_STDIO = 14,       /* dup2 of stdio, or the signal mask */
  LNS_STEP_EXEC = 15,        /* execve */
  LNS_STEP_WATCH = 16,       /* the pidfd given to the reaping thread (the command was killed and reaped) */
  /* lns_spawn's settings (struct lns_settings), one step per system call, in the order they run. */
  LNS_STEP_HOSTNAME = 17,     /* sethostname */
  LNS_STEP_DOMAINNAME = 18,   /* setdomainname */
  LNS_STEP_RLIMIT = 19,       /* setrlimit */
  LNS_STEP_SETSID = 20,       /* setsid */
  LNS_STEP_DEATHSIG = 21,     /* prctl(PR_SET_PDEATHSIG), or the caller gone before it (ESRCH) */
  LNS_STEP_ROOT = 22,         /* chroot, and chdir("/") in the new root */
  LNS_STEP_CWD = 23,          /* chdir */
  LNS_STEP_KEEPCAPS = 24,     /* prctl(PR_SET_KEEPCAPS) before the ids change */
  LNS_STEP_BOUNDING = 25,     /* prctl(PR_CAPBSET_DROP) */
  LNS_STEP_SETGROUPS_IDS = 26, /* setgroups of the supplementary groups */
  LNS_STEP_SETRESGID = 27,    /* setresgid */
  LNS_STEP_SETRESUID = 28,    /* setresuid */
  LNS_STEP_CAPGET = 29,       /* capget */
  LNS_STEP_CAPSET = 30,       /* capset */
  LNS_STEP_AMBIENT = 31,      /* prctl(PR_CAP_AMBIENT) */
  LNS_STEP_NO_NEW_PRIVS = 32, /* prctl(PR_SET_NO_NEW_PRIVS) */
  LNS_STEP_JOIN_PID = 33,     /* the calling thread's setns into a joined pid namespace (or back) around the clone */
  LNS_STEP_JOIN_SETGROUPS = 34, /* becoming root of a joined user namespace: setgroups(0) (EPERM is let pass, as nsenter) */
  LNS_STEP_JOIN_SETRESGID = 35, /* ... setresgid(0) */
  LNS_STEP_JOIN_SETRESUID = 36, /* ... setresuid(0) */
  LNS_STEP_SYNC = 37,          /* the pipes between lns_spawn and a child in a new user namespace */
  LNS_STEP_USERNS_ROOT = 38,   /* userns_root: setresgid/setresuid(0) in the new user namespace once mapped */
  LNS_STEP_TIME = 39,          /* unshare(CLONE_NEWTIME) in the child (it enters the namespace at its exec) */
  LNS_STEP_TIME_OFFSETS = 40,  /* writing /proc/self/timens_offsets in the child */
  /* And, for a new user namespace, the parent's LNS_STEP_SETGROUPS, LNS_STEP_UID_MAP and LNS_STEP_GID_MAP (above). */
};

/*
 * lns_spawn's process settings, applied in the child in the helper's order
 * (helper-c/src/run.c): hostname, domainname, the new mount namespace's
 * propagation, umask, rlimits, setsid, parent-death signal, chroot, chdir,
 * keep-caps and the bounding set, groups, gid, uid, the other capability sets,
 * no_new_privs. Everything is prepared by the caller: the child only makes
 * system calls with these values. A field at its "none" value is not applied.
 */
struct lns_settings {
  const char *hostname;   /* NULL: none */
  const char *domainname; /* NULL: none */
  const char *root;       /* chroot; NULL: none */
  const char *cwd;        /* chdir after the chroot; NULL: none */
  int propagation;        /* MS_* flags of the mount("none", "/") of a new mount namespace; 0: unchanged */
  int umask;              /* -1: inherited */
  int setsid;             /* 1: a new session */
  int pdeathsig;          /* 0: none */
  int no_new_privs;       /* 1: PR_SET_NO_NEW_PRIVS last */
  int nrlimit;
  const long long *rlimits; /* nrlimit [resource, soft, hard]; -1 is RLIM_INFINITY */
  int ngroups;              /* -1: the groups are left as they are */
  const unsigned *groups;
  long long gid;            /* -1: left */
  long long uid;            /* -1: left */
  int preserve_credentials; /* 1: the ids are kept across a join of a user namespace (else root in it, as nsenter) */
  int has_caps;             /* 0: the capability sets are left as they are */
  int last_cap;             /* /proc/sys/kernel/cap_last_cap, read by the caller */
  unsigned long long cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  /* A new user namespace (CLONE_NEWUSER in lns_spawn's flags): what the parent writes to the child's /proc files. */
  const char *setgroups; /* "allow", "deny", or NULL: not written; written first */
  const char *uid_map;   /* the text of uid_map; NULL or "": not written */
  const char *gid_map;   /* the text of gid_map; NULL or "": not written */
  int userns_root;       /* 1: uid and gid 0 of the new namespace once mapped, before the other settings */
  /* A new time namespace (CLONE_NEWTIME in lns_spawn's flags): the text of timens_offsets; NULL or "": not written. */
  const char *time_offsets;
};

/*
 * A new user namespace with these maps (the text of uid_map and gid_map,
 * each written in one write; an empty map is not written). gid_map is written
 * with setgroups left as it is; if the kernel refuses that (EPERM: the caller
 * lacks CAP_SETGID over the parent namespace), "deny" is written to setgroups
 * and gid_map written again, as user_namespaces(7) requires.
 * Returns the namespace fd. No process is left on any path.
 */
LNS_API int lns_userns_dummy(const char *uid_map, size_t uid_len, const char *gid_map, size_t gid_len);

/*
 * Test hook: makes the dummy as above and returns its pid with the dummy left
 * stopped (it dies with the calling thread, PR_SET_PDEATHSIG). Only for the
 * test that kills the caller half-way. The dummy stays on a static stack
 * that nothing can tell is free again, so it works once per process: every
 * later call returns -EBUSY (step 0) and makes nothing.
 */
LNS_API int lns_userns_dummy_leave_stopped(const char *uid_map, size_t uid_len);

/*
 * The read end of the pipe on which this library's reaping thread reports
 * the exits of the commands lns_spawn started, started on first call (the
 * same fd on every later call; O_CLOEXEC). Each exit is one 12-byte record of
 * three native int32: pid, si_code (CLD_EXITED, CLD_KILLED, CLD_DUMPED) and
 * si_status (the exit code or the signal). Negative errno on failure.
 */
LNS_API int lns_exit_fd(void);

/*
 * Starts PATH (absolute, or relative to the cwd: no PATH search) with ARGV
 * and ENVP (NULL-terminated; ENVP NULL: the caller's environ as it is at the
 * call, its pointers copied before the clone; when the kernel cannot execute PATH, ENOEXEC,
 * /bin/sh with SH_ARGV instead, as execvp does, if SH_ARGV is not NULL) from the calling thread, by
 * clone(CLONE_VM | CLONE_VFORK) with CLONE_FLAGS (any of CLONE_NEWNET, UTS,
 * IPC, NS, CGROUP, PID, USER: made by the clone; TIME: see below; a new mount namespace is made
 * private recursively, or as SETTINGS' propagation says), then in the child: setns of each of the NJOIN
 * [fd, type] pairs of JOIN in order, stdio[0..2] made its fds 0, 1 and 2,
 * every signal back to its default and unblocked, execve. Returns once the
 * command has exec'd: its pid, its exit reported later on lns_exit_fd's pipe.
 * A failure before exec returns -(step << 16 | errno) with the child already
 * reaped. Needs lns_exit_fd called once first (else -EBADF). Only
 * async-signal-safe calls and no allocation happen in the child.
 *
 * A join of type CLONE_NEWPID applies to children only: the calling thread
 * enters it just before the clone and goes back to its own pid namespace for
 * children right after (LNS_STEP_JOIN_PID), so the command is made in it.
 * CLONE_NEWUSER in CLONE_FLAGS (needs SETTINGS) makes a new user namespace,
 * owner of the other new ones: the child is then not a vfork child but waits,
 * on its own stack, for the caller to write its setgroups, uid_map and gid_map
 * (LNS_STEP_SETGROUPS, UID_MAP, GID_MAP; the child is killed and reaped), and
 * the caller waits for its exec on a close-on-exec pipe. No join may come with
 * it (they would be made from inside the new namespace): -EINVAL.
 * CLONE_NEWTIME in CLONE_FLAGS is not a clone flag (its bit is the exit
 * signal's): the child unshares it after the joins, writes SETTINGS'
 * time_offsets to /proc/self/timens_offsets, and enters it at its exec.
 * A join of CLONE_NEWUSER comes after the others, as the helper's, and makes
 * the child root in it unless SETTINGS say preserve_credentials; it cannot be
 * combined with CLONE_FLAGS (the new namespaces would be owned by the
 * caller's user namespace, not the joined one): -EINVAL.
 * SETTINGS (NULL: none) are applied after the joins, before stdio.
 */
LNS_API int lns_spawn(const char *path, char *const *argv, char *const *sh_argv, char *const *envp, const int *join, int njoin, int clone_flags, const int *stdio, const struct lns_settings *settings);

/* Internal (not exported), reaper.c: lns_exit_fd was called; and PIDFD (of PID) given to the reaping thread (0, or -1 with errno). */
int lns_reaper_started(void);
int lns_reaper_watch(int pidfd, int pid);

/* Internal (not exported): writes DATA to /proc/PID/FILE in one write; 0 or the errno. */
int lns_write_proc(int pid, const char *file, const char *data, size_t len);

/* Internal (not exported): applies SETTINGS in lns_spawn's child; 0, or the LNS_STEP_* that failed with errno set. */
int lns_apply_settings(const struct lns_settings *settings, int parent);

#endif
