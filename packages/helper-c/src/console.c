/*
 * --console=PATH: PROGRAM's terminal, as runc makes a container's console.
 *
 * console_connect, first thing, in the caller's namespaces and with its
 * privileges: a close-on-exec unix stream socket connected to PATH (an
 * engine's console socket, on the host). Nothing is made before it, so a
 * missing socket leaves nothing behind (ERR console connect 2).
 *
 * console_setup, in PROGRAM once its mounts are made (pivot_root included) and
 * it leads a session of its own: a pty opened at /dev/ptmx as PROGRAM sees it
 * (the container's devpts instance: the slave is its /dev/pts/N), sized by
 * --console-size, its master sent on the socket with SCM_RIGHTS (the data
 * "/dev/ptmx", as runc's utils.SendFd names the file; conmon and the
 * containerd shim read the fd only), the slave bound on /dev/console of a
 * container's rootfs (runc's mountConsole), made the controlling terminal
 * (TIOCSCTTY) and stdin, stdout, stderr. PROGRAM keeps neither the master nor
 * the socket: every fd here is close-on-exec and closed before the exec.
 *
 * --console-relay instead: a socketpair first thing, PROGRAM sends the master
 * on its end as above, and console_relay, in the supervisor that made the
 * pair, relays it to the helper's own stdin and stdout until PROGRAM ends, as
 * runc relays a foreground container's terminal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "helper.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int console_fd = -1;  /* PROGRAM's end: the master is sent on it */
static int relay_fd = -1;    /* --console-relay: the other end, read by the supervisor that made the pair */
static pid_t relay_owner;

void console_connect(const struct request *req) {
  if (req->console_relay) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) report_error(STEP_CONSOLE, "socketpair", errno);
    console_fd = sv[0];
    relay_fd = sv[1];
    relay_owner = getpid();
    return;
  }
  if (!req->console) return;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(req->console);
  if (len >= sizeof addr.sun_path) report_error(STEP_CONSOLE, "connect", ENAMETOOLONG);
  memcpy(addr.sun_path, req->console, len + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) report_error(STEP_CONSOLE, "socket", errno);
  int r;
  while ((r = connect(fd, (struct sockaddr *)&addr, sizeof addr)) != 0 && errno == EINTR) {}
  if (r != 0) {
    int saved = errno;
    close(fd);
    report_error(STEP_CONSOLE, "connect", saved);
  }
  console_fd = fd;
}

void console_release(void) { close_fd(&console_fd); }

/* Sends fd on the console socket, named as runc names it. */
static int send_master(int fd) {
  static const char name[] = "/dev/ptmx";
  struct iovec iov = {.iov_base = (void *)name, .iov_len = sizeof name - 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof u);
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t n;
  while ((n = sendmsg(console_fd, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {}
  if (n < 0) return -1;
  if ((size_t)n != iov.iov_len) {
    errno = EIO;
    return -1;
  }
  return 0;
}

/* A container's /dev/console: the slave bound on it (created empty if missing), as runc's mountConsole. */
static void mount_console(const char *slave) {
  int fd = open("/dev/console", O_RDONLY | O_CREAT | O_NOCTTY | O_CLOEXEC, 0600);
  if (fd < 0) report_error(STEP_CONSOLE, "open", errno);
  close(fd);
  if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) != 0) report_error(STEP_CONSOLE, "mount", errno);
}

void console_setup(const struct request *req) {
  if (console_fd < 0) return;
  close_fd(&relay_fd); /* the supervisor's end */
  /* The session first: the slave may become the controlling terminal of its leader only. */
  if (getsid(0) != getpid() && setsid() < 0) report_error(STEP_CONSOLE, "setsid", errno);
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) report_error(STEP_CONSOLE, "open", errno);
  int unlock = 0, n = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0) report_error(STEP_CONSOLE, "ioctl", errno);
  if (ioctl(master, TIOCGPTN, &n) != 0) report_error(STEP_CONSOLE, "ioctl", errno);
  /* The slave of this master's own devpts instance, whatever the mounts hide (no path lookup). */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) report_error(STEP_CONSOLE, "ioctl", errno);
  if (req->has_console_size) {
    struct winsize ws = {.ws_row = (unsigned short)req->console_rows, .ws_col = (unsigned short)req->console_cols};
    if (ioctl(master, TIOCSWINSZ, &ws) != 0) report_error(STEP_CONSOLE, "ioctl", errno);
  }
  if (req->rootfs) {
    char path[32];
    snprintf(path, sizeof path, "/dev/pts/%d", n);
    mount_console(path);
  }
  if (send_master(master) != 0) report_error(STEP_CONSOLE, "sendmsg", errno);
  close(master);
  console_release();
  if (ioctl(slave, TIOCSCTTY, 0) != 0) report_error(STEP_CONSOLE, "ioctl", errno);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) report_error(STEP_CONSOLE, "dup2", errno);
  close(slave);
}

/* --console-relay, in the supervisor: the master received from PROGRAM, or -1 (PROGRAM failed first: end of file). */
static int receive_master(void) {
  char data[64];
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  ssize_t n;
  while ((n = recvmsg(relay_fd, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
  close_fd(&relay_fd);
  struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int))) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static void write_all(int fd, const char *buf, ssize_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, (size_t)len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return; /* a reader gone: the output is dropped, as a terminal closed would */
    buf += n;
    len -= n;
  }
}

static volatile sig_atomic_t winch;
static void on_winch(int sig) {
  (void)sig;
  winch = 1;
}
static void on_chld(int sig) { (void)sig; }

int console_relay(int pid, int *status) {
  if (relay_fd < 0 || getpid() != relay_owner) return 0;
  int master = receive_master();
  if (master < 0) return 0;
  /* Signals wake ppoll only: a SIGCHLD or SIGWINCH between the checks and the wait is not lost. */
  sigset_t block, waiting;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigaddset(&block, SIGWINCH);
  sigprocmask(SIG_BLOCK, &block, &waiting);
  sigdelset(&waiting, SIGCHLD);
  sigdelset(&waiting, SIGWINCH);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_winch; /* instead of forwarding it: the pty's size follows this terminal's, and the kernel tells PROGRAM */
  sigaction(SIGWINCH, &sa, NULL);
  sa.sa_handler = on_chld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  struct termios saved;
  int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    struct termios raw = saved;
    cfmakeraw(&raw);
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    winch = 1;
  }
  int in_open = 1, out_open = 1, reaped = 0;
  char buf[8192];
  for (;;) {
    if (winch) {
      winch = 0;
      struct winsize ws;
      if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    }
    if (!reaped && waitpid(pid, status, WNOHANG) == pid) reaped = 1;
    if (reaped && !out_open) break;
    struct pollfd p[2] = {{out_open ? master : -1, POLLIN, 0}, {in_open ? STDIN_FILENO : -1, POLLIN, 0}};
    /* Once PROGRAM is reaped, what its terminal still holds is read until it has nothing more for a moment. */
    struct timespec drain = {0, 100 * 1000 * 1000};
    int n = ppoll(p, 2, reaped ? &drain : NULL, &waiting);
    if (n < 0 && errno != EINTR) break;
    if (n == 0) break;
    if (n < 0) continue;
    if (p[0].revents) {
      ssize_t k = read(master, buf, sizeof buf);
      if (k > 0) write_all(STDOUT_FILENO, buf, k);
      else if (k == 0 || errno != EINTR) out_open = 0; /* EIO: nobody holds the slave any more */
    }
    if (p[1].revents) {
      ssize_t k = read(STDIN_FILENO, buf, sizeof buf);
      if (k > 0) write_all(master, buf, k);
      else if (k == 0 || errno != EINTR) in_open = 0;
    }
  }
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  close(master);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  if (!reaped) return 0; /* the caller waits for it */
  return 1;
}
