/*
 * lns_spawn: a command started from the calling thread without a copy of the
 * caller's address space and without a second exec of a helper program:
 * clone(CLONE_VM | CLONE_VFORK) with the new namespaces in the clone flags,
 * then, in the child, the joins, a private mount propagation, the process
 * settings (settings.c), stdio and execve. A pid namespace joined applies to
 * children only: the calling thread enters it around the clone. The caller is
 * suspended until the child has exec'd or exited (CLONE_VFORK), so the child
 * may use the caller's memory: it reports a failure there, and between clone
 * and execve it calls only async-signal-safe system calls and allocates
 * nothing; what it reads lives on its own stack mapping.
 *
 * A new user namespace needs its maps written from outside while the child
 * waits, which CLONE_VFORK rules out: then the clone is CLONE_VM alone, the
 * child waits on a pipe for the caller's maps (end of file: the caller failed
 * or died), and the caller, its signals still blocked, waits for the child's
 * exec as end of file on a close-on-exec pipe before it returns.
 *
 * Exits are reaped by one thread of this library (reaper.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "liblinuxns.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define CHILD_STACK (64 * 1024)

/* What the child needs, and where it says what failed (in the caller's memory: CLONE_VM). */
struct child_args {
  const char *path;
  char *const *argv;
  char *const *sh_argv; /* ["sh", path, args..., NULL]: execvp's fallback for ENOEXEC */
  char *const *envp;
  const int *join; /* [fd, CLONE_NEW* type] pairs; CLONE_NEWPID ones were joined by the caller */
  int njoin;
  int propagation; /* MS_* flags for a new mount namespace, 0 for none */
  const struct lns_settings *settings;
  int parent; /* the caller's pid as the child sees it; 0 across a pid namespace */
  const int *stdio;
  int new_time; /* unshare(CLONE_NEWTIME) in the child, then settings->time_offsets */
  int go; /* a new user namespace: the read end the child waits on for its maps (else -1) */
  int go_w, status_r; /* ... and the caller's ends, which the child's copy of the fd table closes */
  int step;
  int err;
};

static int fail(struct child_args *a, int step) {
  a->err = errno;
  a->step = step;
  _exit(127);
}

/* Root of a joined user namespace, as nsenter: raw system calls (glibc's would signal the caller's threads). */
static void become_root(struct child_args *a) {
  if (syscall(SYS_setgroups, 0, NULL) != 0 && errno != EPERM) fail(a, LNS_STEP_JOIN_SETGROUPS);
  if (syscall(SYS_setresgid, 0, 0, 0) != 0) fail(a, LNS_STEP_JOIN_SETRESGID);
  if (syscall(SYS_setresuid, 0, 0, 0) != 0) fail(a, LNS_STEP_JOIN_SETRESUID);
}

static int child_main(void *p) {
  struct child_args *a = p;
  if (a->go >= 0) {
    /*
     * A new user namespace: wait for the caller's maps. End of file: it failed (and kills us) or died.
     * Nothing before the read may fail: the caller runs meanwhile and this child shares its errno.
     */
    close(a->go_w);
    close(a->status_r);
    char c;
    ssize_t n;
    while ((n = read(a->go, &c, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) _exit(127);
    close(a->go);
    if (a->settings->userns_root && (syscall(SYS_setresgid, 0, 0, 0) != 0 || syscall(SYS_setresuid, 0, 0, 0) != 0)) fail(a, LNS_STEP_USERNS_ROOT);
  }
  /* Node's handlers are not the program's: every signal back to its default (as libuv does), then unblocked. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; s++) (void)sigaction(s, &dfl, NULL);
  /* The user namespace last (its owner's privileges then apply to nothing else joined), as the helper. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < a->njoin; i++) {
      int type = a->join[2 * i + 1];
      if (type == CLONE_NEWPID || (type == CLONE_NEWUSER) != pass) continue;
      if (setns(a->join[2 * i], type) != 0) fail(a, LNS_STEP_JOIN);
      if (type == CLONE_NEWUSER && !(a->settings && a->settings->preserve_credentials)) become_root(a);
    }
  if (a->new_time) {
    if (unshare(CLONE_NEWTIME) != 0) fail(a, LNS_STEP_TIME);
    const char *t = a->settings ? a->settings->time_offsets : NULL;
    if (t && *t) {
      /* Before any process is in it: this child enters it only at its exec. */
      int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      if (fd < 0) fail(a, LNS_STEP_TIME_OFFSETS);
      size_t len = strlen(t);
      ssize_t n = write(fd, t, len);
      if (n != (ssize_t)len) {
        if (n >= 0) errno = EIO;
        fail(a, LNS_STEP_TIME_OFFSETS);
      }
      close(fd);
    }
  }
  if (a->propagation && mount("none", "/", NULL, (unsigned long)a->propagation, NULL) != 0) fail(a, LNS_STEP_PROPAGATION);
  int step;
  if (a->settings && (step = lns_apply_settings(a->settings, a->parent)) != 0) fail(a, step);
  /* stdio: dup2 clears close-on-exec on the copy; an fd already in place gets it cleared by hand. */
  for (int i = 0; i < 3; i++) {
    int fd = a->stdio[i];
    if (fd == i) {
      if (fcntl(i, F_SETFD, 0) != 0) fail(a, LNS_STEP_STDIO);
    } else if (dup2(fd, i) != i) {
      fail(a, LNS_STEP_STDIO);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, NULL) != 0) fail(a, LNS_STEP_STDIO);
  execve(a->path, a->argv, a->envp);
  if (errno == ENOEXEC && a->sh_argv) {
    execve("/bin/sh", a->sh_argv, a->envp);
    errno = ENOEXEC;
  }
  return fail(a, LNS_STEP_EXEC);
}

/* ------------------------------------------------------------------ spawn */

static int neg(int step, int e) {
  return -((step << 16) | e);
}

/* A child nobody else knows: killed (KILL) or already exiting, reaped here, its pidfd closed. */
static void kill_and_reap(int pidfd, int kill) {
  if (kill) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  siginfo_t si;
  while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0 && errno == EINTR) {
  }
  close(pidfd);
}

/* The pid namespace joined, if any: the fd of the last CLONE_NEWPID pair, else -1. */
static int pid_join(const int *join, int njoin) {
  int fd = -1;
  for (int i = 0; i < njoin; i++)
    if (join[2 * i + 1] == CLONE_NEWPID) fd = join[2 * i];
  return fd;
}

/* The parent's side of a new user namespace: setgroups, uid_map, gid_map written (the helper's order), then the go byte. */
static int write_maps(int pid, const struct lns_settings *s, int go_w) {
  int e;
  if (s->setgroups && (e = lns_write_proc(pid, "setgroups", s->setgroups, strlen(s->setgroups))) != 0) return neg(LNS_STEP_SETGROUPS, e);
  if (s->uid_map && *s->uid_map && (e = lns_write_proc(pid, "uid_map", s->uid_map, strlen(s->uid_map))) != 0) return neg(LNS_STEP_UID_MAP, e);
  if (s->gid_map && *s->gid_map && (e = lns_write_proc(pid, "gid_map", s->gid_map, strlen(s->gid_map))) != 0) return neg(LNS_STEP_GID_MAP, e);
  if (write(go_w, "g", 1) != 1) return neg(LNS_STEP_SYNC, errno);
  return 0;
}

/* Waits for end of file on FD (the child's exec, or its exit), then closes it. */
static void wait_eof(int fd) {
  char c;
  while (read(fd, &c, 1) < 0 && errno == EINTR) {
  }
  close(fd);
}

int lns_spawn(const char *path, char *const *argv, char *const *sh_argv, char *const *envp, const int *join, int njoin, int clone_flags, const int *stdio, const struct lns_settings *settings) {
  if (!lns_reaper_started()) return neg(LNS_STEP_NONE, EBADF); /* lns_exit_fd first */
  if (clone_flags & ~(CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWTIME)) return neg(LNS_STEP_NONE, EINVAL);
  int new_time = (clone_flags & CLONE_NEWTIME) != 0;
  clone_flags &= ~CLONE_NEWTIME; /* the exit signal's bits of clone(2)'s flags: unshared by the child */
  int user = (clone_flags & CLONE_NEWUSER) != 0;
  if (user && (!settings || njoin > 0)) return neg(LNS_STEP_NONE, EINVAL);
  int join_pid = pid_join(join, njoin);
  if (join_pid >= 0 && (clone_flags & CLONE_NEWPID)) return neg(LNS_STEP_NONE, EINVAL);
  for (int i = 0; i < njoin; i++)
    if (join[2 * i + 1] == CLONE_NEWUSER && clone_flags) return neg(LNS_STEP_NONE, EINVAL);
  int propagation = !(clone_flags & CLONE_NEWNS) ? 0 : settings ? settings->propagation : MS_REC | MS_PRIVATE;
  /* getppid() in the child reads 0 across a pid namespace: then it cannot tell a parent that died. */
  int parent = join_pid >= 0 || (clone_flags & CLONE_NEWPID) ? 0 : getpid();
  /* A new user namespace: go (the caller's maps are written) and status (end of file at the child's exec). */
  int go[2] = {-1, -1}, status[2] = {-1, -1};
  if (user && (pipe2(go, O_CLOEXEC) != 0 || pipe2(status, O_CLOEXEC) != 0)) {
    int e = errno;
    if (go[0] >= 0) close(go[0]), close(go[1]);
    return neg(LNS_STEP_SYNC, e);
  }
  /* The calling thread's own pid namespace for children, to go back to after the clone. */
  int own_pid = -1;
  if (join_pid >= 0) {
    own_pid = open("/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
    if (own_pid < 0) return neg(LNS_STEP_JOIN_PID, errno);
    if (setns(join_pid, CLONE_NEWPID) != 0) {
      int e = errno;
      close(own_pid);
      return neg(LNS_STEP_JOIN, e);
    }
  }
  /* ENVP NULL: the caller's environment as it is now, its pointers copied beside the child's arguments. */
  size_t nenv = 0;
  if (!envp)
    while (environ[nenv]) nenv++;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t size = (CHILD_STACK + sizeof(struct child_args) + (nenv + 1) * sizeof(char *) + page - 1) / page * page;
  void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    int e = errno;
    if (own_pid >= 0) {
      (void)setns(own_pid, CLONE_NEWPID);
      close(own_pid);
    }
    for (int i = 0; i < 2 && user; i++) close(go[i]), close(status[i]);
    return neg(LNS_STEP_CLONE, e);
  }
  /* What the child reads lives at the bottom of its own stack mapping, never on the caller's stack. */
  struct child_args *a = stack;
  if (!envp) {
    /*
     * Node changes process.env on the calling thread only (a worker's is a copy unless SHARE_ENV), and the
     * strings stay valid after a later change: glibc never frees what setenv made.
     */
    char **copy = (char **)(a + 1);
    for (size_t i = 0; i < nenv && environ[i]; i++) copy[i] = environ[i];
    copy[nenv] = NULL;
    envp = copy;
  }
  *a = (struct child_args){path, argv, sh_argv, envp, join, njoin, propagation, settings, parent, stdio, new_time, go[0], go[1], status[0], 0, 0};
  /*
   * No signal handler of the caller may run in the child while it shares the caller's memory, nor, for a
   * new user namespace, on this thread until the child exec'd (they share errno): all blocked till then.
   */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int pidfd = -1;
  int flags = CLONE_VM | (user ? 0 : CLONE_VFORK) | CLONE_PIDFD | SIGCHLD | clone_flags;
  pid_t pid = clone(child_main, (char *)stack + size, flags, a, &pidfd);
  int clone_errno = errno;
  int maps = 0;
  if (user) {
    close(go[0]);
    close(status[1]);
    if (pid > 0) maps = write_maps(pid, settings, go[1]);
    close(go[1]); /* end of file: a child whose maps failed exits (it is killed as well) */
    if (pid > 0 && maps != 0) syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    wait_eof(status[0]);
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  int step = a->step, err = a->err;
  munmap(stack, size);
  /* Back to the caller's own pid namespace for children: its later children (libuv's too) are made there. */
  int back_errno = 0;
  if (own_pid >= 0) {
    if (setns(own_pid, CLONE_NEWPID) != 0) back_errno = errno;
    close(own_pid);
  }
  if (pid < 0) return neg(LNS_STEP_CLONE, clone_errno);
  if (maps != 0) {
    kill_and_reap(pidfd, 0);
    return maps;
  }
  if (step != 0) {
    /* It exited before exec: reap it here, nobody else knows it. */
    kill_and_reap(pidfd, 0);
    return neg(step, err);
  }
  if (back_errno != 0) {
    /* Cannot happen (a thread may always go back to its active pid namespace); if it did, nothing is started. */
    kill_and_reap(pidfd, 1);
    return neg(LNS_STEP_JOIN_PID, back_errno);
  }
  if (lns_reaper_watch(pidfd, pid) != 0) {
    /* Not watched, so reaped here: the command is killed rather than left a zombie nobody waits for. */
    int e = errno;
    kill_and_reap(pidfd, 1);
    return neg(LNS_STEP_WATCH, e);
  }
  return pid;
}
