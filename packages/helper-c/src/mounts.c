/*
 * An extra --mount inside the rootfs, as runc 1.1 makes it (libcontainer's
 * mountToRootfs): the target created (a file for a bind of a file), the
 * mount, its propagation changes in order, then for a bind the flags by a
 * remount; a tmpfs takes the mode of the directory it covers and is made
 * read-only only once everything is in it (finish_mounts), like /dev.
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
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "helper.h"

#define MS_PROPAGATION (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)
/* The flags the kernel locks on mounts inherited by a less privileged user namespace (MNT_LOCK_*). */
#define MS_LOCKABLE (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define MS_ATIMES (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)

static int is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

const char *labelled(const struct request *req, const char *type, const char *data, char *buf, size_t size) {
  /* runc labels every mount but proc and sysfs, and mqueue by its root's xattr; a bind takes no data at all. */
  if (!req->mount_label || !type || !type[0] || is(type, "proc") || is(type, "sysfs") || is(type, "mqueue") || is(type, "cgroup") ||
      is(type, "cgroup2"))
    return data && data[0] ? data : NULL;
  int n = snprintf(buf, size, "%s%scontext=\"%s\"", data ? data : "", data && data[0] ? "," : "", req->mount_label);
  if (n < 0 || (size_t)n >= size) report_error(STEP_MOUNT, "snprintf", ENAMETOOLONG);
  return buf;
}

/* The path m->target (a "/dev" written "//dev/" too) is /dev. */
static int is_dev(const char *target) {
  while (*target == '/') target++;
  if (strncmp(target, "dev", 3) != 0) return 0;
  target += 3;
  while (*target == '/') target++;
  return *target == 0;
}

/*
 * runc's remount of a bind, which emulates `mount --bind -o FLAGS`: exactly
 * the flags asked for; where the kernel refuses (flags it locks in a user
 * namespace), again with the locked flags the mount has, unless the request
 * clears one of them or asks for another atime mode. -1 with errno.
 */
static int remount_bind(int fd, const struct mount_req *m) {
  char p[32];
  fd_path(p, sizeof p, fd);
  unsigned long flags = (m->flags & ~(MS_REC | MS_PROPAGATION)) | MS_BIND | MS_REMOUNT;
  if (mount(NULL, p, NULL, flags, NULL) == 0) return 0;
  int err = errno;
  unsigned long has = statfs_mount_flags(p);
  if ((has & m->clear & MS_LOCKABLE) || ((m->flags & MS_ATIMES) && (m->flags & MS_ATIMES) != (has & MS_ATIMES))) {
    errno = err;
    return -1;
  }
  return mount(NULL, p, NULL, flags | (has & MS_LOCKABLE), NULL);
}

/*
 * proc and sysfs go on an ordinary directory: runc refuses a target that is a
 * symlink or not a directory. Here no symlink on the way is taken at all. 0
 * (the directory, or nothing yet), or -1 with errno (ELOOP, ENOTDIR).
 */
static int plain_directory(int rootfd, const char *path) {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS;
  int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  int r = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
  close(fd);
  if (r != 0) errno = ENOTDIR;
  return r;
}

void extra_mount(const struct request *req, int rootfd, const struct mount_req *m) {
  int bind = (m->flags & MS_BIND) != 0;
  if (!bind && is(m->type, "cgroup")) {
    mount_cgroup(req, rootfd, m);
    return;
  }
  struct stat st;
  /* runc: a bind of a source that does not exist is an error, before anything is made. */
  if (bind && stat(m->source, &st) != 0) report_error(STEP_MOUNT, "stat", errno);
  if (!bind && (is(m->type, "proc") || is(m->type, "sysfs")) && plain_directory(rootfd, m->target) != 0) report_error(STEP_MOUNT, "openat2", errno);
  int tmpfs = !bind && is(m->type, "tmpfs");
  int had = 0;
  mode_t mode = 0;
  if (tmpfs) {
    /* runc 1.1 gives the tmpfs the mode of the directory it covers, if there was one (mode= or not). */
    int old = open_in_root(rootfd, m->target, NO_CREATE);
    char p[32];
    fd_path(p, sizeof p, old);
    if (old >= 0 && stat(p, &st) == 0) {
      had = 1;
      mode = st.st_mode & 07777;
    }
    if (old >= 0) close(old);
  }
  int fd = in_root(rootfd, m->target, bind && !S_ISDIR(st.st_mode) ? CREATE_FILE : CREATE_DIR, STEP_MOUNT);
  /* tmpcopyup: the directory opened before the tmpfs covers it still reads what it holds. */
  int below = tmpfs && m->copyup ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (tmpfs && m->copyup && below < 0) report_error(STEP_MOUNT, "open", errno);
  char buf[PATH_MAX];
  unsigned long flags = bind ? MS_BIND | (m->flags & MS_REC) : m->flags & ~(MS_PROPAGATION | MS_REC | MS_BIND);
  if (!bind && (tmpfs || is_dev(m->target))) flags &= ~MS_RDONLY; /* read-only once filled: finish_mounts */
  if (mount_on(m->source, fd, bind ? NULL : m->type, flags, bind ? NULL : labelled(req, m->type, m->data, buf, sizeof buf)) != 0)
    report_error(STEP_MOUNT, "mount", errno);
  close(fd);
  int top = in_root(rootfd, m->target, NO_CREATE, STEP_MOUNT); /* the mount just made */
  char p[32];
  fd_path(p, sizeof p, top);
  if (below >= 0) {
    if (copy_up(below, top) != 0) report_error(STEP_MOUNT, "copy", errno);
    close(below);
  }
  if (had && chmod(p, mode) != 0) report_error(STEP_MOUNT, "chmod", errno);
  if (is(m->type, "mqueue") && req->mount_label && setxattr(p, "security.selinux", req->mount_label, strlen(req->mount_label), 0) != 0)
    report_error(STEP_MOUNT, "setxattr", errno);
  for (int i = 0; i < m->npropagation; i++)
    if (mount(NULL, p, NULL, m->propagation[i], NULL) != 0) report_error(STEP_MOUNT, "mount", errno);
  if (bind && ((m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT | MS_PROPAGATION)) || m->clear) && remount_bind(top, m) != 0)
    report_error(STEP_MOUNT, "mount", errno);
  /* Not runc's: a read-only (nosuid...) rbind is so on every mount of its tree, not on its top mount only. */
  unsigned long long deep = bind && (m->flags & MS_REC) ? mount_attr_of(m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)) : 0;
  if (deep && set_tree_attr(top, deep, 0) != 0) report_error(STEP_MOUNT, "mount_setattr", errno);
  if ((m->rset || m->rclr) && set_tree_attr(top, m->rset, m->rclr) != 0) report_error(STEP_MOUNT, "mount_setattr", errno);
  close(top);
}

void finish_mounts(const struct request *req, int rootfd) {
  for (int i = 0; i < req->nmount; i++) {
    const struct mount_req *m = &req->mounts[i];
    if ((m->flags & MS_BIND) || !(m->flags & MS_RDONLY) || !(is(m->type, "tmpfs") || is_dev(m->target))) continue;
    int fd = in_root(rootfd, m->target, NO_CREATE, STEP_MOUNT);
    char p[32];
    fd_path(p, sizeof p, fd);
    unsigned long flags = (m->flags & ~(MS_PROPAGATION | MS_REC)) | MS_REMOUNT | MS_BIND | MS_RDONLY;
    if (mount(NULL, p, NULL, flags, NULL) != 0) report_error(STEP_MOUNT, "mount", errno);
    close(fd);
  }
}
