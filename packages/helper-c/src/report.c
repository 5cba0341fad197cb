/* The status channel: PID and ERR lines (see protocol.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

static int status_fd = -1;

void report_init(int fd) { status_fd = fd; }

static void put(const char *line, size_t len) {
  while (len > 0 && status_fd >= 0) {
    ssize_t n = write(status_fd, line, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    line += n;
    len -= (size_t)n;
  }
}

void report_pid(int pid) {
  char line[32];
  int n = snprintf(line, sizeof line, "PID %d\n", pid);
  put(line, (size_t)n);
}

void report_error(const char *step, const char *syscall, int err) {
  char line[128];
  int n = snprintf(line, sizeof line, "ERR %s %s %d\n", step, syscall, err);
  put(line, (size_t)n);
  _exit(HELPER_EXIT_SETUP);
}

void report_usage(const char *what) {
  char line[256];
  int n = snprintf(line, sizeof line, "ERR " STEP_PARSE " %.200s 22\n", what);
  put(line, (size_t)n);
  if (status_fd < 0) fprintf(stderr, "linuxns-helper: %s (see protocol.h)\n", what);
  _exit(HELPER_EXIT_USAGE);
}
