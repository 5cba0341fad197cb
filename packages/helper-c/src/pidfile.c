/* --pid-file: "PID STARTTIME\n", written by PROGRAM's parent once PROGRAM exec'd (see helper.h, protocol.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

static int pid_file = -1;
/* The exec watch, a close-on-exec pipe from PROGRAM to its parent: end of file is the exec, a byte a failure. */
static int watch[2] = {-1, -1};
static char pid_line[64];
static int pid_line_len;

int pid_file_open(const char *path) {
  pid_file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return pid_file < 0 ? -1 : 0;
}

/* PROGRAM's failure hook: a byte on the watch, so that its parent leaves the pid file empty. */
static void pid_file_failed(void) {
  if (watch[1] < 0) return;
  ssize_t w = write(watch[1], (char[]){SYNC_FAILED}, 1);
  (void)w;
}

void pid_file_watch(void) {
  if (pid_file < 0) return;
  if (keep_until_exec(&watch[1]) != 0) report_error(STEP_SYNC, "keep_until_exec", errno);
  if (on_failure(pid_file_failed) != 0) report_error(STEP_SYNC, "on_failure", errno);
  if (pipe2(watch, O_CLOEXEC) != 0) report_error(STEP_SYNC, "pipe2", errno);
}

void pid_file_child(void) {
  close_fd(&watch[0]);
  close_fd(&pid_file);
}

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

void pid_file_parent(int pid) {
  if (pid_file < 0) return;
  close_fd(&watch[1]);
  /* Now, while this /proc is the caller's (PROGRAM's pivot_root moves this process's root too). */
  pid_line_len = snprintf(pid_line, sizeof pid_line, "%d %llu\n", pid, start_time(pid));
}

int pid_file_commit(void) {
  if (pid_file < 0) return 0;
  char c = 0;
  ssize_t n;
  while ((n = read(watch[0], &c, 1)) < 0 && errno == EINTR) {}
  /* End of file without a byte: PROGRAM exec'd (or, with --detach, waits at its gate). One write: a reader
     sees the file empty or whole. */
  int ran = n == 0 || (n == 1 && c == SYNC_DETACHED);
  if (ran && write(pid_file, pid_line, (size_t)pid_line_len) != pid_line_len) report_error(STEP_PID_FILE, "write", errno);
  close_fd(&watch[0]);
  close_fd(&pid_file);
  return ran;
}

void pid_file_detached(void) {
  if (watch[1] < 0) return;
  ssize_t w = write(watch[1], (char[]){SYNC_DETACHED}, 1);
  (void)w;
  close_fd(&watch[1]);
}
