/*
 * --apparmor=PROFILE and --selinux-label=LABEL: the Linux security module
 * labels PROGRAM gets at its exec, written to the process's exec attribute
 * (/proc/self/attr/apparmor/exec, or the older /proc/self/attr/exec) as runc
 * does: "exec PROFILE" for AppArmor (libapparmor's aa_change_onexec), the
 * label itself for SELinux (setexeccon). Written before the mounts, while the
 * caller's /proc is there. The caller refuses both where the module is not
 * enabled.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

static void write_attr(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) report_error(STEP_LSM, "open", errno);
  size_t len = strlen(text);
  ssize_t w = write(fd, text, len);
  int saved = w < 0 ? errno : EIO;
  close(fd);
  if (w != (ssize_t)len) report_error(STEP_LSM, "write", saved);
}

void apply_lsm(const struct request *req) {
  if (req->apparmor) {
    char text[PATH_MAX];
    int n = snprintf(text, sizeof text, "exec %s", req->apparmor);
    if (n < 0 || (size_t)n >= sizeof text) report_error(STEP_LSM, "write", ENAMETOOLONG);
    const char *scoped = "/proc/self/attr/apparmor/exec";
    write_attr(access(scoped, F_OK) == 0 ? scoped : "/proc/self/attr/exec", text);
  }
  if (req->selinux_label) write_attr("/proc/self/attr/exec", req->selinux_label);
}
