/*
 * lns_spawn's process settings, applied in its child between the joins and
 * exec, in the order of the helper program's exec_program (src/run.c) so that
 * both paths behave and fail alike. The child shares the caller's memory
 * (CLONE_VM): only system calls here, no allocation, and the id changes by
 * raw syscall, never by glibc's setresuid/setgroups, which in a process it
 * believes threaded would signal the caller's threads to change theirs too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "liblinuxns.h"
#include "../common/capsets.h"

static int ids(const struct lns_settings *s) {
  if (s->ngroups >= 0 && syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) != 0) return LNS_STEP_SETGROUPS_IDS;
  if (s->gid >= 0 && syscall(SYS_setresgid, (gid_t)s->gid, (gid_t)s->gid, (gid_t)s->gid) != 0) return LNS_STEP_SETRESGID;
  if (s->uid >= 0 && syscall(SYS_setresuid, (uid_t)s->uid, (uid_t)s->uid, (uid_t)s->uid) != 0) return LNS_STEP_SETRESUID;
  return 0;
}

/* The capability sets, as the helper sets them (common/capsets.h). */
static int caps(const struct lns_settings *s) {
  static const int step[] = {[CAPSETS_OK] = 0, [CAPSETS_CAPGET] = LNS_STEP_CAPGET, [CAPSETS_CAPSET] = LNS_STEP_CAPSET, [CAPSETS_AMBIENT] = LNS_STEP_AMBIENT};
  return step[set_capsets(s->cap_permitted, s->cap_effective, s->cap_inheritable, s->cap_bounding, s->cap_ambient, s->last_cap)];
}

/* The parent-death signal, and a parent that died before it was set (PARENT: its pid as the child sees it, 0 when it cannot). */
static int deathsig(int sig, int parent) {
  if (prctl(PR_SET_PDEATHSIG, sig) != 0) return LNS_STEP_DEATHSIG;
  if (parent > 0 && getppid() != parent) {
    errno = ESRCH;
    return LNS_STEP_DEATHSIG;
  }
  return 0;
}

int lns_apply_settings(const struct lns_settings *s, int parent) {
  int step;
  if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) != 0) return LNS_STEP_HOSTNAME;
  if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) != 0) return LNS_STEP_DOMAINNAME;
  if (s->umask >= 0) umask((mode_t)s->umask);
  for (int i = 0; i < s->nrlimit; i++) {
    const long long *r = s->rlimits + 3 * i;
    struct rlimit rl = {r[1] < 0 ? RLIM_INFINITY : (rlim_t)r[1], r[2] < 0 ? RLIM_INFINITY : (rlim_t)r[2]};
    if (setrlimit((int)r[0], &rl) != 0) return LNS_STEP_RLIMIT;
  }
  if (s->setsid && setsid() < 0) return LNS_STEP_SETSID;
  if (s->pdeathsig && (step = deathsig(s->pdeathsig, parent)) != 0) return step;
  if (s->root && (chroot(s->root) != 0 || chdir("/") != 0)) return LNS_STEP_ROOT;
  if (s->cwd && chdir(s->cwd) != 0) return LNS_STEP_CWD;
  if (s->has_caps) {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return LNS_STEP_KEEPCAPS;
    /* The bounding set before the ids: dropping from it needs CAP_SETPCAP, gone after a change to non-root. */
    for (int c = 0; c <= s->last_cap && c < 64; c++)
      if (!(s->cap_bounding & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) return LNS_STEP_BOUNDING;
  }
  if ((step = ids(s)) != 0) return step;
  /* A change of euid or egid clears the parent-death signal (prctl(2)): set it again. */
  if ((s->gid >= 0 || s->uid >= 0) && s->pdeathsig && (step = deathsig(s->pdeathsig, parent)) != 0) return step;
  if (s->has_caps && (step = caps(s)) != 0) return step;
  if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return LNS_STEP_NO_NEW_PRIVS;
  return 0;
}
