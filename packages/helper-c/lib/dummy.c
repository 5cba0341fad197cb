/*
 * The user-namespace dummy of userns-cache (runc's userns Handles), made in-process.
 *
 * clone(CLONE_NEWUSER | CLONE_VM) on a small stack of the calling thread: no
 * copy of the caller's page tables (a Node heap makes fork() cost ~600 us;
 * this costs ~130 us). The price is that the child shares the caller's
 * memory, so it runs only raw system calls on its own stack, with every
 * signal blocked: no libc (errno and TLS belong to the caller's thread), no
 * allocation, no return. It sets PR_SET_PDEATHSIG (dies with the calling
 * thread), checks its parent is still there, puts itself under
 * PTRACE_TRACEME and stops: it never runs anything in the new namespace.
 * When one of those calls fails it cannot use errno or print: it writes the
 * errno into the caller's struct dummy_report (shared memory) and exits with
 * the step of that call (LNS_STEP_PDEATHSIG...), which start_dummy reports.
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

/* Never an instrumented call on the dummy's stack: always inlined, never sanitized. */
#define RAW_SYSCALL static inline __attribute__((always_inline, no_sanitize("address", "undefined")))

#if defined(__x86_64__)
RAW_SYSCALL long raw4(long n, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
RAW_SYSCALL long raw4(long n, long a, long b, long c, long d) {
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

/* Shared with the dummy (CLONE_VM): the parent's pid in, the errno of a failed call out. */
struct dummy_report {
  long parent;
  volatile int err;
};

/* The dummy's early exit: the errno for the caller, then exit with the step of the call. */
__attribute__((no_sanitize("address", "undefined"), noreturn, always_inline))
static inline void dummy_fail(struct dummy_report *report, int step, long err) {
  report->err = (int)err;
  for (;;) raw4(SYS_exit, step, 0, 0, 0);
}

/* The dummy. Runs on its own stack in the caller's memory: raw system calls only. */
__attribute__((no_sanitize("address", "undefined"), noreturn))
static int dummy_main(void *arg) {
  struct dummy_report *report = arg;
  long r;
  if ((r = raw4(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0)) != 0) dummy_fail(report, LNS_STEP_PDEATHSIG, -r);
  /* The calling thread's process died before the prctl: it would never hear of us. */
  if (raw4(SYS_getppid, 0, 0, 0, 0) != report->parent) dummy_fail(report, LNS_STEP_PARENT, ESRCH);
  if ((r = raw4(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0)) != 0) dummy_fail(report, LNS_STEP_TRACEME, -r);
  if ((r = raw4(SYS_kill, raw4(SYS_getpid, 0, 0, 0, 0), SIGSTOP, 0, 0)) != 0) dummy_fail(report, LNS_STEP_SIGSTOP, -r);
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

int lns_write_proc(int pid, const char *file, const char *data, size_t len) {
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
  struct dummy_report report = {.parent = getpid(), .err = 0};
  sigset_t all, saved;
  sigfillset(&all);
  /* The child starts with this mask: no handler of the caller's ever runs on the dummy's stack. */
  int e = pthread_sigmask(SIG_SETMASK, &all, &saved);
  if (e != 0) return fail(LNS_STEP_CLONE, e);
  pid_t pid = clone(dummy_main, stack + DUMMY_STACK, CLONE_NEWUSER | CLONE_VM | SIGCHLD, &report);
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
    /* It ended on its own (reaped already): a failed call exits with its step, the errno in report. */
    int step = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    if (step >= LNS_STEP_PDEATHSIG && step <= LNS_STEP_SIGSTOP) return fail(step, report.err != 0 ? report.err : ECHILD);
    return fail(LNS_STEP_STOP, ECHILD);
  }
  return pid;
}

static int write_maps(pid_t pid, const char *uid_map, size_t uid_len, const char *gid_map, size_t gid_len) {
  int err;
  if (uid_len && (err = lns_write_proc(pid, "uid_map", uid_map, uid_len)) != 0) return fail(LNS_STEP_UID_MAP, err);
  if (gid_len) {
    err = lns_write_proc(pid, "gid_map", gid_map, gid_len);
    if (err == EPERM) {
      if ((err = lns_write_proc(pid, "setgroups", "deny", 4)) != 0) return fail(LNS_STEP_SETGROUPS, err);
      err = lns_write_proc(pid, "gid_map", gid_map, gid_len);
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
  /*
   * The stack must outlive this call: the dummy stays stopped on it, and nothing here can know
   * when it dies. So one call per process: later ones get -EBUSY (the test hook needs one).
   */
  static _Alignas(16) char stack[DUMMY_STACK];
  static int used;
  if (__atomic_exchange_n(&used, 1, __ATOMIC_SEQ_CST)) return -EBUSY;
  int pid = start_dummy(stack);
  if (pid >= 0) {
    int result = write_maps(pid, uid_map, uid_len, NULL, 0);
    if (result == 0) return pid;
    if (kill_and_reap(pid) != 0) return result; /* not known to be gone: the stack stays taken */
    pid = result;
  }
  /* No dummy is left on the stack: it is free again. */
  __atomic_store_n(&used, 0, __ATOMIC_SEQ_CST);
  return pid;
}
