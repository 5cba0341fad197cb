/*
 * The new mount API, which glibc 2.36 does not wrap, and umount2, as
 * functions that return -errno instead of setting it (koffi callers then need
 * no errno read after the call). Used for id-mapped mounts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "liblinuxns.h"

/* umount2 without <sys/mount.h>, which clashes with <linux/mount.h> on glibc 2.36. */
#ifndef SYS_umount2
#error "SYS_umount2 is not defined"
#endif

static int result(long r) {
  return r < 0 ? -(errno & 0xffff) : (int)r;
}

int lns_open_tree(int dfd, const char *path, unsigned int flags) {
  return result(syscall(SYS_open_tree, dfd, path, flags));
}

int lns_mount_setattr(int fd, const char *path, unsigned int flags, unsigned long long attr_set,
                      unsigned long long attr_clr, int userns_fd) {
  struct mount_attr attr = {
    .attr_set = attr_set,
    .attr_clr = attr_clr,
    .propagation = 0,
    .userns_fd = (unsigned long long)(unsigned int)userns_fd,
  };
  return result(syscall(SYS_mount_setattr, fd, path, flags, &attr, sizeof attr));
}

int lns_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags) {
  return result(syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags));
}

int lns_umount(const char *path, int flags) {
  return result(syscall(SYS_umount2, path, flags));
}
