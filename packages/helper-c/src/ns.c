/* Joining and creating namespaces. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>
#include "helper.h"

/* True when a pid or time namespace is created or joined: both apply to children only, so PROGRAM must be forked. */
int children_only(const struct request *req) {
  int flags = req->create;
  for (int i = 0; i < req->njoin; i++) flags |= req->join[i].type;
  return (flags & (CLONE_NEWPID | CLONE_NEWTIME)) != 0;
}

/* Non-user namespaces first, then the user namespace (then become root in it, as nsenter does, unless asked to keep the ids). */
void join_namespaces(const struct request *req) {
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < req->njoin; i++) {
      int is_user = req->join[i].type == CLONE_NEWUSER;
      if (is_user != pass) continue;
      if (setns(req->join[i].fd, req->join[i].type) != 0) report_error(STEP_JOIN, "setns", errno);
      if (is_user && !req->preserve_credentials) {
        if (setgroups(0, NULL) != 0 && errno != EPERM) report_error(STEP_JOIN, "setgroups", errno);
        if (setresgid(0, 0, 0) != 0) report_error(STEP_JOIN, "setresgid", errno);
        if (setresuid(0, 0, 0) != 0) report_error(STEP_JOIN, "setresuid", errno);
      }
    }
  }
}

void create_user_namespace(void) {
  if (unshare(CLONE_NEWUSER) != 0) report_error(STEP_CREATE, "unshare", errno);
}

/* Every namespace but user; a new mount namespace is made private, like unshare(1). */
void create_other_namespaces(const struct request *req) {
  int flags = req->create & ~CLONE_NEWUSER;
  if (flags && unshare(flags) != 0) report_error(STEP_CREATE, "unshare", errno);
  if ((flags & CLONE_NEWNS) && req->propagation && mount("none", "/", NULL, req->propagation, NULL) != 0)
    report_error(STEP_PROPAGATION, "mount", errno);
  if (req->has_monotonic || req->has_boottime) {
    /* Offsets go in after unshare and before any process enters the time namespace. */
    char text[128];
    int n = 0;
    if (req->has_monotonic) n += snprintf(text + n, sizeof text - (size_t)n, "monotonic %lld %lld\n", req->monotonic, req->monotonic_nsec);
    if (req->has_boottime) n += snprintf(text + n, sizeof text - (size_t)n, "boottime %lld %lld\n", req->boottime, req->boottime_nsec);
    int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0) report_error(STEP_TIME_OFFSETS, "open", errno);
    if (write(fd, text, (size_t)n) != n) report_error(STEP_TIME_OFFSETS, "write", errno);
    close(fd);
  }
}
