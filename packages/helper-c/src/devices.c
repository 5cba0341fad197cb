/*
 * Device nodes in the container's /dev, as runc makes them (createDevices,
 * setupPtmx, setupDevSymlinks in libcontainer/rootfs_linux.go): mknod with
 * the node's type, numbers, mode and owner; in a user namespace, which may
 * not mknod, or where mknod is refused, an empty file with the caller's own
 * node at the same path bound on it. Then /dev/ptmx a link to pts/ptmx, and
 * the fd, stdin, stdout, stderr links (core too, where /proc/kcore exists).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "helper.h"

int in_user_namespace(void) {
  static int known = -1;
  if (known >= 0) return known;
  /* The initial user namespace maps every id to itself: "0 0 4294967295" (runc's RunningInUserNS). */
  char buf[128] = {0};
  int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0) close(fd);
  unsigned long a = 1, b = 1, c = 0;
  known = !(n > 0 && sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL);
  return known;
}

/* The caller's node at host bound on the file name in dir (created empty if missing). */
static int bind_node(int dir, const char *name, const char *host, const char **syscall) {
  *syscall = "openat";
  int f = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (f >= 0) close(f);
  else if (errno != EEXIST) return -1;
  f = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (f < 0) return -1;
  *syscall = "mount";
  int r = mount_on(host, f, NULL, MS_BIND, NULL);
  int saved = errno;
  close(f);
  errno = saved;
  return r;
}

int make_node(int rootfd, const char *path, char type, unsigned major, unsigned minor, unsigned mode, unsigned uid, unsigned gid,
              const char *host, const char **syscall) {
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  size_t len = slash ? (size_t)(slash - path) : 0;
  *syscall = "openat2";
  if (len >= sizeof dir || !name[0]) {
    errno = len >= sizeof dir ? ENAMETOOLONG : EINVAL;
    return -1;
  }
  memcpy(dir, path, len);
  dir[len] = 0;
  int parent = open_in_root(rootfd, len ? dir : "/", CREATE_DIR);
  if (parent < 0) return -1;
  int r = -1;
  if (!in_user_namespace()) {
    mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;
    *syscall = "mknodat";
    r = mknodat(parent, name, kind | (mode & 07777), makedev(major, minor));
    if (r == 0) {
      /* The mode as given, not as the umask left it; then the owner. */
      *syscall = "fchmodat";
      r = fchmodat(parent, name, mode & 07777, 0);
      if (r == 0) *syscall = "fchownat";
      if (r == 0) r = fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW);
    } else if (errno == EEXIST) {
      r = 0; /* runc leaves a node that is there */
    }
  }
  if (r != 0 && (in_user_namespace() || errno == EPERM)) r = bind_node(parent, name, host, syscall);
  int saved = errno;
  close(parent);
  errno = saved;
  return r;
}

/* /dev/ptmx (whatever is there) replaced by a link to pts/ptmx. */
static int ptmx_link(int dev, const char **syscall) {
  *syscall = "unlinkat";
  if (unlinkat(dev, "ptmx", 0) != 0 && errno != ENOENT) return -1;
  *syscall = "symlinkat";
  return symlinkat("pts/ptmx", dev, "ptmx");
}

int dev_links(int dev, int ptmx, const char **syscall) {
  static const char *const LINKS[][2] = {
    {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
  };
  if (ptmx && ptmx_link(dev, syscall) != 0) return -1;
  *syscall = "symlinkat";
  for (size_t i = 0; i < sizeof LINKS / sizeof LINKS[0]; i++)
    if (symlinkat(LINKS[i][1], dev, LINKS[i][0]) != 0 && errno != EEXIST) return -1;
  /* CONFIG_PROC_KCORE may be off: the link only where the caller's /proc has kcore (runc). */
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") != 0 && errno != EEXIST) return -1;
  return 0;
}

void make_devices(const struct request *req, int rootfd) {
  const char *syscall;
  for (int i = 0; i < req->ndevice; i++) {
    const struct device_req *d = &req->devices[i];
    if (make_node(rootfd, d->path, d->type, d->major, d->minor, d->mode, d->uid, d->gid, d->path, &syscall) != 0)
      report_error(STEP_DEVICES, syscall, errno);
  }
  if (!req->dev_symlinks) return;
  int dev = in_root(rootfd, "/dev", CREATE_DIR, STEP_DEVICES);
  if (dev_links(dev, 1, &syscall) != 0) report_error(STEP_DEVICES, syscall, errno);
  close(dev);
}
