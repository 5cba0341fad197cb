/*
 * The reaper of lns_spawn's commands: one thread of this library waits on
 * the children's pidfds with epoll and writes one record per exit to a pipe
 * the caller reads (lns_exit_fd). Only children made here are waited for, by
 * pidfd, so no other child's exit (libuv's, say) is ever taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>
#include "liblinuxns.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static pthread_mutex_t waiter_lock = PTHREAD_MUTEX_INITIALIZER;
static int waiter_epoll = -1;
static int exit_pipe[2] = {-1, -1};

/* The reaper: one record { pid, si_code, si_status } (three int32) per exit, written whole (< PIPE_BUF). */
static void *reap_loop(void *unused) {
  (void)unused;
  struct epoll_event ev[16];
  for (;;) {
    int n = epoll_wait(waiter_epoll, ev, 16, -1);
    if (n < 0) continue; /* EINTR */
    for (int i = 0; i < n; i++) {
      int pidfd = (int)(uint32_t)ev[i].data.u64;
      int32_t pid = (int32_t)(ev[i].data.u64 >> 32);
      siginfo_t si;
      memset(&si, 0, sizeof si);
      int r;
      do r = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
      while (r != 0 && errno == EINTR);
      (void)epoll_ctl(waiter_epoll, EPOLL_CTL_DEL, pidfd, NULL);
      /* si_code 0 and the errno as status: waitid failed (it cannot, for a child of ours not yet reaped). */
      int32_t rec[3] = {pid, r == 0 ? si.si_code : 0, r == 0 ? si.si_status : errno};
      close(pidfd);
      ssize_t w;
      do w = write(exit_pipe[1], rec, sizeof rec);
      while (w < 0 && errno == EINTR);
    }
  }
  return NULL;
}

int lns_exit_fd(void) {
  pthread_mutex_lock(&waiter_lock);
  int r = exit_pipe[0];
  if (r >= 0) goto out;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    r = -errno;
    goto out;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    r = -errno;
    close(ep);
    goto out;
  }
  /* The thread takes no signal meant for the process: all blocked while it starts, it keeps the mask. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  waiter_epoll = ep;
  exit_pipe[0] = p[0];
  exit_pipe[1] = p[1];
  pthread_t t;
  int e = pthread_create(&t, NULL, reap_loop, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (e != 0) {
    close(ep);
    close(p[0]);
    close(p[1]);
    waiter_epoll = exit_pipe[0] = exit_pipe[1] = -1;
    r = -e;
    goto out;
  }
  pthread_detach(t);
  r = p[0];
out:
  pthread_mutex_unlock(&waiter_lock);
  return r;
}

int lns_reaper_started(void) {
  return waiter_epoll >= 0;
}

int lns_reaper_watch(int pidfd, int pid) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((uint64_t)(uint32_t)pid << 32) | (uint32_t)pidfd};
  return epoll_ctl(waiter_epoll, EPOLL_CTL_ADD, pidfd, &ev);
}
