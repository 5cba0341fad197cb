/*
 * A container's root filesystem, made inside the new mount namespace by the
 * process that execs (see "Root filesystem" in request-oci.h): the rootfs (a
 * bind of DIR on itself, or an overlay on DIR with its upper layer on a
 * tmpfs), /proc, a minimal /dev, /sys read-only, the extra mounts, masked and
 * read-only paths, the rootfs read-only, then pivot_root (or chroot).
 *
 * Every path inside the rootfs is resolved and mounted on through inroot.c
 * (openat2 RESOLVE_IN_ROOT, /proc/self/fd/N: the caller's /proc, still there
 * before pivot_root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

/* An existing path inside the rootfs (--mask, --readonly-path): its fd, or -1 if it is missing (other errors: ERR step). */
static int existing_in_root(int rootfd, const char *path, const char *step) {
  int fd = open_in_root(rootfd, path, NO_CREATE);
  if (fd < 0 && errno != ENOENT) report_error(step, "openat2", errno);
  return fd;
}

/*
 * Gives the bind open at fd (the top mount of its path) flags (MS_RDONLY...). -1 with errno.
 * Not recursive: a remount (MS_REMOUNT | MS_BIND, the top mount only), keeping
 * the locked flags. Recursive: mount_setattr(AT_RECURSIVE) on the top mount
 * and every mount under it, which only sets the flags asked for and so never
 * clears a locked one (a remount would leave the submounts writable).
 */
static int bind_flags(int fd, unsigned long flags, int recursive) {
  if (recursive) return set_tree_attr(fd, mount_attr_of(flags), 0);
  char p[32];
  fd_path(p, sizeof p, fd);
  unsigned long locked = statfs_mount_flags(p) & ~MS_STRICTATIME;
  return mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | flags | locked, NULL);
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
 * As runc does, the mount holding DIR is made private first if it is shared:
 * pivot_root refuses a new root whose parent mount is shared, and the bind
 * would propagate out (only with --propagation shared or unchanged).
 * The overlay (the writable variant of containers' rootfs) needs no directory of
 * its own: the lower layer is DIR as it was, held by an fd; a tmpfs for upper
 * and work is mounted on DIR, and the overlay on top of it.
 */
static void mount_rootfs(const struct request *req) {
  char parent[PATH_MAX];
  int shared = 0;
  /* A missing DIR is left to the mount below to report, as it always was. */
  if (mount_of(req->rootfs, parent, sizeof parent, &shared) != 0 && errno != ENOENT) report_error(STEP_ROOTFS, "statx", errno);
  if (shared && mount(NULL, parent, NULL, MS_PRIVATE, NULL) != 0) report_error(STEP_ROOTFS, "mount", errno);
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

/* runc's default devices: char devices with their numbers, mode 0666, root's. */
static const struct { const char *name; unsigned major, minor; } DEVICES[] = {
  {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

/*
 * --mount-dev: a tmpfs on /dev (64 MiB, as runc's) with the common device
 * nodes (made with mknod, or in a user namespace, which may not, bound from
 * the caller's /dev, as runc does), a new devpts instance on /dev/pts with
 * /dev/ptmx linked to its ptmx (no link where the kernel refuses that
 * devpts), /dev/shm mode 01777, and the fd, stdin, stdout, stderr (and core)
 * links. Inside the new tmpfs, which holds nothing of the rootfs, names are
 * opened relative to it.
 */
static void mount_dev(const struct request *req, int rootfd) {
  int fd = in_root(rootfd, "/dev", CREATE_DIR, STEP_DEV);
  char buf[PATH_MAX];
  if (mount_on("tmpfs", fd, "tmpfs", MS_NOSUID | MS_STRICTATIME, labelled(req, "tmpfs", "mode=0755,size=65536k", buf, sizeof buf)) != 0)
    report_error(STEP_DEV, "mount", errno);
  close(fd);
  int dev = in_root(rootfd, "/dev", NO_CREATE, STEP_DEV); /* the new tmpfs */
  const char *syscall;
  for (size_t i = 0; i < sizeof DEVICES / sizeof DEVICES[0]; i++) {
    char path[32];
    snprintf(path, sizeof path, "/dev/%s", DEVICES[i].name);
    if (in_user_namespace() && access(path, F_OK) != 0) continue; /* the caller has none to share */
    if (make_node(rootfd, path, 'c', DEVICES[i].major, DEVICES[i].minor, 0666, 0, 0, path, &syscall) != 0) report_error(STEP_DEV, syscall, errno);
  }
  if (mkdirat(dev, "pts", 0755) != 0 || mkdirat(dev, "shm", 01777) != 0) report_error(STEP_DEV, "mkdirat", errno);
  if (fchmodat(dev, "shm", 01777, 0) != 0) report_error(STEP_DEV, "fchmodat", errno); /* mkdirat's mode went through the umask */
  fd = openat(dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) report_error(STEP_DEV, "openat", errno);
  int pts = mount_on("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC, labelled(req, "devpts", "newinstance,ptmxmode=0666,mode=0620", buf, sizeof buf));
  if (pts != 0 && errno != EPERM && errno != EACCES && errno != ENODEV) report_error(STEP_DEV, "mount", errno);
  close(fd);
  if (dev_links(dev, pts == 0, &syscall) != 0) report_error(STEP_DEV, syscall, errno);
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

/* --mask=PATH: /dev/null over a file, an empty read-only tmpfs over a directory; a missing path is skipped. */
static void mask_path(const struct request *req, int rootfd, const char *path) {
  int fd = existing_in_root(rootfd, path, STEP_MASK);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) != 0) report_error(STEP_MASK, "fstat", errno);
  char buf[PATH_MAX];
  int r = S_ISDIR(st.st_mode) ? mount_on("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, labelled(req, "tmpfs", "", buf, sizeof buf))
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
  int old = req->no_pivot ? -1 : open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (!req->no_pivot && old < 0) report_error(STEP_PIVOT, "open", errno);
  if (chdir(req->rootfs) != 0) report_error(STEP_PIVOT, "chdir", errno);
  if (req->no_pivot) {
    if (chroot(".") != 0) report_error(STEP_PIVOT, "chroot", errno);
  } else {
    if (syscall(SYS_pivot_root, ".", ".") != 0) report_error(STEP_PIVOT, "pivot_root", errno);
    /* Into the old root, which is stacked on the new one (as runc: the kernel does not promise where "." is). */
    if (fchdir(old) != 0) report_error(STEP_PIVOT, "fchdir", errno);
    close(old);
    /* The old root a slave first (runc): with shared propagation its unmount would reach the caller's mounts. */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) != 0) report_error(STEP_PIVOT, "mount", errno);
    if (umount2(".", MNT_DETACH) != 0) report_error(STEP_PIVOT, "umount2", errno);
  }
  if (chdir("/") != 0) report_error(STEP_PIVOT, "chdir", errno);
}

void prepare_mounts(const struct request *req) {
  if (!req->rootfs && !req->mount_proc && !req->nmask && !req->nreadonly) {
    write_sysctls(req);
    return;
  }
  if (req->rootfs) mount_rootfs(req);
  int rootfd = open(req->rootfs ? req->rootfs : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) report_error(req->rootfs ? STEP_ROOTFS : STEP_MOUNT_PROC, "open", errno);
  if (req->mount_proc) {
    int fd = in_root(rootfd, "/proc", req->rootfs ? CREATE_DIR : NO_CREATE, STEP_MOUNT_PROC);
    if (mount_on("proc", fd, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) report_error(STEP_MOUNT_PROC, "mount", errno);
    close(fd);
  }
  if (req->mount_dev) mount_dev(req, rootfd);
  if (req->mount_sys) mount_sys(rootfd);
  for (int i = 0; i < req->nmount; i++) extra_mount(req, rootfd, &req->mounts[i]);
  make_devices(req, rootfd);  /* after the mounts, as runc: in the /dev they made */
  finish_mounts(req, rootfd); /* tmpfs and /dev read-only once filled */
  write_sysctls(req);         /* before /proc/sys is read-only (runc's order) */
  for (int i = 0; i < req->nmask; i++) mask_path(req, rootfd, req->mask[i]);
  for (int i = 0; i < req->nreadonly; i++) readonly_path(rootfd, req->readonly[i]);
  if (req->rootfs_readonly) {
    int top = in_root(rootfd, "/", NO_CREATE, STEP_ROOTFS);
    if (bind_flags(top, MS_RDONLY, 0) != 0) report_error(STEP_ROOTFS, "mount", errno);
    close(top);
  }
  close(rootfd);
  if (req->rootfs) enter_rootfs(req);
}
