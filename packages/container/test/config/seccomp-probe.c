/* Run inside a container: the errno of syscalls that podman's default seccomp profile treats apart
   (0 when the call works). Built static into the test's rootfs by oci-config.test.js. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <unistd.h>

static int err_of(long r) { return r < 0 ? errno : 0; }

int main(void) {
  /* Not among the personality values the profile allows (an args rule): its default action, ENOSYS. */
  printf("personality %d\n", err_of(personality(PER_LINUX32 | ADDR_NO_RANDOMIZE)));
  /* An args rule with its own errno: socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) is EINVAL. */
  int s = socket(AF_NETLINK, SOCK_RAW, 9);
  printf("audit %d\n", err_of(s));
  if (s >= 0) close(s);
  /* Allowed: a netlink route socket, and the personality query. */
  s = socket(AF_NETLINK, SOCK_RAW, 0);
  printf("route %d\n", err_of(s));
  if (s >= 0) close(s);
  printf("query %d\n", err_of(personality(0xffffffff)));
  return 0;
}
