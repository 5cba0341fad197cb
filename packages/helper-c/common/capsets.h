/*
 * The capability sets a process asks for, set the one way both builds need:
 * the helper program (src/caps.c) and liblinuxns's in-process spawn
 * (lib/settings.c), which are built apart. Only system calls: safe in a child
 * that shares its caller's memory.
 */
#ifndef LINUXNS_CAPSETS_H
#define LINUXNS_CAPSETS_H

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The call that failed (errno tells why), or CAPSETS_OK. */
enum capsets_failure { CAPSETS_OK, CAPSETS_CAPGET, CAPSETS_CAPSET, CAPSETS_AMBIENT };

/*
 * capset of permitted, effective and inheritable, each within what the
 * kernel takes (permitted within what the process has, effective within
 * permitted, inheritable within what it has or had and within bounding), then
 * the ambient set cleared and raised capability by capability up to `last`.
 */
static inline enum capsets_failure set_capsets(unsigned long long permitted, unsigned long long effective, unsigned long long inheritable,
                                               unsigned long long bounding, unsigned long long ambient, int last) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  if (syscall(SYS_capget, &hdr, data) != 0) return CAPSETS_CAPGET;
  unsigned long long have = ((unsigned long long)data[1].permitted << 32) | data[0].permitted;
  unsigned long long old_inh = ((unsigned long long)data[1].inheritable << 32) | data[0].inheritable;
  unsigned long long perm = permitted & have;
  unsigned long long eff = effective & perm;
  unsigned long long inh = inheritable & (have | old_inh) & bounding;
  data[0].permitted = (unsigned)perm;
  data[1].permitted = (unsigned)(perm >> 32);
  data[0].effective = (unsigned)eff;
  data[1].effective = (unsigned)(eff >> 32);
  data[0].inheritable = (unsigned)inh;
  data[1].inheritable = (unsigned)(inh >> 32);
  if (syscall(SYS_capset, &hdr, data) != 0) return CAPSETS_CAPSET;
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return CAPSETS_AMBIENT;
  for (int c = 0; c <= last && c < 64; c++)
    if ((ambient & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0) return CAPSETS_AMBIENT;
  return CAPSETS_OK;
}

#endif
