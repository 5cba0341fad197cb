/* Capabilities to keep: bounding set, then capset, then the ambient set. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

static int last_cap(void) {
  char buf[16] = {0};
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CAP_LAST_CAP;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? atoi(buf) : CAP_LAST_CAP;
}

/* Drops what is not in the bounding mask; needs CAP_SETPCAP, so it runs before the ids change. */
void apply_bounding(const struct request *req) {
  int last = last_cap();
  for (int c = 0; c <= last && c < 64; c++)
    if (!(req->cap_bounding & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0)
      report_error(STEP_CAPS, "prctl", errno);
}

/* capset (permitted, effective, inheritable), then the ambient set; after the ids. */
void apply_caps(const struct request *req) {
  int last = last_cap();
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) report_error(STEP_CAPS, "capget", errno);
  unsigned long long have = ((unsigned long long)data[1].permitted << 32) | data[0].permitted;
  unsigned long long old_inh = ((unsigned long long)data[1].inheritable << 32) | data[0].inheritable;
  /* The kernel takes a set only within what the process has: inheritable also within the bounding set. */
  unsigned long long perm = req->cap_permitted & have;
  unsigned long long eff = req->cap_effective & perm;
  unsigned long long inh = req->cap_inheritable & (have | old_inh) & req->cap_bounding;
  data[0].permitted = (unsigned)perm;
  data[1].permitted = (unsigned)(perm >> 32);
  data[0].effective = (unsigned)eff;
  data[1].effective = (unsigned)(eff >> 32);
  data[0].inheritable = (unsigned)inh;
  data[1].inheritable = (unsigned)(inh >> 32);
  if (syscall(SYS_capset, &hdr, data) != 0) report_error(STEP_CAPS, "capset", errno);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) report_error(STEP_CAPS, "prctl", errno);
  for (int c = 0; c <= last && c < 64; c++)
    if ((req->cap_ambient & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0)
      report_error(STEP_CAPS, "prctl", errno);
}
