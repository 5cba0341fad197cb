/*
 * A container's root filesystem, made inside the new mount namespace by the
 * process that execs (see "Root filesystem" in protocol.h): the rootfs (a
 * bind of DIR on itself, or an overlay on DIR with its upper layer on a
 * tmpfs), /proc, a minimal /dev, /sys read-only, the extra mounts, masked and
 * read-only paths, the rootfs read-only, then pivot_root (or chroot).
 *
 * Every path inside the rootfs is resolved with openat2(RESOLVE_IN_ROOT), so
 * a symlink in the rootfs cannot send a mount outside it, and mounted on
 * through /proc/self/fd/N (the caller's /proc, still there before pivot_root).
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

enum { NO_CREATE, CREATE_DIR, CREATE_FILE };

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
static int open_in_root(int rootfd, const char *path, int create) {
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

static void fd_path(char *buf, size_t size, int fd) { snprintf(buf, size, "/proc/self/fd/%d", fd); }

/* open_in_root, or ERR step. */
static int in_root(int rootfd, const char *path, int create, const char *step) {
  int fd = open_in_root(rootfd, path, create);
  if (fd < 0) report_error(step, "openat2", errno);
  return fd;
}

/* An existing path inside the rootfs (--mask, --readonly-path): its fd, or -1 if it is missing (other errors: ERR step). */
static int existing_in_root(int rootfd, const char *path, const char *step) {
  int fd = open_in_root(rootfd, path, NO_CREATE);
  if (fd < 0 && errno != ENOENT) report_error(step, "openat2", errno);
  return fd;
}

/* mount(2) onto the path, inside the rootfs, open at fd. */
static int mount_on(const char *source, int fd, const char *type, unsigned long flags, const char *data) {
  char target[32];
  fd_path(target, sizeof target, fd);
  return mount(source, target, type, flags, data);
}

/* The flags a remount of a bind must keep: those the kernel locks in a less privileged namespace. */
static unsigned long locked_flags(const char *path) {
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
  return f;
}

/*
 * Gives the bind open at fd (the top mount of its path) flags (MS_RDONLY...). -1 with errno.
 * Not recursive: a remount (MS_REMOUNT | MS_BIND, the top mount only), keeping
 * the locked flags. Recursive (an rbind): mount_setattr(AT_RECURSIVE) on the
 * top mount and every mount under it, which only sets the flags asked for and
 * so never clears a locked one (a remount would leave the submounts writable).
 */
static int bind_flags(int fd, unsigned long flags, int recursive) {
  if (!recursive) {
    char p[32];
    fd_path(p, sizeof p, fd);
    return mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags(p), NULL);
  }
  struct { unsigned long long attr_set, attr_clr, propagation, userns_fd; } a = {0, 0, 0, 0}; /* struct mount_attr */
  static const struct { unsigned long ms; unsigned long long attr; } MAP[] = {
    {MS_RDONLY, ATTR_RDONLY}, {MS_NOSUID, ATTR_NOSUID}, {MS_NODEV, ATTR_NODEV}, {MS_NOEXEC, ATTR_NOEXEC},
    {MS_NODIRATIME, ATTR_NODIRATIME}, {MS_NOATIME, ATTR_NOATIME}, {MS_STRICTATIME, ATTR_STRICTATIME}};
  for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
    if (flags & MAP[i].ms) a.attr_set |= MAP[i].attr;
  if (flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) a.attr_clr = ATTR_ATIME; /* one atime mode replaces another */
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof a);
}

/* source bound recursively on path (open at fd), then every mount of it read-only (--readonly-path, the /sys fallback). */
static void rbind_readonly(int rootfd, const char *source, int fd, const char *path, const char *step) {
  if (mount_on(source, fd, NULL, MS_BIND | MS_REC, NULL) != 0) report_error(step, "mount", errno);
  int top = in_root(rootfd, path, NO_CREATE, step); /* the bind just made, on top of fd */
  if (bind_flags(top, MS_RDONLY, 1) != 0) report_error(step, "mount", errno);
  close(top);
}

/*
 * --rootfs and --rootfs-overlay: DIR becomes a mount point (pivot_root needs one).
 * The overlay (the writable variant of containers' rootfs) needs no directory of
 * its own: the lower layer is DIR as it was, held by an fd; a tmpfs for upper
 * and work is mounted on DIR, and the overlay on top of it.
 */
static void mount_rootfs(const struct request *req) {
  if (!req->rootfs_overlay) {
    if (mount(req->rootfs, req->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) report_error(STEP_ROOTFS, "mount", errno);
    return;
  }
  int lower = open(req->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (lower < 0) report_error(STEP_ROOTFS, "open", errno);
  char opts[PATH_MAX * 2 + 96];
  if (req->overlay_size) snprintf(opts, sizeof opts, "mode=0755,size=%llu", req->overlay_size);
  else snprintf(opts, sizeof opts, "mode=0755");
  if (mount("tmpfs", req->rootfs, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0) report_error(STEP_ROOTFS, "mount", errno);
  int tmpfs = open(req->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (tmpfs < 0) report_error(STEP_ROOTFS, "open", errno);
  if (mkdirat(tmpfs, "upper", 0755) != 0 || mkdirat(tmpfs, "work", 0755) != 0) report_error(STEP_ROOTFS, "mkdir", errno);
  close(tmpfs);
  /* No escaping in these options: parse.c refuses a DIR with ',', ':', '\\' or whitespace for the overlay. */
  int n = snprintf(opts, sizeof opts, "lowerdir=/proc/self/fd/%d,upperdir=%s/upper,workdir=%s/work", lower, req->rootfs, req->rootfs);
  if (n < 0 || (size_t)n >= sizeof opts) report_error(STEP_ROOTFS, "snprintf", ENAMETOOLONG);
  if (mount("overlay", req->rootfs, "overlay", 0, opts) != 0) report_error(STEP_ROOTFS, "mount", errno);
  close(lower);
}

static const char *const DEVICES[] = {"null", "zero", "full", "random", "urandom", "tty"};
static const char *const DEV_LINKS[][2] = {
  {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

/*
 * --mount-dev: a tmpfs on /dev (64 MiB, as runc's) with the common device
 * nodes bound from the caller's /dev (mknod needs privileges a user namespace
 * lacks), a new devpts instance on /dev/pts with /dev/ptmx linked to its ptmx
 * (no link where the kernel refuses that devpts), and /dev/shm mode 01777.
 * Inside the new tmpfs, which holds nothing of the rootfs, names are opened
 * relative to it.
 */
static void mount_dev(int rootfd) {
  int fd = in_root(rootfd, "/dev", CREATE_DIR, STEP_DEV);
  if (mount_on("tmpfs", fd, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=65536k") != 0) report_error(STEP_DEV, "mount", errno);
  close(fd);
  int dev = in_root(rootfd, "/dev", NO_CREATE, STEP_DEV); /* the new tmpfs */
  for (size_t i = 0; i < sizeof DEVICES / sizeof DEVICES[0]; i++) {
    char host[32];
    snprintf(host, sizeof host, "/dev/%s", DEVICES[i]);
    if (access(host, F_OK) != 0) continue; /* the caller has none to share */
    int f = openat(dev, DEVICES[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (f < 0) report_error(STEP_DEV, "openat", errno);
    if (mount_on(host, f, NULL, MS_BIND, NULL) != 0) report_error(STEP_DEV, "mount", errno);
    close(f);
  }
  for (size_t i = 0; i < sizeof DEV_LINKS / sizeof DEV_LINKS[0]; i++)
    if (symlinkat(DEV_LINKS[i][1], dev, DEV_LINKS[i][0]) != 0) report_error(STEP_DEV, "symlinkat", errno);
  if (mkdirat(dev, "pts", 0755) != 0 || mkdirat(dev, "shm", 01777) != 0) report_error(STEP_DEV, "mkdirat", errno);
  if (fchmodat(dev, "shm", 01777, 0) != 0) report_error(STEP_DEV, "fchmodat", errno); /* mkdirat's mode went through the umask */
  fd = openat(dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) report_error(STEP_DEV, "openat", errno);
  int pts = mount_on("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
  if (pts != 0 && errno != EPERM && errno != EACCES && errno != ENODEV) report_error(STEP_DEV, "mount", errno);
  close(fd);
  if (pts == 0 && symlinkat("pts/ptmx", dev, "ptmx") != 0) report_error(STEP_DEV, "symlinkat", errno);
  close(dev);
}

/* --mount-sys: sysfs read-only; where the kernel refuses it (a net namespace this user namespace does not own), the caller's /sys bound read-only. */
static void mount_sys(int rootfd) {
  int fd = in_root(rootfd, "/sys", CREATE_DIR, STEP_SYS);
  if (mount_on("sysfs", fd, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) != 0) {
    if (errno != EPERM) report_error(STEP_SYS, "mount", errno);
    rbind_readonly(rootfd, "/sys", fd, "/sys", STEP_SYS);
  }
  close(fd);
}

/* --mount=...: one extra mount, its target inside the rootfs (created if missing). */
static void extra_mount(int rootfd, const struct mount_req *m) {
  const unsigned long propagation = MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE;
  int bind = (m->flags & MS_BIND) != 0;
  struct stat st;
  int create = bind && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode) ? CREATE_FILE : CREATE_DIR;
  int fd = in_root(rootfd, m->target, create, STEP_MOUNT);
  int r = bind ? mount_on(m->source, fd, NULL, MS_BIND | (m->flags & MS_REC), NULL)
               : mount_on(m->source, fd, m->type, m->flags & ~(propagation | MS_REC), m->data[0] ? m->data : NULL);
  if (r != 0) report_error(STEP_MOUNT, "mount", errno);
  close(fd);
  /* A bind takes its flags (ro, nosuid...) only afterwards: an rbind on every mount of its tree. */
  unsigned long flags = bind ? m->flags & ~(propagation | MS_REC | MS_BIND) : 0;
  if (!flags && !(m->flags & propagation)) return;
  fd = in_root(rootfd, m->target, NO_CREATE, STEP_MOUNT); /* the mount just made */
  if (flags && bind_flags(fd, flags, (m->flags & MS_REC) != 0) != 0) report_error(STEP_MOUNT, "mount", errno);
  if ((m->flags & propagation) && mount_on(NULL, fd, NULL, m->flags & (propagation | MS_REC), NULL) != 0) report_error(STEP_MOUNT, "mount", errno);
  close(fd);
}

/* --mask=PATH: /dev/null over a file, an empty read-only tmpfs over a directory; a missing path is skipped. */
static void mask_path(int rootfd, const char *path) {
  int fd = existing_in_root(rootfd, path, STEP_MASK);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) != 0) report_error(STEP_MASK, "fstat", errno);
  int r = S_ISDIR(st.st_mode) ? mount_on("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
                              : mount_on("/dev/null", fd, NULL, MS_BIND, NULL);
  if (r != 0) report_error(STEP_MASK, "mount", errno);
  close(fd);
}

/* --readonly-path=PATH: a read-only bind of itself (recursive); a missing path is skipped. */
static void readonly_path(int rootfd, const char *path) {
  int fd = existing_in_root(rootfd, path, STEP_READONLY);
  if (fd < 0) return;
  char self[32];
  fd_path(self, sizeof self, fd);
  rbind_readonly(rootfd, self, fd, path, STEP_READONLY);
  close(fd);
}

/* pivot_root(".", ".") then a lazy unmount of the old root, as runc does: no directory for it needed. */
static void enter_rootfs(const struct request *req) {
  if (chdir(req->rootfs) != 0) report_error(STEP_PIVOT, "chdir", errno);
  if (req->no_pivot) {
    if (chroot(".") != 0) report_error(STEP_PIVOT, "chroot", errno);
  } else {
    if (syscall(SYS_pivot_root, ".", ".") != 0) report_error(STEP_PIVOT, "pivot_root", errno);
    if (umount2(".", MNT_DETACH) != 0) report_error(STEP_PIVOT, "umount2", errno);
  }
  if (chdir("/") != 0) report_error(STEP_PIVOT, "chdir", errno);
}

void prepare_mounts(const struct request *req) {
  if (!req->rootfs && !req->mount_proc && !req->nmask && !req->nreadonly) return;
  if (req->rootfs) mount_rootfs(req);
  int rootfd = open(req->rootfs ? req->rootfs : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) report_error(req->rootfs ? STEP_ROOTFS : STEP_MOUNT_PROC, "open", errno);
  if (req->mount_proc) {
    int fd = in_root(rootfd, "/proc", req->rootfs ? CREATE_DIR : NO_CREATE, STEP_MOUNT_PROC);
    if (mount_on("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) report_error(STEP_MOUNT_PROC, "mount", errno);
    close(fd);
  }
  if (req->mount_dev) mount_dev(rootfd);
  if (req->mount_sys) mount_sys(rootfd);
  for (int i = 0; i < req->nmount; i++) extra_mount(rootfd, &req->mounts[i]);
  for (int i = 0; i < req->nmask; i++) mask_path(rootfd, req->mask[i]);
  for (int i = 0; i < req->nreadonly; i++) readonly_path(rootfd, req->readonly[i]);
  if (req->rootfs_readonly) {
    int top = in_root(rootfd, "/", NO_CREATE, STEP_ROOTFS);
    if (bind_flags(top, MS_RDONLY, 0) != 0) report_error(STEP_ROOTFS, "mount", errno);
    close(top);
  }
  close(rootfd);
  if (req->rootfs) enter_rootfs(req);
}
