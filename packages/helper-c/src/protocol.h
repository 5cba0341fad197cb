/*
 * linuxns-helper's protocol with @linuxns/core, declared once, in three
 * headers: here the values, one comment each, and what the caller reads
 * (the status channel, the exit status, signals); the grammar of a request,
 * option by option, in request.h (namespaces and the process) and
 * request-oci.h (the OCI settings and a container's root filesystem).
 * packages/core/src/helper/protocol.ts mirrors every value the TypeScript
 * side relies on, and packages/core/test/helper-mirror.test.js compares the
 * two. Change both or neither.
 */
#ifndef LINUXNS_PROTOCOL_H
#define LINUXNS_PROTOCOL_H

/* The helper's own exit statuses (otherwise it exits as PROGRAM did). The caller trusts the ERR line, never these. */
#define HELPER_EXIT_USAGE 124 /* a malformed request, after ERR parse */
#define HELPER_EXIT_SETUP 125 /* a setup step failed, after its ERR line */

/* The status channel: the word that begins each line, and the lines' length. */
#define STATUS_PID "PID"     /* PID <n>: PROGRAM's pid, as the caller's pid namespace numbers it */
#define STATUS_READY "READY" /* READY: with --gate-fd, PROGRAM is set up and waits at its gate (always after PID) */
#define STATUS_ERR "ERR"     /* ERR <step> <syscall> <errno>: a setup step failed; PROGRAM was not run */
#define MAX_STATUS_LINE 256  /* bytes of a line at most, its newline included */

/* Handshake bytes: the caller's on the gate, and the ones the helper's own processes send each other. */
#define GATE_OPEN 'G'       /* caller -> PROGRAM on --gate-fd: exec now (any byte will do; end of file cancels) */
#define SYNC_UNSHARED 'U'   /* user-namespace child -> its parent: the namespace exists, write its maps */
#define SYNC_MAPPED 'M'     /* parent -> user-namespace child: the maps are written, go on */
#define SYNC_GO 'R'         /* supervisor -> forked PROGRAM: PID is on the channel and the pins are made, go on */
#define SYNC_PINS 'P'       /* setup -> pin keeper: the new namespaces' fds come with it (SCM_RIGHTS), in --pin order */
#define SYNC_PINNED 'K'     /* pin keeper -> setup: every pin is mounted, go on */
#define SYNC_PIN_FAILED 'E' /* pin keeper -> setup: a pin failed (ERR written, the pins made undone), exit */
#define SYNC_FAILED 'F'     /* a later step failed (ERR written): to the pin keeper, undo the pins; to PROGRAM's parent, leave the pid file empty */
#define SYNC_DETACHED 'D'   /* --detach: PROGRAM -> its parent, PROGRAM waits at its gate: write the pid file, exit */

/* The steps ERR lines name, in about the order they run. */
#define STEP_PARSE "parse"               /* a malformed request (or --status-fd, --gate-fd not open); exit HELPER_EXIT_USAGE */
#define STEP_PID_FILE "pid-file"         /* opening --pid-file, or writing the line once PROGRAM exec'd */
#define STEP_CGROUP "cgroup"             /* writing the helper's pid to a --cgroup file */
#define STEP_OOM_SCORE_ADJ "oom-score-adj" /* writing --oom-score-adj to /proc/self/oom_score_adj */
#define STEP_IOPRIO "ioprio"             /* ioprio_set of --ioprio */
#define STEP_SECCOMP "seccomp"           /* reading the --seccomp program, or installing it */
#define STEP_SYNC "sync"                 /* a pipe or socket between the helper's own processes */
#define STEP_FORK "fork"                 /* a fork: the pin keeper, a new user namespace, PROGRAM */
#define STEP_JOIN "join"                 /* a --join fd that is not open, setns, becoming root in a joined user namespace */
#define STEP_PRCTL "prctl"               /* the parent-death signal, keep-caps, no_new_privs */
#define STEP_CREATE "create"             /* unshare of the new namespaces */
#define STEP_SETGROUPS "setgroups"       /* writing /proc/PID/setgroups */
#define STEP_UID_MAP "uid_map"           /* writing /proc/PID/uid_map */
#define STEP_GID_MAP "gid_map"           /* writing /proc/PID/gid_map */
#define STEP_IDS "ids"                   /* --userns-root, --groups, --gid, --uid */
#define STEP_PROPAGATION "propagation"   /* the --propagation of a new mount namespace */
#define STEP_TIME_OFFSETS "time-offsets" /* writing --monotonic and --boottime */
#define STEP_PIN "pin"                   /* opening a new namespace, or the pin keeper's bind mount of it */
#define STEP_HOSTNAME "hostname"         /* sethostname */
#define STEP_DOMAINNAME "domainname"     /* setdomainname */
#define STEP_LSM "lsm"                   /* --apparmor, --selinux-label: the label of the exec (/proc/self/attr) */
#define STEP_ROOTFS "rootfs"             /* the --rootfs bind or overlay, and --rootfs-readonly */
#define STEP_MOUNT_PROC "mount-proc"     /* the fresh /proc */
#define STEP_DEV "dev"                   /* --mount-dev */
#define STEP_SYS "sys"                   /* --mount-sys */
#define STEP_MOUNT "mount"               /* an extra --mount (a cgroup one included) */
#define STEP_DEVICES "devices"           /* a --device node, the --dev-symlinks */
#define STEP_SYSCTL "sysctl"             /* writing a --sysctl */
#define STEP_MASK "mask"                 /* a --mask */
#define STEP_READONLY "readonly"         /* a --readonly-path */
#define STEP_PIVOT "pivot"               /* pivot_root (or chroot, --no-pivot) into the rootfs */
#define STEP_RLIMIT "rlimit"             /* setrlimit */
#define STEP_SETSID "setsid"             /* setsid */
#define STEP_ROOT "root"                 /* --root's chroot */
#define STEP_CWD "cwd"                   /* --cwd's chdir */
#define STEP_SCHEDULER "scheduler"       /* sched_setattr of --scheduler */
#define STEP_PERSONALITY "personality"   /* personality(2) of --personality */
#define STEP_CAPS "caps"                 /* the --cap-* sets */
#define STEP_FDS "fds"                   /* placing --fd, and the helper's own fds above them */
#define STEP_GATE "gate"                 /* waiting at --gate-fd (end of file: ECANCELED) */
#define STEP_EXEC "exec"                 /* --env, close_range, execvp */
#define STEP_CONSOLE "console"           /* --console: connecting its socket, the pty, sending the master, TIOCSCTTY */

/* Limits of a request: beyond one it is refused with ERR parse. */
#define MAX_IDMAP 340           /* ranges of one --uid-map or --gid-map (the kernel's limit) */
#define IDMAP_TEXT_LIMIT 4096   /* a map's text ("IN OUT COUNT\n" lines) is shorter: the kernel takes it in one write of less than a page */
#define MAX_JOIN 8              /* --join, one per namespace type */
#define MAX_PIN 8               /* --pin, one per namespace type */
#define MAX_ENV 1024            /* --env */
#define MAX_RLIMIT 16           /* --rlimit, one per RLIMIT_* resource */
#define MAX_GROUPS 64           /* ids in --groups */
#define MAX_FDS 64              /* --fd */
#define MAX_MOUNTS 64           /* --mount */
#define MAX_PATHS 64            /* --mask, and --readonly-path (each) */
#define MAX_CGROUPS 16          /* --cgroup */
#define MAX_SYSCTL 64           /* --sysctl */
#define MAX_DEVICES 128         /* --device */
#define MAX_MOUNT_PROPAGATION 4 /* propagation changes of one --mount */
#define MOUNT_EXT_COPYUP 0x1    /* --mount EXT: runc's tmpcopyup */
#define MAX_SECCOMP_BYTES 32768 /* a --seccomp program: BPF_MAXINSNS (4096) instructions of 8 bytes */

/*
 * Status channel (text lines, in this order):
 *   PID <n>                          the pid of PROGRAM, as the caller's pid
 *                                    namespace numbers it;
 *   READY                            with --gate-fd only: PROGRAM is set up and
 *                                    waits for the gate (always after PID);
 *   ERR <step> <syscall> <errno>     setup failed at <step> (STEP_* above);
 *                                    PROGRAM was not run. A step after the
 *                                    last fork (cwd, exec...) may fail after
 *                                    PID was written: ERR then follows PID.
 * The channel is close-on-exec: end of file after PID, without ERR, means
 * PROGRAM is running (a supervising helper is ready to forward signals, and
 * the --pid-file is written).
 *
 * Exit status: PROGRAM's own. If PROGRAM was killed by a signal, the helper
 * kills itself with the same signal, so the caller sees exactly that. A
 * setup failure exits with HELPER_EXIT_SETUP after writing ERR; a malformed
 * request writes ERR parse ... and exits with HELPER_EXIT_USAGE. The caller
 * trusts the ERR line, never the exit code, to tell the two apart.
 *
 * Signals: when the helper stays as a supervisor (a new user or pid
 * namespace needs a fork, and so do --pin and --pid-file), it forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT,
 * SIGUSR1, SIGUSR2 and SIGWINCH to PROGRAM. A forked PROGRAM (and the
 * process in a new user namespace) has SIGKILL as its parent-death signal
 * unless --pdeathsig says otherwise (set again after every change of ids
 * that clears it: --userns-root, a joined user namespace, --uid/--gid):
 * killing the supervisor, even with SIGKILL, which cannot be forwarded, never
 * leaves PROGRAM running.
 */

#endif
