/*
 * --detach: PROGRAM outlives the helper and its caller, as the init of an OCI
 * runtime's `create` does (and a process of `exec --detach`). The helper
 * processes above PROGRAM exit once it waits at its gate, or once it has
 * exec'd without one, after the pid file is written; PROGRAM, without a
 * parent-death signal from then on, is reparented to the caller's nearest
 * child subreaper (conmon, a containerd shim), which reaps it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "helper.h"

/* Whether file can be run as execvp would find it: 0, or an errno (ENOENT, EACCES...). */
static int runnable(const char *file) {
  if (strchr(file, '/')) return access(file, X_OK) == 0 ? 0 : errno;
  const char *path = getenv("PATH");
  if (!path) path = "/bin:/usr/bin";
  int found = ENOENT;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    char full[PATH_MAX];
    int n = snprintf(full, sizeof full, "%.*s%s%s", (int)(end - p), p, end == p ? "" : "/", file);
    if (n > 0 && n < (int)sizeof full) {
      if (access(full, X_OK) == 0) return 0;
      if (errno == EACCES) found = EACCES; /* execvp goes on, and reports EACCES if nothing runs */
    }
    if (*end == '\0') return found;
    p = end;
  }
}

void detach_program(const struct request *req) {
  if (!req->detach) return;
  /* At a gate the exec comes later, when nobody reads the channel: a program that cannot run is an ERR now. */
  int e = req->gate_fd >= 0 ? runnable(req->argv[0]) : 0;
  if (e == ENOENT || e == EACCES || e == ENOTDIR) report_error(STEP_EXEC, "execvp", e); /* not EPERM: a filter's */
  if (prctl(PR_SET_PDEATHSIG, 0) != 0) report_error(STEP_PRCTL, "prctl", errno);
}

void detach_at_gate(const struct request *req) {
  if (!req->detach) return;
  pid_file_detached(); /* the parent writes the pid file and exits */
  report_end();        /* the caller's end of file comes with the parent's exit */
}

_Noreturn void detach_parent(int pid, int status_fd, int committed) {
  /* A PROGRAM that failed (its ERR written, the pid file left empty) is waited for as without --detach. */
  if (!committed) supervise(pid, status_fd);
  pin_release();
  close(status_fd);
  _exit(0);
}
