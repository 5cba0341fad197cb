/*
 * Drives liblinuxns under AddressSanitizer and UBSan (bin/liblinuxns-check-asan,
 * built by `node build.js --sanitize`; run by test/lib.test.js). Makes dummies
 * with good and bad maps, checks the namespace they leave, and that no child
 * is left. Prints one line per check; exits non-zero on the first failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "liblinuxns.h"

static int failed;

static void check(int ok, const char *what) {
  printf("%s %s\n", ok ? "ok" : "FAIL", what);
  if (!ok) failed = 1;
}

static int no_children(void) {
  return waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD;
}

int main(void) {
  const char *map = "0 100000 65536\n";
  int fd = lns_userns_dummy(map, strlen(map), map, strlen(map));
  check(fd >= 0, "a dummy with a 65536-id map gives a namespace fd");
  if (fd >= 0) {
    struct stat st, self;
    check(fstat(fd, &st) == 0 && stat("/proc/self/ns/user", &self) == 0 && st.st_ino != self.st_ino, "the fd is another user namespace");
    check((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "the fd is close-on-exec");
    close(fd);
  }
  check(no_children(), "the dummy was reaped");

  const char *overlap = "0 100000 10\n5 200000 10\n";
  int r = lns_userns_dummy(overlap, strlen(overlap), map, strlen(map));
  check(r < 0 && (-r) >> 16 == LNS_STEP_UID_MAP && ((-r) & 0xffff) == EINVAL, "an overlapping uid map fails at uid_map with EINVAL");
  check(no_children(), "the failed dummy was reaped");

  r = lns_userns_dummy(map, strlen(map), "junk\n", 5);
  check(r < 0 && (-r) >> 16 == LNS_STEP_GID_MAP, "a malformed gid map fails at gid_map");
  check(no_children(), "that dummy was reaped too");

  for (int i = 0; i < 200; i++) {
    fd = lns_userns_dummy(map, strlen(map), map, strlen(map));
    if (fd < 0) break;
    close(fd);
  }
  check(fd >= 0 && no_children(), "200 dummies in a row, none left");

  r = lns_open_tree(AT_FDCWD, "/nonexistent-linuxns", 1 /* OPEN_TREE_CLONE */);
  check(r == -ENOENT, "open_tree of a missing path gives -ENOENT");
  r = lns_umount("/nonexistent-linuxns", 0);
  check(r == -ENOENT, "umount of a missing path gives -ENOENT");
  return failed;
}
