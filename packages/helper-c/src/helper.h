/* Shared declarations of the helper's files. */
#ifndef LINUXNS_HELPER_H
#define LINUXNS_HELPER_H

#include <stddef.h>
#include "protocol.h"
#include "request.h"     /* the grammar of a request: namespaces and the process */
#include "request-oci.h" /* the grammar, part two: OCI settings and the root filesystem */

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80 /* glibc 2.36's sched.h may lack it */
#endif

struct join { int type; int fd; };
/* --mount=TYPE:FLAGS:SOURCE:TARGET:DATA[:CLEAR:PROPAGATION:RSET:RCLR], decoded in place in argv (request-oci.h). */
struct mount_req {
  unsigned long flags, clear;           /* MS_* set, and MS_* cleared by an option (rw, suid...) */
  const char *type, *source, *target, *data;
  unsigned long propagation[MAX_MOUNT_PROPAGATION]; /* MS_PRIVATE... (| MS_REC), applied in order */
  int npropagation;
  unsigned long long rset, rclr;        /* MOUNT_ATTR_* set and cleared on every mount of the tree (rro...) */
  int copyup;                           /* tmpcopyup: a tmpfs starts with a copy of the directory it covers */
};
/* --device=TYPE:MAJOR:MINOR:MODE:UID:GID:PATH. */
struct device_req { char type; unsigned major, minor, mode, uid, gid; const char *path; };
/* --scheduler=POLICY:FLAGS:NICE:PRIORITY:RUNTIME:DEADLINE:PERIOD, as struct sched_attr takes it. */
struct sched_req { unsigned policy; unsigned long long flags; int nice; unsigned priority; unsigned long long runtime, deadline, period; };
struct pin { int type; const char *path; };

struct request {
  int status_fd;
  int gate_fd;                /* --gate-fd=N, or -1 */
  struct join join[MAX_JOIN];
  int njoin;
  int create;                 /* CLONE_NEW* flags */
  char uid_map[IDMAP_TEXT_LIMIT];
  char gid_map[IDMAP_TEXT_LIMIT];
  size_t uid_len, gid_len;
  const char *setgroups;      /* "allow", "deny" or NULL */
  const char *hostname, *domainname, *cwd;
  int env_clear;
  char *env[MAX_ENV + 1];
  int nenv;
  int mount_proc;
  int has_monotonic, has_boottime;
  long long monotonic, boottime;
  long long monotonic_nsec, boottime_nsec; /* 0..999999999, added to the seconds */
  struct { int resource; long long soft, hard; } rlimit[MAX_RLIMIT];
  int nrlimit;
  int setsid, no_new_privs, pdeathsig, preserve_credentials, userns_root;
  int has_groups, ngroups;
  unsigned groups[MAX_GROUPS];
  long long uid, gid;         /* -1: unchanged */
  const char *root;
  unsigned long propagation;  /* MS_PRIVATE (default), MS_SLAVE, MS_SHARED, or 0: unchanged */
  struct { int target, source; } fds[MAX_FDS];
  int nfds;
  int has_caps;               /* any --cap-* given */
  unsigned long long cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
  struct pin pin[MAX_PIN];
  int npin;
  /* The root filesystem (rootfs.c); all NULL/0 without --rootfs. */
  const char *rootfs;         /* --rootfs=DIR */
  int rootfs_overlay;         /* --rootfs-overlay=SIZE: upper and work on a tmpfs of SIZE bytes */
  unsigned long long overlay_size;
  int rootfs_readonly, no_pivot, mount_dev, mount_sys;
  struct mount_req mounts[MAX_MOUNTS];
  int nmount;
  const char *mask[MAX_PATHS], *readonly[MAX_PATHS];
  int nmask, nreadonly;
  const char *pid_file;       /* --pid-file=PATH */
  int detach;                 /* --detach (detach.c) */
  const char *cgroup[MAX_CGROUPS];
  int ncgroup;
  /* Process settings (settings.c), and the sysctls (sysctl.c). */
  int has_oom_score_adj, oom_score_adj;
  int has_ioprio, ioprio;
  int has_umask;
  unsigned umask;
  int has_personality;
  unsigned long personality;
  int has_scheduler;
  struct sched_req scheduler;
  struct { const char *path, *value; } sysctl[MAX_SYSCTL]; /* path under /proc/sys, decoded in place */
  int nsysctl;
  /* Security (seccomp.c, lsm.c). */
  int seccomp_fd;             /* --seccomp=FD:FLAGS: the program's bytes come on FD (read first thing), or -1 */
  unsigned seccomp_flags;
  const char *apparmor, *selinux_label, *mount_label;
  /* The terminal (console.c): --console=PATH, --console-size=ROWS:COLS. */
  const char *console;
  int console_relay;          /* --console-relay: the master to the supervisor, relayed to the helper's own stdio */
  int has_console_size;
  unsigned console_rows, console_cols;
  /* Devices (devices.c). */
  struct device_req devices[MAX_DEVICES];
  int ndevice, dev_symlinks;
  char **argv;                /* PROGRAM ARG... */
};

/* report.c: the status channel's lines, and the exit of a failed step. */
/* Sets the channel (--status-fd) and keeps it until exec. */
void report_init(int fd);
void report_pid(int pid);
void report_ready(void);
/* Closes this process's end of the channel (--detach, at the gate: nobody reads it any more). */
void report_end(void);
/* Writes the ERR line only. */
void report_failure(const char *step, const char *syscall, int err);
/* Runs hook in report_error, after the ERR line (at most MAX_FAILURE_HOOKS, run in the order given; a process
 * forked afterwards inherits them). A hook only writes a byte (it may run in a forked child): the pin keeper's
 * and the pid-file watch's. 0, or -1 with ENOSPC. */
#define MAX_FAILURE_HOOKS 2
int on_failure(void (*hook)(void));
/* The ERR line, then the failure hooks, then exit HELPER_EXIT_SETUP. */
_Noreturn void report_error(const char *step, const char *syscall, int err);
/* ERR parse (or stderr without a channel), then exit HELPER_EXIT_USAGE. */
_Noreturn void report_usage(const char *what);

/* fds.c: the fds PROGRAM gets, and the helper's own ones it needs until exec. */
/* The helper's own fds that must work until exec (the status channel, the pin keeper's socket, the pid-file
 * watch, the gate): each module registers the variable holding one, and place_fds moves them all above the
 * --fd targets at once (so that an exec failing after the dup2s still reports where it must). 0, or -1 with
 * ENOSPC beyond MAX_KEPT_FDS. */
#define MAX_KEPT_FDS 4
int keep_until_exec(int *fd);
/* Closes *fd if it is open, and marks it closed (-1). */
void close_fd(int *fd);
/* Every fd but stdio close-on-exec, then --fd=TARGET:SOURCE into place, the kept fds above them. */
void place_fds(const struct request *req);

/* pidfile.c: --pid-file, "PID STARTTIME\n" written once PROGRAM exec'd, by its parent (PROGRAM is always forked
 * then): pid_file_open first thing (0, or -1 with errno); pid_file_watch before the fork (a close-on-exec pipe
 * whose end PROGRAM keeps until exec, and a failure hook that writes a byte on it), then
 * pid_file_child in PROGRAM, pid_file_parent in the parent (the line, while /proc is the caller's), and
 * pid_file_commit there once PROGRAM may go on (waits for end of file on the pipe; writes the line if no byte
 * came). All but pid_file_open do nothing without --pid-file. */
int pid_file_open(const char *path);
void pid_file_watch(void);
void pid_file_child(void);
void pid_file_parent(int pid);
int pid_file_commit(void); /* 1 once the line is written */
/* --detach: in PROGRAM at its gate, a byte that has its parent write the line now (as at the exec) and go. */
void pid_file_detached(void);

/* console.c: --console. console_connect first thing (the caller's namespaces and privileges); console_setup in
   PROGRAM after its mounts and session (the pty, its master sent, the slave its stdio and controlling terminal);
   console_release where a process forked the one that goes on to PROGRAM (gate_release calls it). */
void console_connect(const struct request *req);
void console_setup(const struct request *req);
void console_release(void);
/* --console-relay, in supervise of the process that made the pair (others return 0 at once): receives the master
   from PROGRAM and relays it to this process's stdin (made raw while it is a terminal, its size followed on
   SIGWINCH) and stdout until PROGRAM ends. 1 when it reaped pid (its status in *status), else 0. */
int console_relay(int pid, int *status);

/* parse.c */
void parse_request(int argc, char **argv, struct request *req);
int ns_flag(const char *name);
const char *ns_name(int flag);

/* ns.c */
int children_only(const struct request *req);
void join_namespaces(const struct request *req);
void create_user_namespace(void);
void create_other_namespaces(const struct request *req);

/* pin.c */
/* With pins: forks; returns in the child (the setup goes on there) the
 * keeper's pid; the keeper never returns. Without pins: returns caller. */
int keep_pins(const struct request *req, int caller);
/* In the process that created the namespaces, once a new pid namespace has
 * its first process (before, its pid_for_children cannot be opened): has the
 * keeper pin them. 0, or -1 once ERR is written: the caller reaps and exits. */
int send_pins(const struct request *req);
/* Closes this process's end of the keeper's socket (a supervisor keeps none). */
void pin_release(void);

/* main.c */
/* Waits for the child pid to end (its status unread). */
void reap(int pid);
/* Kills and reaps pid, then reports the failure of step (it must not go on). */
_Noreturn void abandon_child(int pid, const char *step, const char *syscall, int err);

/* caps.c */
void apply_bounding(const struct request *req);
void apply_caps(const struct request *req);

/* rootfs.c */
/* --rootfs and the mounts inside it, then pivot_root; or --mount-proc, --mask, --readonly-path in the current root. */
void prepare_mounts(const struct request *req);
/* Paths inside the rootfs (open at rootfd), shared by rootfs.c, mounts.c, cgroupfs.c and devices.c. */
enum { NO_CREATE, CREATE_DIR, CREATE_FILE };
/* An O_PATH fd of path inside the rootfs; missing components created (directories 0755, the last as create
   says); or ERR step openat2. */
int in_root(int rootfd, const char *path, int create, const char *step);
/* open_in_root without the ERR: -1 with errno. */
int open_in_root(int rootfd, const char *path, int create);
/* mount(2) onto the path open at fd ("/proc/self/fd/N"). */
int mount_on(const char *source, int fd, const char *type, unsigned long flags, const char *data);
/* "/proc/self/fd/N" of fd, in buf. */
void fd_path(char *buf, size_t size, int fd);
/* The MS_* flags statvfs shows for path (ro, nosuid, nodev, noexec, the atime mode). */
unsigned long statfs_mount_flags(const char *path);
/* mount_setattr(AT_RECURSIVE) of the tree open at fd: MOUNT_ATTR_* set and cleared. -1 with errno. */
int set_tree_attr(int fd, unsigned long long set, unsigned long long clr);
/* The MOUNT_ATTR_* of the MS_* flags among ro, nosuid, nodev, noexec and the atime ones. */
unsigned long long mount_attr_of(unsigned long ms);

/* mounts.c: one extra --mount (bind, tmpfs, any filesystem, cgroup), and the read-only remounts runc leaves
   for after /dev is filled (tmpfs and /dev with ro). */
void extra_mount(const struct request *req, int rootfd, const struct mount_req *m);
/* copyup.c: what directory fd FROM holds, copied into directory fd TO (runc's tmpcopyup). 0, or -1 with errno. */
int copy_up(int from, int to);
void finish_mounts(const struct request *req, int rootfd);
/* Appends context="LABEL" (--mount-label) to data in buf: the data to mount with (data itself without a
   label, or for a type SELinux does not label: proc, sysfs, mqueue, cgroup, a bind). */
const char *labelled(const struct request *req, const char *type, const char *data, char *buf, size_t size);

/* cgroupfs.c: a --mount of type cgroup: cgroup2 on a unified host; on cgroup v1, runc's tmpfs with one
   read-only mount per hierarchy the process is in. */
void mount_cgroup(const struct request *req, int rootfd, const struct mount_req *m);

/* mountinfo.c: /proc/self/mountinfo line by line, in a static buffer. */
/* One line's fields, NUL-terminated in place (root and mountpoint unescaped). */
struct mountinfo { int id; char *root, *mountpoint, *optional, *fstype, *source, *super; };
int parse_mountinfo(char *line, struct mountinfo *mi);
/* Calls each for every mount (a line longer than the buffer is skipped) until it returns nonzero; returns that,
   0 at the end, or -1 with errno. */
int each_mount(int (*each)(struct mountinfo *mi, void *arg), void *arg);
/* The mount point of the mount that holds path, and whether it is shared; 0, or -1 with errno. */
int mount_of(const char *path, char *mountpoint, size_t size, int *shared);

/* devices.c: device nodes (mknod, or a bind of the caller's node in a user namespace, as runc), and /dev's links. */
int in_user_namespace(void);
/* The node path (inside the rootfs) of type ('c', 'b', 'p'), dev numbers, mode, owner; the caller's own node at
   host (its path) is bound instead where mknod is refused or in a user namespace. 0, or -1 with errno and *syscall. */
int make_node(int rootfd, const char *path, char type, unsigned major, unsigned minor, unsigned mode, unsigned uid,
              unsigned gid, const char *host, const char **syscall);
void make_devices(const struct request *req, int rootfd);
/* In the dir open at dev: ptmx -> pts/ptmx (with ptmx), fd, stdin, stdout, stderr, and core -> /proc/kcore where
   the caller's /proc has kcore. 0, or -1 with errno and *syscall. */
int dev_links(int dev, int ptmx, const char **syscall);

/* sysctl.c: each --sysctl written to /proc/sys. */
void write_sysctls(const struct request *req);

/* settings.c: the process settings. */
/* First thing, with the caller's privileges: --oom-score-adj and --ioprio (a new user namespace could not). */
void early_settings(const struct request *req);
/* --scheduler, --personality. */
void apply_scheduler(const struct request *req);
void apply_personality(const struct request *req);

/* seccomp.c: the program read from --seccomp's fd first thing; installed last (see exec_program). */
void seccomp_read(struct request *req);
void seccomp_install(const struct request *req);

/* lsm.c: --apparmor and --selinux-label, the labels of the exec. */
void apply_lsm(const struct request *req);

/* detach.c: --detach. In PROGRAM, detach_program last before the gate (or the exec): no parent-death signal,
   and at a gate a program that cannot run is an ERR now; detach_at_gate once READY is written. In PROGRAM's
   parent, detach_parent instead of supervise, once pid_file_commit said whether it wrote (committed). */
void detach_program(const struct request *req);
void detach_at_gate(const struct request *req);
_Noreturn void detach_parent(int pid, int status_fd, int committed);

/* run.c */
_Noreturn void exec_program(const struct request *req);
/* In a process that forked the one that goes on to PROGRAM: closes its copy of --gate-fd, so that
   PROGRAM alone holds that end of the caller's socket (and its copy of the --console socket). */
void gate_release(const struct request *req);
/* Installs the signal forwarding, then closes status_fd (so that the caller,
 * which takes end of file as "running", never signals an unprepared
 * supervisor), then waits for pid and exits as it did. */
_Noreturn void supervise(int pid, int status_fd);

#endif
