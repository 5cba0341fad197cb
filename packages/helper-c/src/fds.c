/* The fds PROGRAM gets (--fd), and the helper's own ones it needs until exec (keep_until_exec in helper.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int *kept[MAX_KEPT_FDS];
static int nkept;

int keep_until_exec(int *fd) {
  for (int i = 0; i < nkept; i++)
    if (kept[i] == fd) return 0;
  if (nkept == MAX_KEPT_FDS) {
    errno = ENOSPC;
    return -1;
  }
  kept[nkept++] = fd;
  return 0;
}

void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* Moves every kept fd that is open and below low to a close-on-exec fd >= low; 0, or -1 with errno. */
static int move_kept_fds_above(int low) {
  for (int i = 0; i < nkept; i++) {
    int *fd = kept[i];
    if (*fd < 0 || *fd >= low) continue;
    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, low);
    if (moved < 0) return -1;
    close(*fd);
    *fd = moved;
  }
  return 0;
}

/*
 * Only stdio and the --fd targets reach PROGRAM: every other fd, the status
 * channel included, is marked close-on-exec. Then --fd=TARGET:SOURCE: first
 * move every source above every target (so that no dup2 overwrites a source
 * still to be placed), then dup2 each into place; dup2 clears close-on-exec on
 * the target, and only targets stay open.
 */
void place_fds(const struct request *req) {
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) report_error(STEP_EXEC, "close_range", errno);
  int high = 3;
  for (int i = 0; i < req->nfds; i++) {
    if (req->fds[i].target >= high) high = req->fds[i].target + 1;
    if (req->fds[i].source >= high) high = req->fds[i].source + 1;
  }
  int moved[MAX_FDS];
  for (int i = 0; i < req->nfds; i++) {
    moved[i] = fcntl(req->fds[i].source, F_DUPFD_CLOEXEC, high);
    if (moved[i] < 0) report_error(STEP_FDS, "fcntl", errno);
  }
  /* The helper's own fds too: an exec that fails after the dup2s still tells them (a target on the channel's
     own number once took the ERR line). */
  if (move_kept_fds_above(high) != 0) report_error(STEP_FDS, "fcntl", errno);
  for (int i = 0; i < req->nfds; i++)
    if (dup2(moved[i], req->fds[i].target) < 0) report_error(STEP_FDS, "dup2", errno);
}
