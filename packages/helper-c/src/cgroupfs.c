/*
 * A --mount of type cgroup, as runc 1.1 makes it (mountCgroupV1/V2 in
 * libcontainer/rootfs_linux.go):
 *   - on a unified host (/sys/fs/cgroup is cgroup2): a cgroup2 mount, or,
 *     where the kernel refuses one (a user namespace without its own cgroup
 *     namespace), a bind of /sys/fs/cgroup with the mount's flags;
 *   - on cgroup v1: a tmpfs (mode 755, nosuid, nodev, noexec) at the target
 *     and, for every hierarchy this process is in (/proc/self/cgroup, after
 *     --cgroup), one mount named as the hierarchy's mount point: with a
 *     cgroup namespace (created or joined) a fresh cgroup mount of its
 *     controllers, which shows the namespace's root; without, a bind of the
 *     process's own cgroup directory. Both take the mount's ro. Co-mounted
 *     controllers (cpu,cpuacct) get a symlink each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "helper.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Hierarchies and controllers at most (the kernel has 16 controllers; named hierarchies add some). */
enum { MAX_HIERARCHIES = 32, MAX_CONTROLLERS = 64 };

/* /proc/self/cgroup: each controller (name=systemd included) with the path of this process's cgroup. */
static struct { char name[64]; char path[PATH_MAX]; int seen; } controllers[MAX_CONTROLLERS];
static int ncontrollers;

/* The v1 hierarchies this process is in, as found in mountinfo. */
static struct { char mountpoint[PATH_MAX], root[PATH_MAX], subsystems[256], path[PATH_MAX]; } hierarchies[MAX_HIERARCHIES];
static int nhierarchies;

/* Reads /proc/self/cgroup ("ID:CONTROLLERS:PATH" lines) into controllers. 0, or -1 with errno. */
static int read_own_cgroups(void) {
  static char buf[16384];
  int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t have = 0;
  ssize_t n;
  while ((n = read(fd, buf + have, sizeof buf - 1 - have)) > 0 || (n < 0 && errno == EINTR)) have += n > 0 ? (size_t)n : 0;
  close(fd);
  buf[have] = 0;
  ncontrollers = 0;
  for (char *line = buf, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char *names = strchr(line, ':');
    char *path = names ? strchr(names + 1, ':') : NULL;
    if (!path) continue;
    *path++ = 0;
    names++;
    for (char *name = strtok(names, ","); name && ncontrollers < MAX_CONTROLLERS; name = strtok(NULL, ",")) {
      if (strlen(name) >= sizeof controllers[0].name || strlen(path) >= sizeof controllers[0].path) continue;
      strcpy(controllers[ncontrollers].name, name);
      strcpy(controllers[ncontrollers].path, path);
      controllers[ncontrollers++].seen = 0;
    }
  }
  return 0;
}

/* runc's GetCgroupMounts(false): each v1 mount holding a controller this process is in, each controller once. */
static int find_hierarchy(struct mountinfo *mi, void *arg) {
  (void)arg;
  if (strcmp(mi->fstype, "cgroup") != 0 || nhierarchies == MAX_HIERARCHIES) return 0;
  char subsystems[256] = "", path[PATH_MAX] = "";
  for (char *opt = strtok(mi->super, ","); opt; opt = strtok(NULL, ",")) {
    for (int i = 0; i < ncontrollers; i++) {
      if (controllers[i].seen || strcmp(controllers[i].name, opt) != 0) continue;
      controllers[i].seen = 1;
      if (strlen(subsystems) + strlen(opt) + 2 > sizeof subsystems) continue;
      if (subsystems[0]) strcat(subsystems, ",");
      strcat(subsystems, opt);
      strcpy(path, controllers[i].path);
    }
  }
  if (!subsystems[0] || strlen(mi->mountpoint) >= PATH_MAX || strlen(mi->root) >= PATH_MAX) return 0;
  strcpy(hierarchies[nhierarchies].mountpoint, mi->mountpoint);
  strcpy(hierarchies[nhierarchies].root, mi->root);
  strcpy(hierarchies[nhierarchies].subsystems, subsystems);
  strcpy(hierarchies[nhierarchies++].path, path);
  return 0;
}

/* Joins a and b (b without its leading slashes) into out; -1 with ENAMETOOLONG. */
static int join_path(char *out, size_t size, const char *a, const char *b) {
  while (*b == '/') b++;
  int n = snprintf(out, size, "%s%s%s", a, a[0] && a[strlen(a) - 1] == '/' ? "" : "/", b);
  if (n < 0 || (size_t)n >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

/* The cgroup namespace is the container's own (created or joined): its cgroups are mounted, not bound. */
static int has_cgroupns(const struct request *req) {
  if (req->create & CLONE_NEWCGROUP) return 1;
  for (int i = 0; i < req->njoin; i++)
    if (req->join[i].type == CLONE_NEWCGROUP) return 1;
  return 0;
}

/* A mount request like m (its flags, clear, propagation) of source on target. */
static struct mount_req like(const struct mount_req *m, const char *type, unsigned long flags, const char *source, const char *target,
                             const char *data) {
  struct mount_req r = *m;
  r.type = type;
  r.flags = flags;
  r.source = source;
  r.target = target;
  r.data = data;
  r.rset = r.rclr = 0;
  return r;
}

static void mount_v1(const struct request *req, int rootfd, const struct mount_req *m) {
  if (read_own_cgroups() != 0) report_error(STEP_MOUNT, "open", errno);
  nhierarchies = 0;
  if (each_mount(find_hierarchy, NULL) < 0) report_error(STEP_MOUNT, "open", errno);
  const unsigned long defaults = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  struct mount_req tmpfs = like(m, "tmpfs", defaults, "tmpfs", m->target, "mode=755");
  tmpfs.clear = 0;
  extra_mount(req, rootfd, &tmpfs);
  int ns = has_cgroupns(req);
  for (int i = 0; i < nhierarchies; i++) {
    const char *name = strrchr(hierarchies[i].mountpoint, '/');
    name = name ? name + 1 : hierarchies[i].mountpoint;
    char target[PATH_MAX], source[PATH_MAX];
    if (join_path(target, sizeof target, m->target, name) != 0) report_error(STEP_MOUNT, "snprintf", errno);
    if (ns) {
      /* A fresh mount of the hierarchy's controllers shows the cgroup namespace's root. */
      int fd = in_root(rootfd, target, CREATE_DIR, STEP_MOUNT);
      const char *sys = strcmp(hierarchies[i].subsystems, "name=systemd") == 0 ? "systemd" : "cgroup";
      if (mount_on(sys, fd, "cgroup", defaults | (m->flags & MS_RDONLY), hierarchies[i].subsystems) != 0) report_error(STEP_MOUNT, "mount", errno);
      close(fd);
      continue;
    }
    /* The process's own cgroup in the hierarchy: its path relative to the mount's root. */
    const char *own = hierarchies[i].path, *root = hierarchies[i].root;
    size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (rl && strncmp(own, root, rl) == 0 && (own[rl] == '/' || own[rl] == 0)) own += rl;
    if (join_path(source, sizeof source, hierarchies[i].mountpoint, own) != 0) report_error(STEP_MOUNT, "snprintf", errno);
    struct mount_req bind = like(m, "", MS_BIND | MS_REC | (m->flags & ~(unsigned long)MS_BIND), source, target, "");
    extra_mount(req, rootfd, &bind);
  }
  int dir = in_root(rootfd, m->target, NO_CREATE, STEP_MOUNT);
  for (int i = 0; i < nhierarchies; i++) {
    const char *name = strrchr(hierarchies[i].mountpoint, '/');
    name = name ? name + 1 : hierarchies[i].mountpoint;
    if (!strchr(name, ',')) continue;
    char parts[PATH_MAX];
    size_t len = strlen(name); /* shorter than its mount point */
    memcpy(parts, name, len + 1);
    for (char *part = strtok(parts, ","); part; part = strtok(NULL, ","))
      if (symlinkat(name, dir, part) != 0 && errno != EEXIST) report_error(STEP_MOUNT, "symlinkat", errno);
  }
  close(dir);
}

void mount_cgroup(const struct request *req, int rootfd, const struct mount_req *m) {
  struct statfs st;
  if (statfs("/sys/fs/cgroup", &st) != 0 || st.f_type != CGROUP2_SUPER_MAGIC) {
    mount_v1(req, rootfd, m);
    return;
  }
  int fd = in_root(rootfd, m->target, CREATE_DIR, STEP_MOUNT);
  int r = mount_on(m->source, fd, "cgroup2", m->flags & ~(MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE | MS_REC), m->data[0] ? m->data : NULL);
  close(fd);
  if (r != 0 && errno != EPERM && errno != EBUSY) report_error(STEP_MOUNT, "mount", errno);
  if (r != 0) {
    /* No cgroup2 mount in a user namespace without its own cgroup namespace: the caller's, bound (runc). */
    struct mount_req bind = like(m, "", MS_BIND | m->flags, "/sys/fs/cgroup", m->target, "");
    extra_mount(req, rootfd, &bind);
    return;
  }
  fd = in_root(rootfd, m->target, NO_CREATE, STEP_MOUNT);
  for (int i = 0; i < m->npropagation; i++)
    if (mount_on(NULL, fd, NULL, m->propagation[i], NULL) != 0) report_error(STEP_MOUNT, "mount", errno);
  close(fd);
}
