/*
 * The grammar of a request to linuxns-helper, part two (part one, the
 * namespaces and the process, is request.h): the OCI settings of a process
 * and a container's root filesystem, then the order the mounts are made in.
 */
#ifndef LINUXNS_REQUEST_OCI_H
#define LINUXNS_REQUEST_OCI_H

/*
 * Options (argv, as in request.h):
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
 */

#endif
