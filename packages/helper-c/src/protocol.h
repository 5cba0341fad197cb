/*
 * linuxns-helper's protocol with @linuxns/core, declared once here: first the
 * values, one comment each, then the grammar of a request and what the helper
 * does with it. packages/core/src/helper/protocol.ts mirrors every value the
 * TypeScript side relies on, and packages/core/test/helper-mirror.test.js
 * compares the two. Change both or neither.
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
 * Invocation (argv; every option is one argument of the form --name=value):
 *
 *   linuxns-helper [OPTION...] -- PROGRAM [ARG...]
 *
 *   --status-fd=N           the status channel (required): a pipe the caller reads.
 *   --join=TYPE:FD          join the namespace open at inherited FD. Non-user
 *                           namespaces are joined first, then the user namespace
 *                           (runc's order: the old privileges open the doors the
 *                           new user namespace does not own). After joining a
 *                           user namespace the helper becomes root in it
 *                           (groups dropped, uid and gid 0), as nsenter does,
 *   --preserve-credentials  unless this is given: the ids are kept (shown as
 *                           the overflow ids where they are not mapped).
 *   --create=TYPE           create a new namespace (repeatable). A new user
 *                           namespace is made first, so that it owns the others.
 *   --uid-map=IN:OUT:COUNT  one uid range of the new user namespace (repeatable),
 *   --gid-map=IN:OUT:COUNT  one gid range; both written by the helper's parent
 *                           side, which keeps its privileges in the parent ns.
 *   --setgroups=allow|deny  written before gid_map.
 *   --userns-root           once the maps are written, become uid 0 and gid 0 of
 *                           the new user namespace (both must be mapped) before
 *                           the other namespaces and the mounts are made, so that
 *                           what the setup creates is owned by a mapped id.
 *   --hostname=NAME         needs --create=uts (checked by the caller and here).
 *   --domainname=NAME       same.
 *   --cwd=DIR               chdir before exec.
 *   --env-clear             start from an empty environment,
 *   --env=KEY=VALUE         then set these (repeatable).
 *   --mount-proc            mount a fresh /proc (needs --create=mnt and --create=pid).
 *   --monotonic=SECS        offset of CLOCK_MONOTONIC in a new time namespace,
 *   --boottime=SECS         offset of CLOCK_BOOTTIME (both need --create=time).
 *   --monotonic-nsec=NSEC   nanoseconds (0..999999999) added to the offset of
 *   --boottime-nsec=NSEC    that clock (/proc/self/timens_offsets takes both).
 *   --rlimit=RES:SOFT:HARD  setrlimit(RES); RES is the RLIMIT_* number, -1 means
 *                           unlimited (repeatable).
 *   --setsid                start a new session.
 *   --pdeathsig=SIG         signal PROGRAM gets when the caller's thread dies
 *                           (kept across --uid/--gid, which would clear it; a
 *                           supervising helper gets it too, and forwards it or
 *                           dies of it, so PROGRAM gets it through a fork).
 *   --groups=G[,G...]       supplementary groups (empty: none),
 *   --gid=GID, --uid=UID    then the ids PROGRAM runs as (after every
 *                           privileged step).
 *   --no-new-privs          PR_SET_NO_NEW_PRIVS, last before exec.
 *   --root=DIR              chroot(DIR) and chdir("/") (before --cwd).
 *   --propagation=P         of a new mount namespace: private (the default,
 *                           like unshare), slave, shared (all three recursive)
 *                           or unchanged; or a hex MS_* mask of one propagation
 *                           type with or without MS_REC (OCI's rootfsPropagation:
 *                           44000 is rprivate, 40000 private, 80000 slave...),
 *                           applied to the namespace's root mount as given.
 *   --fd=TARGET:SOURCE      PROGRAM gets inherited fd SOURCE as fd TARGET
 *                           (repeatable; TARGET >= 3). No other fd reaches it.
 *   --cap-bounding=HEX, --cap-effective=HEX, --cap-permitted=HEX,
 *   --cap-inheritable=HEX, --cap-ambient=HEX
 *                           the capability sets to keep, as 64-bit masks of
 *                           CAP_* bit numbers. Capabilities outside the bounding
 *                           mask are dropped from the bounding set; the others
 *                           are set with capset and PR_CAP_AMBIENT, after the ids.
 *   --pin=TYPE:PATH         keep the new TYPE namespace (it needs --create=TYPE;
 *                           one pin per type) alive by a bind mount of it on
 *                           PATH (absolute), made in the caller's mount
 *                           namespace, like unshare --net=FILE. pid and time are
 *                           pinned through ns/pid_for_children and
 *                           time_for_children of the process that created them,
 *                           which are PROGRAM's ns/pid and ns/time, once PROGRAM
 *                           is forked (a pid namespace cannot be opened before
 *                           its first process) and before it goes on. PATH is
 *                           created (an empty file, mode 0444) if missing; its
 *                           directory must exist. A PATH that is already a mount
 *                           point (a pin...) is refused: ERR pin mount 16 (EBUSY).
 *                           A mnt pin cannot propagate into its own namespace:
 *                           with --propagation=shared or unchanged, on a shared
 *                           mount it fails with ERR pin mount 22 (EINVAL); the
 *                           default private propagation is set before pinning.
 *   --pid-file=PATH         created (truncated) first thing, with the caller's
 *                           privileges. PROGRAM is then always forked (as for a
 *                           pid namespace), and its parent, which stays as the
 *                           supervisor, writes "PID STARTTIME\n" to it in one write
 *                           once PROGRAM's exec succeeded (after the whole setup:
 *                           rootfs, pivot_root...; seen as end of file on a
 *                           close-on-exec pipe) and before the status channel ends
 *                           (STARTTIME: field 22 of /proc/PID/stat, read at the
 *                           fork, which tells a reused pid apart). Empty: PROGRAM is
 *                           not running yet; after an ERR it stays empty.
 *   --detach                PROGRAM outlives the helper and the caller (an OCI
 *                           runtime's create, exec --detach; needs --pid-file,
 *                           excludes --pin and --pdeathsig): with --gate-fd, once
 *                           PROGRAM waits at its gate (READY written, then the
 *                           channel closed by PROGRAM), without one once it has
 *                           exec'd, its parent writes the pid file and exits 0,
 *                           and every helper process above it exits 0 in turn.
 *                           PROGRAM has no parent-death signal from then on: it
 *                           is reparented to the caller's nearest child subreaper
 *                           (conmon, a containerd shim), or init, which reaps it.
 *                           At a gate, a PROGRAM that execvp would not find or
 *                           could not run is refused first: ERR exec execvp
 *                           ENOENT or EACCES (after the gate nobody would hear).
 *   --gate-fd=N             an inherited fd PROGRAM waits on before exec: once
 *                           the whole setup is done (ids, capabilities, fds and
 *                           all, just before execvp) it writes READY on the status
 *                           channel and reads one byte from N; then it execs. End
 *                           of file instead (the caller closed N without writing)
 *                           is ERR gate read 125 (ECANCELED), reported like any
 *                           setup failure: pins undone, the pid file left empty.
 *                           So the caller can act on PROGRAM's namespaces (configure
 *                           its network namespace from outside...) before it runs.
 *   --oom-score-adj=N       written to /proc/self/oom_score_adj (-1000 to 1000),
 *   --ioprio=N              ioprio_set(IOPRIO_WHO_PROCESS, 0, N) (class << 13 |
 *                           data): both first thing, before any fork, with the
 *                           caller's privileges (a new user namespace could not
 *                           lower the one or take IOPRIO_CLASS_RT), so that every
 *                           process of the request has them.
 *   --umask=OCTAL           PROGRAM's umask, set once the rootfs is made.
 *   --scheduler=POLICY:FLAGS:NICE:PRIORITY:RUNTIME:DEADLINE:PERIOD
 *                           sched_setattr of PROGRAM (decimal fields of struct
 *                           sched_attr), after --cwd, before the capabilities go.
 *   --personality=HEX       personality(2) of PROGRAM, after no_new_privs.
 *   --sysctl=PATH=VALUE     VALUE written to /proc/sys/PATH (repeatable; '=' and
 *                           '%' in PATH written %3D and %25; no empty, . or ..
 *                           part) by PROGRAM, in its namespaces, after the mounts
 *                           and before --mask and --readonly-path (runc's order).
 *                           The caller checks that each key is of a namespace
 *                           created or joined.
 *   --seccomp=FD:FLAGS      a classic BPF program (struct sock_filter entries)
 *                           read from the inherited FD to its end first thing
 *                           (at most MAX_SECCOMP_BYTES; an empty or cut one is
 *                           ERR seccomp read 22, a longer one 7), and installed by
 *                           PROGRAM with seccomp(SECCOMP_SET_MODE_FILTER, FLAGS),
 *                           where runc installs it: with --no-new-privs as the
 *                           last step, after the gate (with --detach just before
 *                           it, as runc's create: nobody hears of a failure
 *                           after the gate); without, where PROGRAM still has the
 *                           CAP_SYS_ADMIN the kernel then needs: after --cwd and
 *                           --scheduler, before the capabilities and ids change,
 *                           which then run under the filter.
 *   --console=PATH          PROGRAM's terminal, as runc's --console-socket: first
 *                           thing, with the caller's namespaces and privileges, a
 *                           unix stream socket connected to PATH (absolute; a
 *                           failure is ERR console connect ERRNO, before anything
 *                           is made). PROGRAM, after --cwd (its mounts, pivot_root
 *                           and session made), opens /dev/ptmx as it sees it (a
 *                           container's devpts: the slave is its /dev/pts/N),
 *                           with a --rootfs binds the slave on /dev/console (as
 *                           runc), sends the master on the socket (SCM_RIGHTS,
 *                           data "/dev/ptmx", as runc's utils.SendFd) and closes
 *                           both, makes the slave its controlling terminal
 *                           (setsid first unless it leads a session, TIOCSCTTY)
 *                           and its stdin, stdout and stderr. Only PROGRAM keeps
 *                           the socket until then; no pty fd but 0-2 reaches it.
 *   --console-relay         the same pty, its master sent to the helper instead
 *                           (a socketpair made first thing; PROGRAM is then
 *                           always forked): the supervisor that made the pair
 *                           relays it to its own stdin and stdout until PROGRAM
 *                           ends (stdin made raw while it is a terminal, and
 *                           restored; the pty's size follows stdin's, at the
 *                           start and on SIGWINCH, which is not forwarded), as
 *                           runc relays a foreground terminal. Excludes --console
 *                           and --detach.
 *   --console-size=ROWS:COLS  TIOCSWINSZ of the pty (OCI's process.consoleSize,
 *                           height:width); needs --console or --console-relay.
 *   --apparmor=PROFILE      "exec PROFILE" written to /proc/self/attr/apparmor/exec
 *                           (or the older /proc/self/attr/exec), and
 *   --selinux-label=LABEL   LABEL to /proc/self/attr/exec: the labels PROGRAM
 *                           takes at its exec, written before the mounts.
 *   --cgroup=FILE           write the helper's pid to FILE (the cgroup.procs of
 *                           a cgroup v2 directory or of a v1 hierarchy's) first
 *                           thing, before any fork: every process of the request,
 *                           PROGRAM and a supervising helper included, lives in
 *                           that cgroup (repeatable, one per hierarchy).
 *
 * Root filesystem (a container's; see "Root filesystem" below):
 *   --rootfs=DIR            DIR (absolute) becomes PROGRAM's root: bound on itself
 *                           (recursively) in the new mount namespace (needs
 *                           --create=mnt; excludes --root), then pivot_root.
 *   --rootfs-overlay=SIZE   instead of the bind, a writable overlay (DIR must not
 *                           hold a ',', ':', backslash or whitespace, which the
 *                           overlay's options cannot carry: ERR parse): the lower
 *                           layer is DIR as it was (held by an fd), a tmpfs of SIZE
 *                           bytes (0: the tmpfs default) is mounted on DIR for
 *                           upper and work, and the overlay on top of it. Writes go
 *                           to the tmpfs and vanish with the mount namespace; no
 *                           directory is needed (nor reachable from a new user
 *                           namespace) beyond DIR itself.
 *   --rootfs-readonly       remount the rootfs read-only, after every mount below.
 *   --no-pivot              chroot into DIR instead of pivot_root (the old root
 *                           stays mounted in the namespace): a plain chroot, which
 *                           PROGRAM escapes if it keeps CAP_SYS_CHROOT (the
 *                           container's root does). For a rootfs that cannot be
 *                           pivoted (an initramfs), never as a boundary.
 *   --mount-dev             a tmpfs (64 MiB, mode 0755) on DIR/dev with null, zero,
 *                           full, random, urandom and tty made with mknod (in a
 *                           user namespace, which may not, bound from the caller's
 *                           /dev), the fd, stdin, stdout, stderr (and core)
 *                           symlinks, shm/ (mode 01777) and
 *                           pts/, a new devpts instance (newinstance, ptmxmode=0666,
 *                           mode=0620) with ptmx linked to pts/ptmx; where the
 *                           kernel refuses that devpts, pts/ stays an empty
 *                           directory and there is no ptmx link.
 *   --mount-sys             sysfs read-only on DIR/sys; where the kernel refuses
 *                           a sysfs (a net namespace not owned by the user
 *                           namespace) the caller's /sys bound recursively instead,
 *                           every mount of it read-only.
 *   --mount=TYPE:FLAGS:SOURCE:TARGET:DATA[:CLEAR:PROPAGATION:RSET:RCLR[:EXT]]
 *                           an extra mount (repeatable, in order), made as runc
 *                           1.1 makes it: FLAGS is the MS_* mask in hex (a
 *                           propagation type among them, in the five-field form,
 *                           is one change made after the mount); CLEAR the MS_*
 *                           flags an option cleared (rw, suid...); PROPAGATION the
 *                           propagation changes (hex MS_* masks, comma-separated,
 *                           at most MAX_MOUNT_PROPAGATION), made in order after
 *                           the mount; RSET and RCLR MOUNT_ATTR_* set and cleared
 *                           on every mount of the tree at the end (mount_setattr
 *                           AT_RECURSIVE: rro...); EXT, hex, MOUNT_EXT_COPYUP
 *                           for runc's tmpcopyup (a tmpfs starts with a copy of
 *                           the directory it covers: files, directories, links,
 *                           nodes, modes, owners). Empty hex fields are 0.
 *                           TARGET is inside the rootfs and created if missing (a
 *                           file when a bind's SOURCE is not a directory).
 *                           With MS_BIND, SOURCE is a path of the caller's (a
 *                           missing one is ERR mount stat 2), and the flags are
 *                           set afterwards by a remount of exactly them (mount
 *                           --bind -o); where the kernel refuses that (flags it
 *                           locks in a user namespace) again with the locked flags
 *                           the mount has, unless CLEAR or an atime mode asks
 *                           otherwise; with MS_REC their ro, nosuid, nodev and
 *                           noexec also reach every mount of the tree. A tmpfs
 *                           takes the mode of the directory it covers, and a tmpfs
 *                           or a /dev with MS_RDONLY is made read-only only after
 *                           the --device nodes. proc and sysfs go on a directory
 *                           reached without a symlink. TYPE cgroup: on a cgroup2
 *                           /sys/fs/cgroup a cgroup2 mount (where the kernel
 *                           refuses one, /sys/fs/cgroup bound); on cgroup v1 a
 *                           tmpfs (mode 755) with, for every hierarchy PROGRAM is
 *                           in (/proc/self/cgroup), a mount named as the
 *                           hierarchy's mount point: with a cgroup namespace
 *                           (created or joined) a cgroup mount of its controllers,
 *                           else a bind of PROGRAM's own cgroup directory; both
 *                           read-only with MS_RDONLY; one symlink per controller
 *                           of a co-mounted hierarchy (cpu -> cpu,cpuacct). Other
 *                           types are mounted with FLAGS and DATA. A ':' or '%'
 *                           inside a field is written %3A or %25 (every %XX is
 *                           decoded).
 *   --mount-label=LABEL     context="LABEL" added to the data of every mount the
 *                           rootfs gets but proc, sysfs, cgroup and binds (an
 *                           mqueue gets it as its root's security.selinux).
 *   --device=TYPE:MAJOR:MINOR:MODE:UID:GID:PATH
 *                           after the --mounts, a node at PATH (inside the rootfs,
 *                           its directories created): TYPE c, b or p, MODE octal,
 *                           made with mknod, then chmod and chown (a node already
 *                           there is left); in a user namespace, or where mknod
 *                           is refused, an empty file with the caller's own node
 *                           at PATH bound on it (runc's way).
 *   --dev-symlinks          after those: DIR/dev/ptmx replaced by a link to
 *                           pts/ptmx, and the fd, stdin, stdout, stderr links (core
 *                           to /proc/kcore where the caller's /proc has one).
 *   --mask=PATH             after those: /dev/null bound over the file PATH, or an
 *                           empty read-only tmpfs over the directory PATH (a
 *                           missing PATH is skipped; repeatable; needs --create=mnt).
 *   --readonly-path=PATH    PATH bound on itself recursively, every mount of it
 *                           read-only (same rules).
 *   --mount-proc with --rootfs mounts the fresh /proc on DIR/proc.
 *
 * TYPE is one of cgroup ipc mnt net pid time user uts.
 *
 * Pins (a keeper process): with --pin the helper forks first thing. The
 * parent, the keeper, joins and creates nothing: it stays in the caller's
 * namespaces with the caller's privileges, and becomes the supervisor. The
 * child does the setup; once the namespaces exist, the process that created
 * them hands the keeper an fd of each over a socket, and goes on only once the
 * keeper has mounted them all. A pin that fails is reported by the keeper as
 * ERR pin <syscall> <errno> after undoing the pins made so far. Any ERR of a
 * later step (exec...) makes the keeper undo every pin before the channel
 * ends: an ERR always means no pin is left and no file created by the helper
 * remains. So pins exist when the channel ends without ERR. (A setup process
 * killed by a signal after pinning writes no ERR: its pins stay.)
 *
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
 * Root filesystem: the mounts are made by the process that execs (pid 1 of a
 * new pid namespace, so that its /proc is that namespace's), after hostname,
 * domainname and the LSM labels, in this order: rootfs (bind or overlay; the
 * mount holding DIR made private first if it is shared, as runc does), /proc,
 * /dev, /sys, --mount in order, --device, --dev-symlinks, the read-only
 * remounts of tmpfs and /dev, --sysctl, --mask, --readonly-path,
 * --rootfs-readonly, then pivot_root(".", ".") in DIR and a lazy unmount of
 * the old root, made a slave first (no directory needed for it, as runc
 * does), then chdir("/"). Every path inside
 * the rootfs is resolved with openat2(RESOLVE_IN_ROOT): a symlink in the
 * rootfs cannot send a mount outside it. A remount keeps the flags the kernel
 * locks in a user namespace (ro, nosuid, nodev, noexec, atime); a recursive
 * one (mount_setattr) only sets flags, so it clears none. Failures: ERR
 * rootfs|mount-proc|dev|sys|mount|devices|sysctl|mask|readonly|pivot <syscall>
 * <errno>, after PID; the mount namespace dies with the process, so nothing
 * stays mounted.
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
