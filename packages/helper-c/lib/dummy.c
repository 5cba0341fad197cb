/*
 * The user-namespace dummy of userns-cache (seed 001), made in-process.
 *
 * clone(CLONE_NEWUSER | CLONE_VM) on a small stack of the calling thread: no
 * copy of the caller's page tables (a Node heap makes fork() cost ~600 us;
 * this costs ~130 us). The price is that the child shares the caller's
 * memory, so it runs only raw system calls on its own stack, with every
 * signal blocked: no libc (errno and TLS belong to the caller's thread), no
 * allocation, no return. It sets PR_SET_PDEATHSIG (dies with the calling
 * thread), checks its parent is still there, puts itself under
 * PTRACE_TRACEME and stops: it never runs anything in the new namespace.
 *
 * The caller's side waits for that stop, writes the maps with its own
 * privileges in the parent namespace, opens /proc/PID/ns/user, then kills
 * and reaps the dummy. Every path kills and reaps it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "liblinuxns.h"

#define DUMMY_STACK 16384

#if defined(__x86_64__)
static inline long raw4(long n, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
static inline long raw4(long n, long a, long b, long c, long d) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
#else
#error "liblinuxns: raw system calls are written for x86_64 and aarch64 only"
#endif

/* The dummy. Runs on its own stack in the caller's memory: raw system calls only. */
__attribute__((no_sanitize("address", "undefined"), noreturn))
static int dummy_main(void *arg) {
  long parent = *(const long *)arg;
  if (raw4(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0) != 0) raw4(SYS_exit, 1, 0, 0, 0);
  /* The calling thread's process died before the prctl: it would never hear of us. */
  if (raw4(SYS_getppid, 0, 0, 0, 0) != parent) raw4(SYS_exit, 1, 0, 0, 0);
  if (raw4(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != 0) raw4(SYS_exit, 1, 0, 0, 0);
  raw4(SYS_kill, raw4(SYS_getpid, 0, 0, 0, 0), SIGSTOP, 0, 0);
  for (;;) raw4(SYS_exit, 0, 0, 0, 0);
}

static int fail(int step, int err) {
  return -((step << 16) | (err & 0xffff));
}

static pid_t wait_for(pid_t pid, int *status) {
  pid_t r;
  while ((r = waitpid(pid, status, __WALL)) < 0 && errno == EINTR) {}
  return r;
}

/* Kills and reaps the dummy; 0, or the errno of a wait that failed. */
static int kill_and_reap(pid_t pid) {
  int status;
  kill(pid, SIGKILL);
  for (;;) {
    if (wait_for(pid, &status) < 0) return errno;
    if (WIFEXITED(status) || WIFSIGNALED(status)) return 0;
  }
}

static int write_proc(pid_t pid, const char *file, const char *data, size_t len) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = write(fd, data, len);
  int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
  close(fd);
  return err;
}

/* Starts the dummy and waits for its stop. The pid, or a negative error. */
static int start_dummy(char *stack) {
  long parent = getpid();
  sigset_t all, saved;
  sigfillset(&all);
  /* The child starts with this mask: no handler of the caller's ever runs on the dummy's stack. */
  int e = pthread_sigmask(SIG_SETMASK, &all, &saved);
  if (e != 0) return fail(LNS_STEP_CLONE, e);
  pid_t pid = clone(dummy_main, stack + DUMMY_STACK, CLONE_NEWUSER | CLONE_VM | SIGCHLD, &parent);
  int clone_err = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (pid < 0) return fail(LNS_STEP_CLONE, clone_err);
  int status;
  if (wait_for(pid, &status) < 0) {
    int err = errno;
    kill_and_reap(pid);
    return fail(LNS_STEP_STOP, err);
  }
  if (!WIFSTOPPED(status)) {
    /* It exited on its own (its prctl, parent check or ptrace failed): reaped already. */
    return fail(LNS_STEP_STOP, ECHILD);
  }
  return pid;
}

static int write_maps(pid_t pid, const char *uid_map, size_t uid_len, const char *gid_map, size_t gid_len) {
  int err;
  if (uid_len && (err = write_proc(pid, "uid_map", uid_map, uid_len)) != 0) return fail(LNS_STEP_UID_MAP, err);
  if (gid_len) {
    err = write_proc(pid, "gid_map", gid_map, gid_len);
    if (err == EPERM) {
      if ((err = write_proc(pid, "setgroups", "deny", 4)) != 0) return fail(LNS_STEP_SETGROUPS, err);
      err = write_proc(pid, "gid_map", gid_map, gid_len);
    }
    if (err != 0) return fail(LNS_STEP_GID_MAP, err);
  }
  return 0;
}

int lns_userns_dummy(const char *uid_map, size_t uid_len, const char *gid_map, size_t gid_len) {
  _Alignas(16) char stack[DUMMY_STACK];
  int pid = start_dummy(stack);
  if (pid < 0) return pid;
  int result = write_maps(pid, uid_map, uid_len, gid_map, gid_len);
  if (result == 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
    result = open(path, O_RDONLY | O_CLOEXEC);
    if (result < 0) result = fail(LNS_STEP_OPEN, errno);
  }
  int err = kill_and_reap(pid);
  if (err != 0) {
    if (result >= 0) close(result);
    return fail(LNS_STEP_REAP, err);
  }
  return result;
}

int lns_userns_dummy_leave_stopped(const char *uid_map, size_t uid_len) {
  /* The stack must outlive this call: the dummy stays stopped on it. One at a time. */
  static _Alignas(16) char stack[DUMMY_STACK];
  int pid = start_dummy(stack);
  if (pid < 0) return pid;
  int result = write_maps(pid, uid_map, uid_len, NULL, 0);
  if (result != 0) {
    kill_and_reap(pid);
    return result;
  }
  return pid;
}
