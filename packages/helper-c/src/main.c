/*
 * linuxns-helper: starts a program inside joined or new namespaces, for a
 * multi-threaded caller that cannot (user and time namespaces, pid 1, setup
 * between fork and exec). The protocol is in protocol.h, request.h and request-oci.h. main only orchestrates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"

/* Writes data to the existing file at path in one write: 0, or -1 with errno and *syscall ("open" or "write"; a short write is EIO). */
static int write_file(const char *path, const char *data, size_t len, const char **syscall) {
  *syscall = "open";
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  *syscall = "write";
  ssize_t n = write(fd, data, len);
  int saved = n < 0 ? errno : EIO;
  close(fd);
  errno = saved;
  return n == (ssize_t)len ? 0 : -1;
}

/* --cgroup=FILE: this process (and so everything it forks) into each cgroup, first thing. */
static void join_cgroups(const struct request *req) {
  char pid[24];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  const char *syscall;
  for (int i = 0; i < req->ncgroup; i++)
    if (write_file(req->cgroup[i], pid, (size_t)n, &syscall) != 0) report_error(STEP_CGROUP, syscall, errno);
}

void reap(int pid) {
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}

/* A setup step of the parent side failed: the child must not go on. Kill and reap it, then report. */
_Noreturn void abandon_child(int pid, const char *step, const char *syscall, int err) {
  kill(pid, SIGKILL);
  reap(pid);
  report_error(step, syscall, err);
}

/* PROGRAM is a child: for the namespaces that apply to children only (pid, time), for --pid-file (its parent sees the
   exec), and for --console-relay (its parent relays its terminal). */
static int program_forked(const struct request *req) { return children_only(req) || req->pid_file != NULL || req->console_relay; }

/* Parent side: the child's maps, written with the privileges of the parent user namespace. */
static void write_maps(int pid, const struct request *req) {
  char path[64];
  const char *step = NULL, *syscall = "write";
  if (req->setgroups) {
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    if (write_file(path, req->setgroups, strlen(req->setgroups), &syscall) != 0) step = STEP_SETGROUPS;
  }
  if (!step && req->uid_len) {
    snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
    if (write_file(path, req->uid_map, req->uid_len, &syscall) != 0) step = STEP_UID_MAP;
  }
  if (!step && req->gid_len) {
    snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
    if (write_file(path, req->gid_map, req->gid_len, &syscall) != 0) step = STEP_GID_MAP;
  }
  if (step) abandon_child(pid, step, syscall, errno);
}

/*
 * A new user namespace needs a parent outside it to write its maps: fork.
 * Returns in the child, inside the new user namespace with its maps written;
 * the parent stays as the supervisor and never returns.
 */
static void fork_into_user_namespace(const struct request *req) {
  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0) report_error(STEP_SYNC, "pipe2", errno);
  pid_t pid = fork();
  if (pid < 0) report_error(STEP_FORK, "fork", errno);
  char c;
  if (pid == 0) {
    pid_t parent = getppid(); /* 0 when the parent is outside a joined pid namespace */
    close(up[0]);
    close(down[1]);
    /* A parent that died before this prctl shows as end of file on the down pipe below
       (getppid() cannot tell: it reads 0 when the parent is outside a joined pid namespace). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(HELPER_EXIT_SETUP);
    create_user_namespace();
    if (write(up[1], &(char){SYNC_UNSHARED}, 1) != 1) _exit(HELPER_EXIT_SETUP);
    close(up[1]);
    if (read(down[0], &c, 1) != 1) _exit(HELPER_EXIT_SETUP); /* the parent failed and reported it */
    close(down[0]);
    /* --userns-root: root of the new namespace before anything is made in it, so that what it creates (a
       tmpfs, the overlay's upper layer...) is owned by a mapped id. */
    if (req->userns_root) {
      if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) report_error(STEP_IDS, "setresuid", errno);
      /* The change of euid cleared the parent-death signal: set it again; a parent gone meanwhile shows in getppid(). */
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) report_error(STEP_PRCTL, "prctl", errno);
      if (getppid() != parent) _exit(HELPER_EXIT_SETUP);
    }
    return;
  }
  close(up[1]);
  close(down[0]);
  gate_release(req);
  if (read(up[0], &c, 1) != 1) {
    /* The child failed before unsharing (it wrote ERR). */
    reap(pid);
    _exit(HELPER_EXIT_SETUP);
  }
  write_maps(pid, req);
  /* PID before the child goes on: an ERR of a later step must follow it on the channel. */
  if (!program_forked(req)) report_pid(pid);
  if (write(down[1], &(char){SYNC_MAPPED}, 1) != 1) abandon_child(pid, STEP_SYNC, "write", errno);
  close(down[1]);
  close(up[0]);
  supervise(pid, req->status_fd);
}

/*
 * PROGRAM as a child, for the namespaces that apply to children only (pid,
 * time), and for --pid-file, which the parent writes once PROGRAM exec'd
 * (pidfile.c). It waits for a byte on a pipe, written once PID is on the channel
 * (so that an ERR of a later step follows PID) and the pins are made. It dies
 * with its supervisor (PR_SET_PDEATHSIG), so that a SIGKILL sent to the helper, which cannot be
 * forwarded, does not leave PROGRAM running as an orphan; a supervisor that
 * died before the prctl shows as end of file on that pipe (getppid() cannot
 * tell: it reads 0 across a pid namespace). Returns in the child; the parent
 * stays as the supervisor and never returns.
 */
static void fork_program(const struct request *req) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) report_error(STEP_SYNC, "pipe2", errno);
  pid_file_watch();
  pid_t pid = fork();
  if (pid < 0) report_error(STEP_FORK, "fork", errno);
  if (pid == 0) {
    char c;
    close(go[1]);
    pid_file_child();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(HELPER_EXIT_SETUP);
    ssize_t n;
    while ((n = read(go[0], &c, 1)) < 0 && errno == EINTR) {}
    if (n != 1) _exit(HELPER_EXIT_SETUP); /* end of file: the supervisor is gone */
    close(go[0]);
    return;
  }
  close(go[0]);
  gate_release(req);
  pid_file_parent(pid);
  report_pid(pid);
  /* Pins once PROGRAM exists, before it goes on: pid and time through this process's *_for_children. */
  if (send_pins(req) != 0) {
    close(go[1]); /* end of file: the child exits */
    reap(pid);
    _exit(HELPER_EXIT_SETUP);
  }
  if (write(go[1], &(char){SYNC_GO}, 1) != 1) abandon_child(pid, STEP_SYNC, "write", errno);
  close(go[1]);
  int committed = pid_file_commit(); /* before supervise closes the channel: its end of file finds the pid file written */
  if (req->detach) detach_parent(pid, req->status_fd, committed);
  supervise(pid, req->status_fd);
}

/* The inherited fds the request names must be open; the channel and the gate close on exec. */
static void check_inherited_fds(const struct request *req) {
  if (fcntl(req->status_fd, F_SETFD, FD_CLOEXEC) != 0) report_usage("--status-fd is not open");
  if (req->gate_fd >= 0 && fcntl(req->gate_fd, F_SETFD, FD_CLOEXEC) != 0) report_usage("--gate-fd is not open");
  for (int i = 0; i < req->njoin; i++)
    if (fcntl(req->join[i].fd, F_GETFD) < 0) report_error(STEP_JOIN, "fcntl", errno);
  if (req->seccomp_fd >= 0 && fcntl(req->seccomp_fd, F_SETFD, FD_CLOEXEC) != 0) report_error(STEP_SECCOMP, "fcntl", errno);
}

int main(int argc, char **argv) {
  pid_t parent = getppid();
  struct request req;
  parse_request(argc, argv, &req);
  check_inherited_fds(&req);
  seccomp_read(&req); /* the program's bytes, before anything is made */
  console_connect(&req); /* the caller's socket, from the caller's namespaces, before anything is made */
  /* Opened now, with the caller's privileges: the process that learns the pid may be in a new user namespace. */
  if (req.pid_file && pid_file_open(req.pid_file) != 0) report_error(STEP_PID_FILE, "open", errno);
  join_cgroups(&req); /* before any fork: every process of the request in the cgroups */
  early_settings(&req); /* oom_score_adj and the I/O priority, with the caller's privileges, inherited by all */
  int deathsig = req.pdeathsig;
  if (req.npin) {
    /* The keeper (pin.c) stays outside as the supervisor; the setup goes on in its child, which dies with it. */
    parent = keep_pins(&req, parent);
    deathsig = SIGKILL;
  }

  join_namespaces(&req);
  /*
   * --pdeathsig is about the caller's thread, the helper's parent: a helper
   * that stays as a supervisor must hear of that death too (it forwards the
   * signal, or dies of it and PROGRAM then gets its own). Set after the joins,
   * whose change of ids clears it; a parent already gone shows in getppid().
   */
  if (deathsig) {
    if (prctl(PR_SET_PDEATHSIG, deathsig) != 0) report_error(STEP_PRCTL, "prctl", errno);
    if (getppid() != parent) _exit(HELPER_EXIT_SETUP);
  }
  if (req.create & CLONE_NEWUSER) fork_into_user_namespace(&req);
  create_other_namespaces(&req);
  if (program_forked(&req)) {
    /* pid and time apply to children only: PROGRAM is a child (pid 1 of a new pid namespace); so with --pid-file. */
    fork_program(&req);
  } else {
    if (send_pins(&req) != 0) _exit(HELPER_EXIT_SETUP);
    if (!(req.create & CLONE_NEWUSER)) report_pid(getpid());
  }
  exec_program(&req);
}
