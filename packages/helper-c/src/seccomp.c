/*
 * --seccomp=FD:FLAGS: a classic BPF program (struct sock_filter entries, 8
 * bytes each) compiled by the caller (@linuxns/core's compileSeccomp, with
 * libseccomp), read from FD to its end first thing, before anything else
 * happens, into a static buffer every process of the request inherits; and
 * installed by PROGRAM with seccomp(SECCOMP_SET_MODE_FILTER, FLAGS) (see
 * exec_program for when: as late as possible).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

static unsigned char program[MAX_SECCOMP_BYTES];
static size_t program_len;

void seccomp_read(struct request *req) {
  if (req->seccomp_fd < 0) return;
  for (;;) {
    if (program_len == sizeof program) {
      /* One byte more than a program may have: too long. */
      char extra;
      ssize_t n = read(req->seccomp_fd, &extra, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n != 0) report_error(STEP_SECCOMP, "read", n < 0 ? errno : E2BIG);
      break;
    }
    ssize_t n = read(req->seccomp_fd, program + program_len, sizeof program - program_len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) report_error(STEP_SECCOMP, "read", errno);
    if (n == 0) break;
    program_len += (size_t)n;
  }
  close(req->seccomp_fd);
  req->seccomp_fd = -1;
  if (program_len == 0 || program_len % sizeof(struct sock_filter) != 0) report_error(STEP_SECCOMP, "read", EINVAL);
}

void seccomp_install(const struct request *req) {
  (void)req;
  if (program_len == 0) return;
  struct sock_fprog prog = {(unsigned short)(program_len / sizeof(struct sock_filter)), (struct sock_filter *)program};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, req->seccomp_flags, &prog) != 0) report_error(STEP_SECCOMP, "seccomp", errno);
}
