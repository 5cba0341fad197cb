/*
 * runc's tmpcopyup: a tmpfs that covers a directory starts with a copy of
 * what that directory holds (files, directories, links and nodes, with their
 * modes and owners), as runc 1.1's fileutils.CopyDirectory makes it. runc
 * mounts the tmpfs on a directory of /tmp, copies and moves it; here the
 * directory is opened before the tmpfs covers it, and its files are read
 * through that fd once the tmpfs is there: no path outside the rootfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "helper.h"

/* Deeper than this is a loop or a trick: ELOOP. */
#define MAX_COPY_DEPTH 64

/* The bytes of regular file `name` in `src` into a new file of `dst`. 0, or -1 with errno. */
static int copy_file(int src, int dst, const char *name, mode_t mode) {
  int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return -1;
  int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
  if (out < 0) {
    int e = errno;
    close(in);
    errno = e;
    return -1;
  }
  char buf[65536];
  ssize_t n;
  int r = 0;
  while ((n = read(in, buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      r = -1;
      break;
    }
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        r = -1;
        break;
      }
      off += w;
    }
    if (r) break;
  }
  int e = errno;
  close(in);
  close(out);
  errno = e;
  return r;
}

/* One entry of `src` made again in `dst`, owner and mode last (chown clears set-id bits). 0, or -1 with errno. */
static int copy_entry(int src, int dst, const char *name, int depth);

/* Everything in directory `src` into directory `dst`. 0, or -1 with errno. */
static int copy_dir(int src, int dst, int depth) {
  if (depth > MAX_COPY_DEPTH) {
    errno = ELOOP;
    return -1;
  }
  int fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR *d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  int r = 0;
  struct dirent *ent;
  while (r == 0 && (errno = 0, ent = readdir(d)) != NULL)
    if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) r = copy_entry(src, dst, ent->d_name, depth);
  if (r == 0 && errno != 0) r = -1;
  int e = errno;
  closedir(d);
  errno = e;
  return r;
}

static int copy_entry(int src, int dst, const char *name, int depth) {
  struct stat st;
  if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  int r;
  if (S_ISDIR(st.st_mode)) {
    r = mkdirat(dst, name, 0700);
    int a = r == 0 ? openat(src, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    int b = a >= 0 ? openat(dst, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    r = b >= 0 ? copy_dir(a, b, depth + 1) : -1;
    int e = errno;
    if (a >= 0) close(a);
    if (b >= 0) close(b);
    errno = e;
  } else if (S_ISREG(st.st_mode)) {
    r = copy_file(src, dst, name, st.st_mode);
  } else if (S_ISLNK(st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = readlinkat(src, name, target, sizeof target - 1);
    if (n >= 0) target[n] = 0;
    r = n < 0 ? -1 : symlinkat(target, dst, name);
  } else {
    r = mknodat(dst, name, st.st_mode & (S_IFMT | 0777), st.st_rdev);
  }
  if (r != 0) return -1;
  if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) return -1;
  return S_ISLNK(st.st_mode) ? 0 : fchmodat(dst, name, st.st_mode & 07777, 0);
}

int copy_up(int from, int to) { return copy_dir(from, to, 0); }
