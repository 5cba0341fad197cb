/*
 * The grammar of a request to linuxns-helper (protocol.h declares the values
 * it names), part one: the namespaces and the process. Part two, the OCI
 * settings and a container's root filesystem, is request-oci.h. parse.c reads
 * both into struct request (helper.h).
 */
#ifndef LINUXNS_REQUEST_H
#define LINUXNS_REQUEST_H

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
 *   (the OCI settings and the root filesystem: request-oci.h)
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
 */

#endif
