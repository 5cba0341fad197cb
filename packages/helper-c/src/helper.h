/* Shared declarations of the helper's files. */
#ifndef LINUXNS_HELPER_H
#define LINUXNS_HELPER_H

#include <stddef.h>
#include "protocol.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80 /* glibc 2.36's sched.h may lack it */
#endif

struct join { int type; int fd; };

struct request {
  int status_fd;
  struct join join[MAX_JOIN];
  int njoin;
  int create;                 /* CLONE_NEW* flags */
  char uid_map[4096];
  char gid_map[4096];
  size_t uid_len, gid_len;
  const char *setgroups;      /* "allow", "deny" or NULL */
  const char *hostname, *domainname, *cwd;
  int env_clear;
  char *env[MAX_ENV + 1];
  int nenv;
  int mount_proc;
  int has_monotonic, has_boottime;
  long long monotonic, boottime;
  struct { int resource; long long soft, hard; } rlimit[MAX_RLIMIT];
  int nrlimit;
  int setsid, no_new_privs, pdeathsig;
  int has_groups, ngroups;
  unsigned groups[MAX_GROUPS];
  long long uid, gid;         /* -1: unchanged */
  const char *root;
  unsigned long propagation;  /* MS_PRIVATE (default), MS_SLAVE, MS_SHARED, or 0: unchanged */
  struct { int target, source; } fds[MAX_FDS];
  int nfds;
  int has_caps;               /* any --cap-* given */
  unsigned long long cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  char **argv;                /* PROGRAM ARG... */
};

/* report.c */
void report_init(int fd);
void report_pid(int pid);
void report_error(const char *step, const char *syscall, int err) __attribute__((noreturn));
void report_usage(const char *what) __attribute__((noreturn));

/* parse.c */
void parse_request(int argc, char **argv, struct request *req);
int ns_flag(const char *name);

/* ns.c */
int children_only(const struct request *req);
void join_namespaces(const struct request *req);
void create_user_namespace(const struct request *req);
void create_other_namespaces(const struct request *req);

/* caps.c */
void apply_bounding(const struct request *req);
void apply_caps(const struct request *req);

/* run.c */
void exec_program(const struct request *req) __attribute__((noreturn));
/* Installs the signal forwarding, then closes status_fd (so that the caller,
 * which takes end of file as "running", never signals an unprepared
 * supervisor), then waits for pid and exits as it did. */
int supervise(int pid, int status_fd) __attribute__((noreturn));

#endif
