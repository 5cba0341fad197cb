/* The status channel: PID, READY and ERR lines (see protocol.h), and the exit of a failed step. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "helper.h"

static int status_fd = -1;
static void (*hooks[MAX_FAILURE_HOOKS])(void);
static int nhooks;

void report_init(int fd) {
  status_fd = fd;
  if (keep_until_exec(&status_fd) != 0) report_error(STEP_FDS, "keep_until_exec", errno);
}

/* Writes line to the status channel; 0 once all of it is written, -1 if it could not be. */
static int put(const char *line, size_t len) {
  if (status_fd < 0) return -1;
  while (len > 0) {
    ssize_t n = write(status_fd, line, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    line += n;
    len -= (size_t)n;
  }
  return 0;
}

void report_pid(int pid) {
  char line[MAX_STATUS_LINE];
  int n = snprintf(line, sizeof line, STATUS_PID " %d\n", pid);
  put(line, (size_t)n);
}

void report_ready(void) { put(STATUS_READY "\n", sizeof STATUS_READY); }

void report_end(void) { close_fd(&status_fd); }

void report_failure(const char *step, const char *syscall, int err) {
  char line[MAX_STATUS_LINE];
  int n = snprintf(line, sizeof line, STATUS_ERR " %s %s %d\n", step, syscall, err);
  if (n >= (int)sizeof line) { /* cannot happen (the helper's own words): a cut line, which the caller refuses */
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  put(line, (size_t)n);
}

int on_failure(void (*hook)(void)) {
  if (nhooks == MAX_FAILURE_HOOKS) {
    errno = ENOSPC;
    return -1;
  }
  hooks[nhooks++] = hook;
  return 0;
}

_Noreturn void report_error(const char *step, const char *syscall, int err) {
  report_failure(step, syscall, err);
  for (int i = 0; i < nhooks; i++) hooks[i]();
  _exit(HELPER_EXIT_SETUP);
}

_Noreturn void report_usage(const char *what) {
  /* errno 22, EINVAL; the message is cut to what fits, so that the line always ends in its newline. */
  const int room = MAX_STATUS_LINE - (int)sizeof(STATUS_ERR " " STEP_PARSE "  22\n");
  char line[MAX_STATUS_LINE];
  int n = snprintf(line, sizeof line, STATUS_ERR " " STEP_PARSE " %.*s 22\n", room, what);
  /* No channel (missing, or --status-fd names no open fd): say it on stderr instead. */
  if (put(line, (size_t)n) != 0) fprintf(stderr, "linuxns-helper: %s (see protocol.h)\n", what);
  _exit(HELPER_EXIT_USAGE);
}
