/*
 * --pin: new namespaces bind-mounted on paths of the caller's mount namespace
 * (see "Pins" in request.h). The keeper is the helper's first process: it
 * joins and creates nothing, so the paths resolve, and the mounts land, where
 * the caller sees them. Keeper and setup talk over a socketpair (the bytes
 * are protocol.h's):
 *   setup -> keeper  SYNC_PINS with one fd per pin (SCM_RIGHTS), in --pin order;
 *   keeper -> setup  SYNC_PINNED, or SYNC_PIN_FAILED (the keeper wrote ERR);
 *   setup -> keeper  SYNC_FAILED from report_error: a step failed, undo the pins.
 * End of file after SYNC_PINNED means PROGRAM exec'd (the socket closes on
 * exec): the pins stay.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "helper.h"

/* The setup side's end of the socket; -1 in the keeper and without pins. */
static int channel = -1;

static void say(int fd, char c) {
  while (send(fd, &c, 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

/* The setup's failure hook: a step failed (ERR is written), the keeper must undo the pins. */
static void pin_failed(void) {
  if (channel >= 0) say(channel, SYNC_FAILED);
}

/* Room for the fds of every pin in one message. */
union control { char buf[CMSG_SPACE(sizeof(int) * MAX_PIN)]; struct cmsghdr align; };

/* A message of the one byte at *c, with control (len bytes of it; none if NULL). */
static struct msghdr message(struct iovec *iov, char *c, union control *control, size_t len) {
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  *iov = (struct iovec){c, 1};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control ? control->buf : NULL;
  msg.msg_controllen = control ? len : 0;
  return msg;
}

/* One message: its first byte (0 at end of file), and up to MAX_PIN fds in fds (their count in *nfds). */
static char hear(int fd, int *fds, int *nfds) {
  char c = 0;
  union control u;
  struct iovec iov;
  struct msghdr msg = message(&iov, &c, fds ? &u : NULL, sizeof u.buf);
  ssize_t n;
  while ((n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
  if (nfds) *nfds = 0;
  for (struct cmsghdr *h = fds ? CMSG_FIRSTHDR(&msg) : NULL; h; h = CMSG_NXTHDR(&msg, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
    int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    if (*nfds + k > MAX_PIN) break; /* cannot happen: the buffer holds MAX_PIN */
    memcpy(fds + *nfds, CMSG_DATA(h), sizeof(int) * (size_t)k);
    *nfds += k;
  }
  return n == 1 ? c : 0;
}

/* Pin p with the namespace open at fd: create the file if missing, refuse a mount point, bind. 0, or -1 with errno and *syscall. */
static int pin_one(const struct pin *p, int fd, int *created, const char **syscall) {
  *created = 0;
  *syscall = "open";
  int f = open(p->path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (f >= 0) {
    close(f);
    *created = 1;
  } else if (errno != EEXIST) {
    return -1;
  } else {
    struct statx st;
    *syscall = "statx";
    if (statx(AT_FDCWD, p->path, 0, STATX_BASIC_STATS, &st) != 0) return -1;
    *syscall = "mount";
    /* Stacking a second mount on a pin would hide the first: refuse, as mount would be busy. */
    if (st.stx_attributes_mask & st.stx_attributes & STATX_ATTR_MOUNT_ROOT) {
      errno = EBUSY;
      return -1;
    }
  }
  char source[32];
  snprintf(source, sizeof source, "/proc/self/fd/%d", fd);
  *syscall = "mount";
  if (mount(source, p->path, NULL, MS_BIND, NULL) == 0) return 0;
  int saved = errno;
  if (*created) unlink(p->path);
  errno = saved;
  return -1;
}

/* Undoes the first n pins, last first. */
static void unpin(const struct request *req, const int *created, int n) {
  while (n-- > 0) {
    umount2(req->pin[n].path, MNT_DETACH);
    if (created[n]) unlink(req->pin[n].path);
  }
}

/* The keeper failed: ERR on the channel, SYNC_PIN_FAILED to the setup (which then exits), reap it, exit. */
static _Noreturn void keeper_fails(int sock, int pid, const char *step, const char *syscall, int err) {
  report_failure(step, syscall, err);
  say(sock, SYNC_PIN_FAILED);
  close(sock);
  reap(pid);
  _exit(HELPER_EXIT_SETUP);
}

int keep_pins(const struct request *req, int caller) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) report_error(STEP_SYNC, "socketpair", errno);
  int keeper = getpid();
  pid_t pid = fork();
  if (pid < 0) report_error(STEP_FORK, "fork", errno);
  if (pid == 0) {
    close(sv[0]);
    channel = sv[1];
    if (keep_until_exec(&channel) != 0) report_error(STEP_SYNC, "keep_until_exec", errno);
    if (on_failure(pin_failed) != 0) report_error(STEP_SYNC, "on_failure", errno);
    return keeper; /* main sets the parent-death signal, and checks the keeper is still there */
  }
  close(sv[1]);
  gate_release(req);
  /* The keeper is the caller's child: --pdeathsig is about it (the setup gets SIGKILL, from main). */
  if (req->pdeathsig && prctl(PR_SET_PDEATHSIG, req->pdeathsig) != 0) abandon_child(pid, STEP_PRCTL, "prctl", errno);
  if (req->pdeathsig && getppid() != caller) abandon_child(pid, STEP_PRCTL, "getppid", ESRCH);

  int fds[MAX_PIN], nfds = 0;
  char what = hear(sv[0], fds, &nfds);
  if (what != SYNC_PINS) {
    /* The setup failed before the namespaces existed (it wrote ERR): nothing to undo. */
    for (int i = 0; i < nfds; i++) close(fds[i]);
    close(sv[0]);
    supervise(pid, req->status_fd);
  }
  int created[MAX_PIN] = {0}, done = 0, err = nfds == req->npin ? 0 : EPROTO;
  const char *syscall = "recvmsg";
  while (!err && done < req->npin) {
    if (pin_one(&req->pin[done], fds[done], &created[done], &syscall) == 0) done++;
    else err = errno;
  }
  for (int i = 0; i < nfds; i++) close(fds[i]); /* the mounts hold the namespaces now */
  if (err) {
    unpin(req, created, done);
    keeper_fails(sv[0], pid, nfds == req->npin ? STEP_PIN : STEP_SYNC, syscall, err);
  }
  say(sv[0], SYNC_PINNED);
  /* SYNC_FAILED: a later step failed (ERR is on the channel), undo; end of file: PROGRAM runs, keep. */
  if (hear(sv[0], NULL, NULL) == SYNC_FAILED) unpin(req, created, req->npin);
  close(sv[0]);
  supervise(pid, req->status_fd);
}

/* A failure of send_pins itself: ERR, and SYNC_FAILED to the keeper (which then only supervises). */
static int send_failed(const char *step, const char *syscall, int err) {
  report_failure(step, syscall, err);
  pin_failed();
  return -1;
}

int send_pins(const struct request *req) {
  if (channel < 0) return 0;
  int fds[MAX_PIN];
  for (int i = 0; i < req->npin; i++) {
    int type = req->pin[i].type;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s%s", ns_name(type), type & (CLONE_NEWPID | CLONE_NEWTIME) ? "_for_children" : "");
    fds[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) {
      int saved = errno;
      while (i-- > 0) close(fds[i]);
      return send_failed(STEP_PIN, "open", saved);
    }
  }
  char c = SYNC_PINS;
  union control u;
  memset(&u, 0, sizeof u);
  struct iovec iov;
  struct msghdr msg = message(&iov, &c, &u, CMSG_SPACE(sizeof(int) * (size_t)req->npin));
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)req->npin);
  memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)req->npin);
  ssize_t n;
  while ((n = sendmsg(channel, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {}
  int saved = errno;
  for (int i = 0; i < req->npin; i++) close(fds[i]);
  if (n != 1) return send_failed(STEP_SYNC, "sendmsg", saved);
  /* Not SYNC_PINNED: the keeper failed and wrote ERR (SYNC_PIN_FAILED), or is gone (end of file). */
  return hear(channel, NULL, NULL) == SYNC_PINNED ? 0 : -1;
}

void pin_release(void) { close_fd(&channel); }

