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
#include "../common/capsets.h"

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

/* capset (permitted, effective, inheritable), then the ambient set; after the ids (common/capsets.h, shared with liblinuxns). */
void apply_caps(const struct request *req) {
  static const char *const call[] = {[CAPSETS_CAPGET] = "capget", [CAPSETS_CAPSET] = "capset", [CAPSETS_AMBIENT] = "prctl"};
  enum capsets_failure f = set_capsets(req->cap_permitted, req->cap_effective, req->cap_inheritable, req->cap_bounding, req->cap_ambient, last_cap());
  if (f != CAPSETS_OK) report_error(STEP_CAPS, call[f], errno);
}
