/*
 * --sysctl=PATH=VALUE: written to /proc/sys/PATH, which answers for the
 * namespaces of the process that writes it (its net, ipc and uts namespaces,
 * the new ones by then), so the caller's /proc does as well as the
 * container's. After the mounts and before the masked and read-only paths
 * (/proc/sys usually is one), as runc orders it. Which keys a request may
 * name is the caller's check (a key of a namespace it neither creates nor
 * joins would change the caller's own).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "helper.h"

void write_sysctls(const struct request *req) {
  for (int i = 0; i < req->nsysctl; i++) {
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", req->sysctl[i].path);
    if (n < 0 || (size_t)n >= sizeof path) report_error(STEP_SYSCTL, "open", ENAMETOOLONG);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) report_error(STEP_SYSCTL, "open", errno);
    size_t len = strlen(req->sysctl[i].value);
    ssize_t w = write(fd, req->sysctl[i].value, len);
    int saved = w < 0 ? errno : EIO;
    close(fd);
    if (w != (ssize_t)len) report_error(STEP_SYSCTL, "write", saved);
  }
}
