/*
 * linuxns-helper: the protocol between @linuxns/core (TypeScript) and this
 * single-threaded helper. Mirrored, field for field, by
 * packages/core/src/helper/protocol.ts. Change both or neither.
 *
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
 *                           like unshare), slave, shared or unchanged.
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
 *   --gate-fd=N             an inherited fd PROGRAM waits on before exec: once
 *                           the whole setup is done (ids, capabilities, fds and
 *                           all, just before execvp) it writes READY on the status
 *                           channel and reads one byte from N; then it execs. End
 *                           of file instead (the caller closed N without writing)
 *                           is ERR gate read 125 (ECANCELED), reported like any
 *                           setup failure: pins undone, the pid file left empty.
 *                           So the caller can act on PROGRAM's namespaces (configure
 *                           its network namespace from outside...) before it runs.
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
 *                           full, random, urandom and tty bound from the caller's
 *                           /dev (no mknod: a user namespace may not), the fd,
 *                           stdin, stdout, stderr symlinks, shm/ (mode 01777) and
 *                           pts/, a new devpts instance (newinstance, ptmxmode=0666,
 *                           mode=0620) with ptmx linked to pts/ptmx; where the
 *                           kernel refuses that devpts, pts/ stays an empty
 *                           directory and there is no ptmx link.
 *   --mount-sys             sysfs read-only on DIR/sys; where the kernel refuses
 *                           a sysfs (a net namespace not owned by the user
 *                           namespace) the caller's /sys bound recursively instead,
 *                           every mount of it read-only.
 *   --mount=TYPE:FLAGS:SOURCE:TARGET:DATA
 *                           an extra mount (repeatable, in order): FLAGS is the
 *                           MS_* mask in hex; with MS_BIND, SOURCE is a path of the
 *                           caller's and the other flags are applied afterwards:
 *                           with MS_REC to every mount of the tree (mount_setattr
 *                           AT_RECURSIVE: ro, nosuid, nodev, noexec, atime), else
 *                           to the top mount by a remount;
 *                           TARGET is inside the rootfs and created if missing (a
 *                           file when a bind's SOURCE is not a directory). A ':' or
 *                           '%' inside a field is written %3A or %25 (every %XX is
 *                           decoded).
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
 *   ERR <step> <syscall> <errno>     setup failed at <step> (see STEP_* below);
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
 * new pid namespace, so that its /proc is that namespace's), after hostname
 * and domainname, in this order: rootfs (bind or overlay), /proc, /dev, /sys,
 * --mount in order, --mask, --readonly-path, --rootfs-readonly, then
 * pivot_root(".", ".") in DIR and a lazy unmount of the old root (no
 * directory needed for it, as runc does), then chdir("/"). Every path inside
 * the rootfs is resolved with openat2(RESOLVE_IN_ROOT): a symlink in the
 * rootfs cannot send a mount outside it. A remount keeps the flags the kernel
 * locks in a user namespace (ro, nosuid, nodev, noexec, atime); a recursive
 * one (mount_setattr) only sets flags, so it clears none. Failures: ERR
 * rootfs|mount-proc|dev|sys|mount|mask|readonly|pivot <syscall> <errno>, after
 * PID; the mount namespace dies with the process, so nothing stays mounted.
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
#ifndef LINUXNS_PROTOCOL_H
#define LINUXNS_PROTOCOL_H

#define HELPER_EXIT_SETUP 125
#define HELPER_EXIT_USAGE 124

/* Steps named in ERR lines. */
#define STEP_PARSE "parse"
#define STEP_JOIN "join"
#define STEP_CREATE "create"
#define STEP_SETGROUPS "setgroups"
#define STEP_UID_MAP "uid_map"
#define STEP_GID_MAP "gid_map"
#define STEP_SYNC "sync"
#define STEP_PROPAGATION "propagation"
#define STEP_HOSTNAME "hostname"
#define STEP_DOMAINNAME "domainname"
#define STEP_CWD "cwd"
#define STEP_FORK "fork"
#define STEP_EXEC "exec"
#define STEP_TIME_OFFSETS "time-offsets"
#define STEP_MOUNT_PROC "mount-proc"
#define STEP_RLIMIT "rlimit"
#define STEP_SETSID "setsid"
#define STEP_PRCTL "prctl"
#define STEP_IDS "ids"
#define STEP_ROOT "root"
#define STEP_FDS "fds"
#define STEP_CAPS "caps"
#define STEP_PIN "pin"
#define STEP_CGROUP "cgroup"
#define STEP_PID_FILE "pid-file"
#define STEP_ROOTFS "rootfs"
#define STEP_DEV "dev"
#define STEP_SYS "sys"
#define STEP_MOUNT "mount"
#define STEP_MASK "mask"
#define STEP_READONLY "readonly"
#define STEP_PIVOT "pivot"
#define STEP_GATE "gate"

#define MAX_IDMAP 340 /* kernel limit of ranges per map */
#define MAX_JOIN 8
#define MAX_ENV 1024
#define MAX_RLIMIT 16
#define MAX_GROUPS 64
#define MAX_FDS 64
#define MAX_PIN 8
#define MAX_MOUNTS 64
#define MAX_PATHS 64 /* of --mask, and of --readonly-path */
#define MAX_CGROUPS 16

#endif
