/*
 * Paths inside a container's root filesystem, and the mount primitives the
 * mount files share (rootfs.c, mounts.c, devices.c, console.c...): every path
 * inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT), so that a
 * symlink in the rootfs cannot send a mount outside it, and mounted on
 * through /proc/self/fd/N; flags are read back with statvfs and set on whole
 * trees with mount_setattr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

/* mount_setattr(2)'s constants (<linux/mount.h> clashes with glibc's <sys/mount.h>). */
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
enum { ATTR_RDONLY = 0x1, ATTR_NOSUID = 0x2, ATTR_NODEV = 0x4, ATTR_NOEXEC = 0x8, ATTR_ATIME = 0x70, ATTR_NOATIME = 0x10,
       ATTR_STRICTATIME = 0x20, ATTR_NODIRATIME = 0x80 };

static int openat2_in(int rootfd, const char *path) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/*
 * An O_PATH fd of path inside rootfd (a leading / is the rootfs's own);
 * missing components are created as directories (0755), the last one as
 * `create` says. -1 with errno.
 */
int open_in_root(int rootfd, const char *path, int create) {
  int fd = openat2_in(rootfd, path);
  if (fd >= 0 || errno != ENOENT || create == NO_CREATE) return fd;
  char prefix[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof prefix) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
  if (parent < 0) return -1;
  for (size_t i = 0; i <= len; i++) {
    if (path[i] != '/' && path[i] != 0) continue;
    if (i == 0 || path[i - 1] == '/') continue;
    memcpy(prefix, path, i);
    prefix[i] = 0;
    const char *name = strrchr(prefix, '/');
    name = name ? name + 1 : prefix;
    int last = path[i] == 0 || strspn(path + i, "/") == len - i;
    fd = openat2_in(rootfd, prefix);
    if (fd < 0 && errno == ENOENT) {
      int r;
      if (last && create == CREATE_FILE) {
        r = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, name, 0755);
      }
      if (r < 0 && errno != EEXIST) break;
      fd = openat2_in(rootfd, prefix);
    }
    if (fd < 0) break;
    close(parent);
    parent = fd;
    if (last) return fd;
  }
  int saved = errno;
  close(parent);
  if (fd >= 0) close(fd);
  errno = saved;
  return -1;
}

void fd_path(char *buf, size_t size, int fd) { snprintf(buf, size, "/proc/self/fd/%d", fd); }

int in_root(int rootfd, const char *path, int create, const char *step) {
  int fd = open_in_root(rootfd, path, create);
  if (fd < 0) report_error(step, "openat2", errno);
  return fd;
}

int mount_on(const char *source, int fd, const char *type, unsigned long flags, const char *data) {
  char target[32];
  fd_path(target, sizeof target, fd);
  return mount(source, target, type, flags, data);
}

unsigned long statfs_mount_flags(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) != 0) return 0;
  unsigned long f = 0;
  if (st.f_flag & ST_RDONLY) f |= MS_RDONLY; /* a read-only source: clearing it fails EPERM in a user namespace */
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  /* No atime flag shows: the mount is strictatime (which statvfs cannot show). */
  if (!(f & (MS_NOATIME | MS_RELATIME))) f |= MS_STRICTATIME;
  return f;
}

unsigned long long mount_attr_of(unsigned long ms) {
  static const struct { unsigned long ms; unsigned long long attr; } MAP[] = {
    {MS_RDONLY, ATTR_RDONLY}, {MS_NOSUID, ATTR_NOSUID}, {MS_NODEV, ATTR_NODEV}, {MS_NOEXEC, ATTR_NOEXEC},
    {MS_NODIRATIME, ATTR_NODIRATIME}, {MS_NOATIME, ATTR_NOATIME}, {MS_STRICTATIME, ATTR_STRICTATIME}};
  unsigned long long attr = 0;
  for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
    if (ms & MAP[i].ms) attr |= MAP[i].attr;
  return attr;
}

int set_tree_attr(int fd, unsigned long long set, unsigned long long clr) {
  struct { unsigned long long attr_set, attr_clr, propagation, userns_fd; } a = {set, clr, 0, 0}; /* struct mount_attr */
  /* One atime mode replaces another: setting one clears the field first. */
  if (set & ATTR_ATIME) a.attr_clr |= ATTR_ATIME;
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
}

