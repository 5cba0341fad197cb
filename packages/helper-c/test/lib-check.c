/*
 * Drives liblinuxns under AddressSanitizer and UBSan (bin/liblinuxns-check-asan,
 * built by `node build.js --sanitize`; run by test/lib.test.js). Makes dummies
 * with good and bad maps, checks the namespace they leave, and that no child
 * is left. Prints one line per check; exits non-zero on the first failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "liblinuxns.h"

static int failed;

static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) failed = 1;
}

static int no_children(void) {
  return waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD;
}

#if defined(__x86_64__)
#define CHECK_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CHECK_ARCH AUDIT_ARCH_AARCH64
#endif

/*
 * lns_userns_dummy in a forked child under a seccomp filter that fails system call `nr` with
 * `err` when its argument `arg` (low 32 bits) is `value` (inherited by the dummy): what the
 * call returned, or a positive number when the child itself failed.
 */
static int dummy_under_filter(int nr, int arg, unsigned value, int err, const char *map) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return 1;
  pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CHECK_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args) + 8 * arg),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
    int r = 3;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) {
      r = lns_userns_dummy(map, strlen(map), map, strlen(map));
      if (r >= 0) close(r);
      if (!no_children()) r = 4;
    }
    _exit(write(fds[1], &r, sizeof r) == sizeof r ? 0 : 1);
  }
  close(fds[1]);
  int r = 5;
  if (read(fds[0], &r, sizeof r) != sizeof r) r = 5;
  close(fds[0]);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  return r;
}

static int is_error(int r, int step, int err) {
  return r < 0 && (-r) >> 16 == step && ((-r) & 0xffff) == err;
}

/* Reads one exit record of lns_exit_fd's pipe: { pid, si_code, si_status }. */
static int next_exit(int fd, int rec[3]) {
  return read(fd, rec, 3 * sizeof(int)) == (ssize_t)(3 * sizeof(int));
}

/* lns_spawn's settings and a pid join: what the command sees (its exit code says), and each failing step. */
static void settings_checks(int efd) {
  char *const envp[] = {"PATH=/bin:/usr/bin", NULL};
  int stdio[3] = {0, 1, 2};
  int rec[3];
  long long rlimits[3] = {RLIMIT_NOFILE, 64, 128};
  unsigned groups[1] = {3000};
  struct lns_settings s = {.hostname = "box", .cwd = "/tmp", .propagation = MS_REC | MS_PRIVATE, .umask = 027, .nrlimit = 1, .rlimits = rlimits,
                           .ngroups = 1, .groups = groups, .gid = 2000, .uid = 1000, .no_new_privs = 1, .setsid = 1};
  char *const probe[] = {"sh", "-c", "[ $(hostname) = box ] && [ $(pwd) = /tmp ] && [ $(umask) = 0027 ] && [ $(ulimit -n) = 64 ] && [ $(id -u) = 1000 ] && [ $(id -g) = 2000 ] && grep -q 'NoNewPrivs:.1' /proc/self/status", NULL};
  int pid = lns_spawn("/bin/sh", probe, NULL, envp, NULL, 0, CLONE_NEWUTS | CLONE_NEWNS, stdio, &s);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[1] == CLD_EXITED && rec[2] == 0, "hostname, cwd, umask, rlimits, ids and no_new_privs are what the command sees");
  struct lns_settings bad_cwd = {.cwd = "/nonexistent/linuxns", .umask = -1, .ngroups = -1, .gid = -1, .uid = -1};
  char *const argv[] = {"sh", "-c", "exit 7", NULL};
  check(is_error(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, 0, stdio, &bad_cwd), LNS_STEP_CWD, ENOENT), "a missing cwd fails at its step with ENOENT");
  struct lns_settings bad_host = {.hostname = "0123456789012345678901234567890123456789012345678901234567890123456789", .umask = -1, .ngroups = -1, .gid = -1, .uid = -1};
  check(is_error(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, CLONE_NEWUTS, stdio, &bad_host), LNS_STEP_HOSTNAME, EINVAL), "a hostname too long fails at its step with EINVAL");
  int self_pid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
  int join[2] = {self_pid, CLONE_NEWPID};
  pid = lns_spawn("/bin/sh", argv, NULL, envp, join, 1, 0, stdio, NULL);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[2] == 7, "a pid join (our own namespace) makes the command there");
  check(lns_spawn("/bin/sh", argv, NULL, envp, join, 1, CLONE_NEWPID, stdio, NULL) == -EINVAL, "a pid namespace both joined and created is refused");
  close(self_pid);
  int self_user = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  int user[2] = {self_user, CLONE_NEWUSER};
  check(lns_spawn("/bin/sh", argv, NULL, envp, user, 1, CLONE_NEWUTS, stdio, NULL) == -EINVAL, "a user join with new namespaces is refused (they would not be owned by it)");
  check(is_error(lns_spawn("/bin/sh", argv, NULL, envp, user, 1, 0, stdio, NULL), LNS_STEP_JOIN, EINVAL), "a join of our own user namespace fails at its step with the kernel's EINVAL");
  close(self_user);
  /* A new user namespace: the maps written by lns_spawn while the child waits, then root in it. */
  struct lns_settings u = {.umask = -1, .ngroups = -1, .gid = -1, .uid = -1, .propagation = MS_REC | MS_PRIVATE, .setgroups = "deny",
                           .uid_map = "0 100000 65536\n", .gid_map = "0 100000 65536\n", .userns_root = 1};
  char *const in_user[] = {"sh", "-c", "[ $(id -u) = 0 ] && [ $(cat /proc/self/setgroups) = deny ] && grep -q '100000.*65536' /proc/self/gid_map && [ $$ = 1 ]", NULL};
  pid = lns_spawn("/bin/sh", in_user, NULL, envp, NULL, 0, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET, stdio, &u);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[1] == CLD_EXITED && rec[2] == 0, "a command in a new user namespace is root there with the maps written, pid 1 of a new pid namespace");
  struct lns_settings overlap = u;
  overlap.uid_map = "0 100000 10\n5 200000 10\n";
  check(is_error(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, CLONE_NEWUSER, stdio, &overlap), LNS_STEP_UID_MAP, EINVAL), "an overlapping uid map fails at its step with EINVAL");
  struct lns_settings bad_cwd_user = u;
  bad_cwd_user.cwd = "/nonexistent/linuxns";
  check(is_error(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, CLONE_NEWUSER, stdio, &bad_cwd_user), LNS_STEP_CWD, ENOENT), "a step after the maps fails with its errno");
  int user_join[2] = {open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), CLONE_NEWNET};
  check(lns_spawn("/bin/sh", argv, NULL, envp, user_join, 1, CLONE_NEWUSER, stdio, &u) == -EINVAL, "a join with a new user namespace is refused");
  close(user_join[0]);
  /* A new time namespace: unshared by the child, entered at its exec with the offsets written. */
  struct lns_settings t = {.umask = -1, .ngroups = -1, .gid = -1, .uid = -1, .time_offsets = "boottime 86400 0\n"};
  char *const in_time[] = {"sh", "-c", "grep -q 'boottime.*86400' /proc/self/timens_offsets && [ $(readlink /proc/self/ns/time) != $(readlink /proc/$PPID/ns/time) ]", NULL};
  pid = lns_spawn("/bin/sh", in_time, NULL, envp, NULL, 0, 0x80 /* CLONE_NEWTIME */, stdio, &t);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[1] == CLD_EXITED && rec[2] == 0, "a command in a new time namespace sees its offsets");
  t.time_offsets = "boottime -1099511627776 0\n";
  check(is_error(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, 0x80, stdio, &t), LNS_STEP_TIME_OFFSETS, ERANGE), "an offset the kernel refuses fails at its step with ERANGE");
}

/* lns_spawn: new namespaces, a join, stdio, exit codes through the reaping thread, each failing step. */
static void spawn_checks(void) {
  char *const argv[] = {"sh", "-c", "exit 7", NULL};
  char *const envp[] = {"PATH=/bin:/usr/bin", NULL};
  int stdio[3] = {0, 1, 2};
  check(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, 0, stdio, NULL) == -EBADF, "lns_spawn before lns_exit_fd is EBADF");
  int efd = lns_exit_fd();
  check(efd >= 0 && lns_exit_fd() == efd, "lns_exit_fd gives one pipe");
  int rec[3];
  int pid = lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWPID, stdio, NULL);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[1] == CLD_EXITED && rec[2] == 7, "a command in 5 new namespaces exits 7, reported with its pid");
  int self_net = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int join[2] = {self_net, CLONE_NEWNET};
  char *const killer[] = {"sh", "-c", "kill -9 $$", NULL};
  pid = lns_spawn("/bin/sh", killer, NULL, envp, join, 1, 0, stdio, NULL);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[1] == CLD_KILLED && rec[2] == SIGKILL, "a joined command killed by SIGKILL is reported so");
  int bad_join[2] = {self_net, CLONE_NEWUTS};
  int r = lns_spawn("/bin/sh", argv, NULL, envp, bad_join, 1, 0, stdio, NULL);
  check(r < 0 && (-r) >> 16 == LNS_STEP_JOIN && ((-r) & 0xffff) == EINVAL, "a join of the wrong type fails at its step with EINVAL");
  close(self_net);
  r = lns_spawn("/nonexistent/linuxns", argv, NULL, envp, NULL, 0, 0, stdio, NULL);
  check(r < 0 && (-r) >> 16 == LNS_STEP_EXEC && ((-r) & 0xffff) == ENOENT, "a missing program fails at exec with ENOENT");
  int bad_stdio[3] = {0, 1, 999};
  r = lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, 0, bad_stdio, NULL);
  check(r < 0 && (-r) >> 16 == LNS_STEP_STDIO && ((-r) & 0xffff) == EBADF, "a bad stdio fd fails at its step with EBADF");
  check(lns_spawn("/bin/sh", argv, NULL, envp, NULL, 0, CLONE_NEWUSER, stdio, NULL) == -EINVAL, "a user namespace without its settings (the maps) is refused");
  setenv("LNS_CHECK", "from environ", 1);
  char *const from_environ[] = {"sh", "-c", "[ \"$LNS_CHECK\" = 'from environ' ]", NULL};
  pid = lns_spawn("/bin/sh", from_environ, NULL, NULL, NULL, 0, 0, stdio, NULL);
  check(pid > 0 && next_exit(efd, rec) && rec[0] == pid && rec[1] == CLD_EXITED && rec[2] == 0, "envp NULL gives the command the caller's environ");
  settings_checks(efd);
  check(no_children(), "every failed child was reaped by lns_spawn");
}

int main(void) {
  const char *map = "0 100000 65536\n";
  int fd = lns_userns_dummy(map, strlen(map), map, strlen(map));
  check(fd >= 0, "a dummy with a 65536-id map gives a namespace fd");
  if (fd >= 0) {
    struct stat st, self;
    check(fstat(fd, &st) == 0 && stat("/proc/self/ns/user", &self) == 0 && st.st_ino != self.st_ino, "the fd is another user namespace");
    check((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "the fd is close-on-exec");
    close(fd);
  }
  check(no_children(), "the dummy was reaped");

  const char *overlap = "0 100000 10\n5 200000 10\n";
  int r = lns_userns_dummy(overlap, strlen(overlap), map, strlen(map));
  check(r < 0 && (-r) >> 16 == LNS_STEP_UID_MAP && ((-r) & 0xffff) == EINVAL, "an overlapping uid map fails at uid_map with EINVAL");
  check(no_children(), "the failed dummy was reaped");

  r = lns_userns_dummy(map, strlen(map), "junk\n", 5);
  check(r < 0 && (-r) >> 16 == LNS_STEP_GID_MAP, "a malformed gid map fails at gid_map");
  check(no_children(), "that dummy was reaped too");

  for (int i = 0; i < 200; i++) {
    fd = lns_userns_dummy(map, strlen(map), map, strlen(map));
    if (fd < 0) break;
    close(fd);
  }
  check(fd >= 0 && no_children(), "200 dummies in a row, none left");

  /* Each early exit of the dummy is told apart: its step, and the errno of its call. */
  r = dummy_under_filter(SYS_ptrace, 0, PTRACE_TRACEME, EPERM, map);
  check(is_error(r, LNS_STEP_TRACEME, EPERM), "a dummy whose PTRACE_TRACEME fails gives step traceme with its EPERM (Yama ptrace_scope=3, strace -f)");
  r = dummy_under_filter(SYS_prctl, 0, PR_SET_PDEATHSIG, EACCES, map);
  check(is_error(r, LNS_STEP_PDEATHSIG, EACCES), "a dummy whose prctl(PR_SET_PDEATHSIG) fails gives step pdeathsig with its errno");
  r = dummy_under_filter(SYS_kill, 1, SIGSTOP, ENOSYS, map);
  check(is_error(r, LNS_STEP_SIGSTOP, ENOSYS), "a dummy whose kill(SIGSTOP) fails gives step sigstop with its errno");
  check(no_children(), "those children and dummies were reaped");

  /* The test hook works once per process: its dummy's static stack may still be in use. */
  int left = lns_userns_dummy_leave_stopped(map, strlen(map));
  check(left > 0, "lns_userns_dummy_leave_stopped leaves a dummy");
  r = lns_userns_dummy_leave_stopped(map, strlen(map));
  check(r == -EBUSY, "a second lns_userns_dummy_leave_stopped gives -EBUSY");
  if (left > 0) {
    int status;
    kill(left, SIGKILL);
    while (waitpid(left, &status, __WALL) == left && !WIFEXITED(status) && !WIFSIGNALED(status)) {}
  }
  check(no_children(), "the left dummy was killed and reaped");

  spawn_checks();
  return failed;
}
