/*
 * /proc/self/mountinfo, read line by line into a static buffer (no
 * allocation): the mount that holds a path (runc's rootfs parent), and the
 * cgroup hierarchies (cgroupfs.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helper.h"

/* The next space-separated field of *s, NUL-terminated in place; NULL at the end of the line. */
static char *field(char **s) {
  char *f = *s;
  if (!f || !*f) return NULL;
  char *sp = strchr(f, ' ');
  if (sp) {
    *sp = 0;
    *s = sp + 1;
  } else {
    *s = NULL;
  }
  return f;
}

/* The kernel's octal escapes (\040 for a space...) undone in place. */
static void unescape_octal(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
      *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
      s += 3;
    } else {
      *out++ = *s;
    }
  }
  *out = 0;
}

int parse_mountinfo(char *line, struct mountinfo *mi) {
  char *s = line;
  char *id = field(&s);
  field(&s); /* parent */
  field(&s); /* major:minor */
  mi->root = field(&s);
  mi->mountpoint = field(&s);
  if (!field(&s) || !s) return -1; /* mount options; then the optional fields, " - ", fstype, source, superblock options */
  char *rest;
  if (strncmp(s, "- ", 2) == 0) {
    mi->optional = (char *)"";
    rest = s + 2;
  } else {
    char *dash = strstr(s, " - ");
    if (!dash) return -1;
    *dash = 0;
    mi->optional = s;
    rest = dash + 3;
  }
  mi->fstype = field(&rest);
  mi->source = field(&rest);
  mi->super = field(&rest);
  if (!id || !mi->mountpoint || !mi->super) return -1;
  mi->id = (int)strtol(id, NULL, 10);
  unescape_octal(mi->root);
  unescape_octal(mi->mountpoint);
  return 0;
}

int each_mount(int (*each)(struct mountinfo *mi, void *arg), void *arg) {
  static char buf[65536];
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t have = 0;
  int skipping = 0, r = 0;
  for (;;) {
    ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r = -1;
      break;
    }
    have += (size_t)n;
    buf[have] = 0;
    char *line = buf, *nl;
    while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
      *nl = 0;
      struct mountinfo mi;
      if (!skipping && parse_mountinfo(line, &mi) == 0 && (r = each(&mi, arg)) != 0) break;
      skipping = 0;
      line = nl + 1;
    }
    if (r != 0 || n == 0) break;
    have -= (size_t)(line - buf);
    memmove(buf, line, have);
    if (have == sizeof buf - 1) {
      /* A line longer than the buffer: drop what is read of it, and the rest up to its newline. */
      have = 0;
      skipping = 1;
    }
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return r;
}

struct holder { int id; char *mountpoint; size_t size; int *shared; int found; };

static int is_holder(struct mountinfo *mi, void *arg) {
  struct holder *h = arg;
  if (mi->id != h->id) return 0;
  if (strlen(mi->mountpoint) >= h->size) return ENAMETOOLONG;
  strcpy(h->mountpoint, mi->mountpoint);
  *h->shared = strstr(mi->optional, "shared:") != NULL;
  h->found = 1;
  return 1;
}

int mount_of(const char *path, char *mountpoint, size_t size, int *shared) {
  struct statx st;
  if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &st) != 0) return -1;
  if (!(st.stx_mask & STATX_MNT_ID)) {
    errno = ENOSYS;
    return -1;
  }
  struct holder h = {(int)st.stx_mnt_id, mountpoint, size, shared, 0};
  int r = each_mount(is_holder, &h);
  if (r < 0) return -1;
  if (r > 1) {
    errno = r;
    return -1;
  }
  if (!h.found) {
    errno = ENOENT;
    return -1;
  }
  return 0;
}
