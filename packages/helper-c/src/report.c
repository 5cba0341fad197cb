/* The status channel: PID and ERR lines (see protocol.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

static int status_fd = -1;
static int pid_file = -1;
/* --pid-file: the exec watch, a close-on-exec pipe from PROGRAM to its parent (see pid_file_watch in helper.h). */
static int watch[2] = {-1, -1};
static char pid_line[64];
static int pid_line_len;

void report_init(int fd) {
  status_fd = fd;
  keep_until_exec(&status_fd);
}

void report_pid_file(int fd) { pid_file = fd; }

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot (0 if unreadable). */
static unsigned long long start_time(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
  return p ? strtoull(p + 1, NULL, 10) : 0;
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
  char line[64];
  int n = snprintf(line, sizeof line, "PID %d\n", pid);
  put(line, (size_t)n);
}

void report_ready(void) { put("READY\n", 6); }

int pid_file_watch(void) {
  if (pid_file < 0) return 0;
  keep_until_exec(&watch[1]);
  return pipe2(watch, O_CLOEXEC);
}

void pid_file_child(void) {
  if (pid_file < 0) return;
  close(watch[0]);
  watch[0] = -1;
  close(pid_file);
  pid_file = -1;
}

void pid_file_parent(int pid) {
  if (pid_file < 0) return;
  close(watch[1]);
  watch[1] = -1;
  /* Now, while this /proc is the caller's (PROGRAM's pivot_root moves this process's root too). */
  pid_line_len = snprintf(pid_line, sizeof pid_line, "%d %llu\n", pid, start_time(pid));
}

void pid_file_commit(void) {
  if (pid_file < 0) return;
  char c;
  ssize_t n;
  while ((n = read(watch[0], &c, 1)) < 0 && errno == EINTR) {}
  /* End of file without a byte: PROGRAM exec'd. One write: a reader sees the file empty or whole. */
  if (n == 0 && write(pid_file, pid_line, (size_t)pid_line_len) != pid_line_len) report_error(STEP_PID_FILE, "write", errno);
  close(watch[0]);
  watch[0] = -1;
  close(pid_file);
  pid_file = -1;
}

static int *kept[4];
static int nkept;

void keep_until_exec(int *fd) {
  for (int i = 0; i < nkept; i++)
    if (kept[i] == fd) return;
  if (nkept < (int)(sizeof kept / sizeof kept[0])) kept[nkept++] = fd;
}

int move_kept_fds_above(int low) {
  for (int i = 0; i < nkept; i++) {
    int *fd = kept[i];
    if (*fd < 0 || *fd >= low) continue;
    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, low);
    if (moved < 0) return -1;
    close(*fd);
    *fd = moved;
  }
  return 0;
}

void report_failure(const char *step, const char *syscall, int err) {
  char line[128];
  int n = snprintf(line, sizeof line, "ERR %s %s %d\n", step, syscall, err);
  put(line, (size_t)n);
}

void report_error(const char *step, const char *syscall, int err) {
  report_failure(step, syscall, err);
  pin_failed();
  if (watch[1] >= 0) {
    ssize_t w = write(watch[1], "F", 1); /* PROGRAM's side: no exec, the pid file stays empty */
    (void)w;
  }
  _exit(HELPER_EXIT_SETUP);
}

void report_usage(const char *what) {
  char line[256];
  int n = snprintf(line, sizeof line, "ERR " STEP_PARSE " %.200s 22\n", what);
  /* No channel (missing, or --status-fd names no open fd): say it on stderr instead. */
  if (put(line, (size_t)n) != 0) fprintf(stderr, "linuxns-helper: %s (see protocol.h)\n", what);
  _exit(HELPER_EXIT_USAGE);
}
