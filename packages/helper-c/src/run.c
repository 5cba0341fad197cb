/* The end of setup: the process's own settings, exec; and the supervisor. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "helper.h"

_Noreturn void exec_program(const struct request *req) {
  if (req->hostname && sethostname(req->hostname, strlen(req->hostname)) != 0)
    report_error(STEP_HOSTNAME, "sethostname", errno);
  if (req->domainname && setdomainname(req->domainname, strlen(req->domainname)) != 0)
    report_error(STEP_DOMAINNAME, "setdomainname", errno);
  apply_lsm(req);      /* the labels of the exec, while the caller's /proc is there */
  prepare_mounts(req); /* --mount-proc, and a container's root filesystem (rootfs.c); the sysctls */
  if (req->has_umask) umask((mode_t)req->umask); /* once the rootfs is made, as runc */
  for (int i = 0; i < req->nrlimit; i++) {
    struct rlimit rl = {req->rlimit[i].soft < 0 ? RLIM_INFINITY : (rlim_t)req->rlimit[i].soft,
                        req->rlimit[i].hard < 0 ? RLIM_INFINITY : (rlim_t)req->rlimit[i].hard};
    if (setrlimit(req->rlimit[i].resource, &rl) != 0) report_error(STEP_RLIMIT, "setrlimit", errno);
  }
  if (req->setsid && setsid() < 0) report_error(STEP_SETSID, "setsid", errno);
  /* A forked PROGRAM keeps the SIGKILL it got at the fork (main.c): its supervisor is the one
     that gets --pdeathsig, and a pid 1 would ignore most other signals anyway. */
  int inherited = 0;
  if (prctl(PR_GET_PDEATHSIG, &inherited) != 0) report_error(STEP_PRCTL, "prctl", errno);
  if (req->pdeathsig && !inherited && prctl(PR_SET_PDEATHSIG, req->pdeathsig) != 0) report_error(STEP_PRCTL, "prctl", errno);
  if (req->root && (chroot(req->root) != 0 || chdir("/") != 0)) report_error(STEP_ROOT, "chroot", errno);
  if (req->cwd && chdir(req->cwd) != 0) report_error(STEP_CWD, "chdir", errno);
  console_setup(req); /* --console: the pty of the mounts made above, in the session made above (console.c) */
  apply_scheduler(req); /* before the capabilities go: a real-time policy needs CAP_SYS_NICE */
  /* Without no_new_privs a filter needs CAP_SYS_ADMIN: installed while the process still has it, before the
     capabilities and ids change, as runc does; the steps below then run under it. */
  if (!req->no_new_privs) seccomp_install(req);
  /* Keep the permitted set across the id change; apply_caps sets the sets asked for after it. */
  if (req->has_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) report_error(STEP_CAPS, "prctl", errno);
  /* The bounding set before the ids: dropping from it needs CAP_SETPCAP, gone after a change to non-root. */
  if (req->has_caps) apply_bounding(req);
  /* Ids last among the privileged steps: after them the process may have lost its capabilities. */
  int pdeathsig = 0; /* --pdeathsig, or the SIGKILL of a forked PROGRAM (main.c) */
  if (prctl(PR_GET_PDEATHSIG, &pdeathsig) != 0) report_error(STEP_PRCTL, "prctl", errno);
  if (req->has_groups && setgroups((size_t)req->ngroups, (const gid_t *)req->groups) != 0) report_error(STEP_IDS, "setgroups", errno);
  if (req->gid >= 0 && setresgid((gid_t)req->gid, (gid_t)req->gid, (gid_t)req->gid) != 0) report_error(STEP_IDS, "setresgid", errno);
  if (req->uid >= 0 && setresuid((uid_t)req->uid, (uid_t)req->uid, (uid_t)req->uid) != 0) report_error(STEP_IDS, "setresuid", errno);
  /* A change of euid or egid clears the parent-death signal (prctl(2)): set it again. */
  if ((req->gid >= 0 || req->uid >= 0) && pdeathsig && prctl(PR_SET_PDEATHSIG, pdeathsig) != 0) report_error(STEP_PRCTL, "prctl", errno);
  if (req->has_caps) apply_caps(req);
  if (req->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) report_error(STEP_PRCTL, "prctl", errno);
  apply_personality(req);
  if (req->env_clear) clearenv();
  for (int i = 0; i < req->nenv; i++)
    if (putenv(req->env[i]) != 0) report_error(STEP_EXEC, "putenv", errno);
  int gate = req->gate_fd;
  if (keep_until_exec(&gate) != 0) report_error(STEP_FDS, "keep_until_exec", errno);
  place_fds(req); /* fds.c */
  detach_program(req); /* --detach: no parent-death signal from here on (detach.c) */
  /* With no_new_privs the filter needs no privilege: the last step, so that it sees as little as possible. With
     --detach that is before the gate, as runc's create does it: after the gate nobody reads the channel to hear
     of a failure. */
  if (req->no_new_privs && req->detach) seccomp_install(req);
  if (gate >= 0) {
    /* --gate-fd: everything is set up; the caller may act on this process's namespaces now. */
    report_ready();
    detach_at_gate(req); /* --detach: the helper above goes, this process waits alone */
    char c;
    ssize_t n;
    while ((n = read(gate, &c, 1)) < 0 && errno == EINTR) {}
    if (n != 1) report_error(STEP_GATE, "read", n < 0 ? errno : ECANCELED);
    close(gate);
  }
  if (req->no_new_privs && !req->detach) seccomp_install(req); /* after the gate: it sees only the exec */
  execvp(req->argv[0], req->argv);
  report_error(STEP_EXEC, "execvp", errno);
}

void gate_release(const struct request *req) {
  if (req->gate_fd >= 0) close(req->gate_fd);
  console_release(); /* PROGRAM sends the master: no other process keeps the console socket */
}

static volatile sig_atomic_t child_pid;
static const int FORWARDED[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

static void forward(int sig) {
  int saved = errno;
  if (child_pid > 0) kill(child_pid, sig);
  errno = saved;
}

/* Waits for pid, forwarding signals to it; exits as it did (same code, or the same signal). */
_Noreturn void supervise(int pid, int status_fd) {
  child_pid = pid;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  for (size_t i = 0; i < sizeof FORWARDED / sizeof FORWARDED[0]; i++) sigaction(FORWARDED[i], &sa, NULL);
  pin_release(); /* the pin keeper hears of PROGRAM (exec or SYNC_FAILED) from PROGRAM alone */
  close(status_fd); /* only now: end of file tells the caller it may signal us */
  int status;
  if (!console_relay(pid, &status)) /* --console-relay (console.c): relays PROGRAM's terminal until it ends */
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) _exit(HELPER_EXIT_SETUP);
    }
  child_pid = 0; /* reaped: its pid may be reused, forward nothing more */
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  int sig = WTERMSIG(status);
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  kill(getpid(), sig);
  _exit(128 + sig);
}
