/* argv → struct request (grammar in protocol.h). Malformed input ends in report_usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "helper.h"

static const struct { const char *name; int flag; } NS[] = {
  {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"mnt", CLONE_NEWNS},
  {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
  {"user", CLONE_NEWUSER},     {"uts", CLONE_NEWUTS},
};

int ns_flag(const char *name) {
  for (size_t i = 0; i < sizeof NS / sizeof NS[0]; i++)
    if (strcmp(NS[i].name, name) == 0) return NS[i].flag;
  return 0;
}

const char *ns_name(int flag) {
  for (size_t i = 0; i < sizeof NS / sizeof NS[0]; i++)
    if (NS[i].flag == flag) return NS[i].name;
  return "?";
}

static int parse_int(const char *s, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}

/* "A:B[:C]" as n integers each in [min, max]; 0 on success. No sscanf: out-of-range input is defined here. */
static int parse_fields(const char *s, int n, long long min, long long max, long long *out) {
  for (int i = 0; i < n; i++) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < min || v > max) return -1;
    out[i] = v;
    if (i < n - 1) {
      if (*end != ':') return -1;
      s = end + 1;
    } else if (*end) {
      return -1;
    }
  }
  return 0;
}

/* "IN:OUT:COUNT" appended to map as "IN OUT COUNT\n". */
static void add_range(char *map, size_t *len, const char *spec) {
  long long f[3];
  if (parse_fields(spec, 3, 0, UINT_MAX, f) || f[2] == 0) report_usage("bad id map range");
  unsigned long long in = (unsigned long long)f[0], out = (unsigned long long)f[1], count = (unsigned long long)f[2];
  int n = snprintf(map + *len, 4096 - *len, "%llu %llu %llu\n", in, out, count);
  if (n < 0 || (size_t)n >= 4096 - *len) report_usage("id map longer than 4096 bytes");
  *len += (size_t)n;
}

/* %XX → byte, in place; -1 on a bad escape. */
static int unescape(char *s) {
  char *out = s;
  for (; *s; s++) {
    if (*s != '%') {
      *out++ = *s;
      continue;
    }
    unsigned v = 0;
    for (int k = 1; k <= 2; k++) {
      char c = s[k];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return -1;
      v = v * 16 + (unsigned)d;
    }
    if (v == 0) return -1;
    *out++ = (char)v;
    s += 2;
  }
  *out = 0;
  return 0;
}

/* TYPE:FLAGS:SOURCE:TARGET:DATA, split and decoded in place (argv is ours to write). */
static void parse_mount(char *v, struct mount_req *m) {
  char *f[5];
  for (int k = 0; k < 5; k++) {
    f[k] = v;
    char *colon = strchr(v, ':');
    if (k < 4) {
      if (!colon) report_usage("bad --mount (TYPE:FLAGS:SOURCE:TARGET:DATA)");
      *colon = 0;
      v = colon + 1;
    } else if (colon) {
      report_usage("bad --mount (a ':' in DATA must be %3A)");
    }
  }
  for (int k = 0; k < 5; k++)
    if (unescape(f[k])) report_usage("bad --mount (a bad %XX escape)");
  char *end;
  errno = 0;
  unsigned long long flags = strtoull(f[1], &end, 16);
  if (errno || end == f[1] || *end) report_usage("bad --mount flags");
  if (!f[3][0]) report_usage("bad --mount (no TARGET)");
  if ((flags & MS_BIND) && f[2][0] != '/') report_usage("bad --mount (a bind needs an absolute SOURCE)");
  m->type = f[0];
  m->flags = (unsigned long)flags;
  m->source = f[2];
  m->target = f[3];
  m->data = f[4];
}

static const char *value_of(const char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

void parse_request(int argc, char **argv, struct request *req) {
  memset(req, 0, sizeof *req);
  req->status_fd = -1;
  req->gate_fd = -1;
  req->uid = req->gid = -1;
  req->propagation = MS_PRIVATE;
  req->cap_bounding = req->cap_effective = req->cap_permitted = req->cap_inheritable = ~0ULL;
  req->cap_ambient = 0;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *a = argv[i], *v;
    long n;
    if ((v = value_of(a, "--status-fd"))) {
      if (parse_int(v, 3, INT_MAX, &n)) report_usage("bad --status-fd");
      req->status_fd = (int)n;
      report_init(req->status_fd);
    } else if ((v = value_of(a, "--gate-fd"))) {
      if (parse_int(v, 3, INT_MAX, &n)) report_usage("bad --gate-fd");
      req->gate_fd = (int)n;
    } else if ((v = value_of(a, "--join"))) {
      char type[16];
      const char *colon = strchr(v, ':');
      if (!colon || (size_t)(colon - v) >= sizeof type || req->njoin >= MAX_JOIN) report_usage("bad --join");
      memcpy(type, v, (size_t)(colon - v));
      type[colon - v] = 0;
      int flag = ns_flag(type);
      if (!flag || parse_int(colon + 1, 0, INT_MAX, &n)) report_usage("bad --join");
      req->join[req->njoin].type = flag;
      req->join[req->njoin++].fd = (int)n;
    } else if ((v = value_of(a, "--pin"))) {
      char type[16];
      const char *colon = strchr(v, ':');
      if (!colon || (size_t)(colon - v) >= sizeof type || req->npin >= MAX_PIN) report_usage("bad --pin");
      memcpy(type, v, (size_t)(colon - v));
      type[colon - v] = 0;
      int flag = ns_flag(type);
      if (!flag || colon[1] != '/') report_usage("bad --pin (TYPE:/absolute/path)");
      for (int k = 0; k < req->npin; k++)
        if (req->pin[k].type == flag) report_usage("two --pin of one type");
      req->pin[req->npin].type = flag;
      req->pin[req->npin++].path = colon + 1;
    } else if ((v = value_of(a, "--create"))) {
      int flag = ns_flag(v);
      if (!flag) report_usage("bad --create");
      req->create |= flag;
    } else if ((v = value_of(a, "--uid-map"))) {
      add_range(req->uid_map, &req->uid_len, v);
    } else if ((v = value_of(a, "--gid-map"))) {
      add_range(req->gid_map, &req->gid_len, v);
    } else if ((v = value_of(a, "--setgroups"))) {
      if (strcmp(v, "allow") && strcmp(v, "deny")) report_usage("bad --setgroups");
      req->setgroups = v;
    } else if ((v = value_of(a, "--hostname"))) {
      req->hostname = v;
    } else if ((v = value_of(a, "--domainname"))) {
      req->domainname = v;
    } else if ((v = value_of(a, "--cwd"))) {
      req->cwd = v;
    } else if (strcmp(a, "--env-clear") == 0) {
      req->env_clear = 1;
    } else if ((v = value_of(a, "--env"))) {
      if (!strchr(v, '=') || req->nenv >= MAX_ENV) report_usage("bad --env");
      req->env[req->nenv++] = (char *)v;
    } else if ((v = value_of(a, "--root"))) {
      req->root = v;
    } else if ((v = value_of(a, "--propagation"))) {
      if (strcmp(v, "private") == 0) req->propagation = MS_PRIVATE;
      else if (strcmp(v, "slave") == 0) req->propagation = MS_SLAVE;
      else if (strcmp(v, "shared") == 0) req->propagation = MS_SHARED;
      else if (strcmp(v, "unchanged") == 0) req->propagation = 0;
      else report_usage("bad --propagation");
    } else if ((v = value_of(a, "--fd"))) {
      long long f[2];
      if (req->nfds >= MAX_FDS || parse_fields(v, 2, 0, INT_MAX, f) || f[0] < 3) report_usage("bad --fd");
      req->fds[req->nfds].target = (int)f[0];
      req->fds[req->nfds++].source = (int)f[1];
    } else if (strncmp(a, "--cap-", 6) == 0 && strchr(a, '=')) {
      const char *eq = strchr(a, '=');
      char *end;
      errno = 0;
      unsigned long long mask = strtoull(eq + 1, &end, 16);
      if (errno || end == eq + 1 || *end) report_usage("bad capability mask");
      size_t len = (size_t)(eq - a);
      if (len == 14 && strncmp(a, "--cap-bounding", len) == 0) req->cap_bounding = mask;
      else if (len == 15 && strncmp(a, "--cap-effective", len) == 0) req->cap_effective = mask;
      else if (len == 15 && strncmp(a, "--cap-permitted", len) == 0) req->cap_permitted = mask;
      else if (len == 17 && strncmp(a, "--cap-inheritable", len) == 0) req->cap_inheritable = mask;
      else if (len == 13 && strncmp(a, "--cap-ambient", len) == 0) req->cap_ambient = mask;
      else report_usage("unknown option");
      req->has_caps = 1;
    } else if ((v = value_of(a, "--pid-file"))) {
      if (v[0] != '/') report_usage("bad --pid-file (an absolute path)");
      req->pid_file = v;
    } else if ((v = value_of(a, "--cgroup"))) {
      if (req->ncgroup >= MAX_CGROUPS || v[0] != '/') report_usage("bad --cgroup");
      req->cgroup[req->ncgroup++] = v;
    } else if ((v = value_of(a, "--rootfs"))) {
      if (v[0] != '/') report_usage("bad --rootfs (an absolute path)");
      req->rootfs = v;
    } else if ((v = value_of(a, "--rootfs-overlay"))) {
      char *end;
      errno = 0;
      unsigned long long size = strtoull(v, &end, 10);
      if (errno || end == v || *end || v[0] == '-') report_usage("bad --rootfs-overlay (SIZE in bytes)");
      req->overlay_size = size;
      req->rootfs_overlay = 1;
    } else if (strcmp(a, "--rootfs-readonly") == 0) {
      req->rootfs_readonly = 1;
    } else if (strcmp(a, "--no-pivot") == 0) {
      req->no_pivot = 1;
    } else if (strcmp(a, "--mount-dev") == 0) {
      req->mount_dev = 1;
    } else if (strcmp(a, "--mount-sys") == 0) {
      req->mount_sys = 1;
    } else if ((v = value_of(a, "--mount"))) {
      if (req->nmount >= MAX_MOUNTS) report_usage("too many --mount");
      parse_mount(argv[i] + (v - a), &req->mounts[req->nmount++]);
    } else if ((v = value_of(a, "--mask"))) {
      if (req->nmask >= MAX_PATHS || v[0] != '/') report_usage("bad --mask (an absolute path)");
      req->mask[req->nmask++] = v;
    } else if ((v = value_of(a, "--readonly-path"))) {
      if (req->nreadonly >= MAX_PATHS || v[0] != '/') report_usage("bad --readonly-path (an absolute path)");
      req->readonly[req->nreadonly++] = v;
    } else if (strcmp(a, "--mount-proc") == 0) {
      req->mount_proc = 1;
    } else if ((v = value_of(a, "--monotonic"))) {
      if (parse_int(v, -(1L << 40), 1L << 40, &n)) report_usage("bad --monotonic");
      req->monotonic = n;
      req->has_monotonic = 1;
    } else if ((v = value_of(a, "--boottime"))) {
      if (parse_int(v, -(1L << 40), 1L << 40, &n)) report_usage("bad --boottime");
      req->boottime = n;
      req->has_boottime = 1;
    } else if ((v = value_of(a, "--rlimit"))) {
      long long f[3];
      if (req->nrlimit >= MAX_RLIMIT || parse_fields(v, 3, -1, LLONG_MAX, f) || f[0] < 0 || f[0] > 15) report_usage("bad --rlimit");
      req->rlimit[req->nrlimit].resource = (int)f[0];
      req->rlimit[req->nrlimit].soft = f[1];
      req->rlimit[req->nrlimit++].hard = f[2];
    } else if (strcmp(a, "--setsid") == 0) {
      req->setsid = 1;
    } else if (strcmp(a, "--userns-root") == 0) {
      req->userns_root = 1;
    } else if (strcmp(a, "--no-new-privs") == 0) {
      req->no_new_privs = 1;
    } else if (strcmp(a, "--preserve-credentials") == 0) {
      req->preserve_credentials = 1;
    } else if ((v = value_of(a, "--pdeathsig"))) {
      if (parse_int(v, 1, 64, &n)) report_usage("bad --pdeathsig");
      req->pdeathsig = (int)n;
    } else if ((v = value_of(a, "--uid"))) {
      if (parse_int(v, 0, UINT_MAX - 1L, &n)) report_usage("bad --uid");
      req->uid = n;
    } else if ((v = value_of(a, "--gid"))) {
      if (parse_int(v, 0, UINT_MAX - 1L, &n)) report_usage("bad --gid");
      req->gid = n;
    } else if ((v = value_of(a, "--groups"))) {
      req->has_groups = 1;
      for (const char *p = v; *p;) {
        char *end;
        errno = 0;
        unsigned long g = strtoul(p, &end, 10);
        if (errno || end == p || g >= UINT_MAX || req->ngroups >= MAX_GROUPS || (*end && *end != ',')) report_usage("bad --groups");
        req->groups[req->ngroups++] = (unsigned)g;
        p = *end ? end + 1 : end;
      }
    } else {
      report_usage("unknown option");
    }
  }
  if (req->status_fd < 0) report_usage("missing --status-fd");
  if (req->gate_fd == req->status_fd) report_usage("--gate-fd is the status channel");
  if (i >= argc - 1) report_usage("missing -- PROGRAM");
  req->argv = argv + i + 1;
  if ((req->uid_len || req->gid_len || req->setgroups) && !(req->create & CLONE_NEWUSER))
    report_usage("id maps need --create=user");
  if ((req->hostname || req->domainname) && !(req->create & CLONE_NEWUTS))
    report_usage("hostname needs --create=uts");
  if (req->mount_proc && (req->create & (CLONE_NEWNS | CLONE_NEWPID)) != (CLONE_NEWNS | CLONE_NEWPID))
    report_usage("--mount-proc needs --create=mnt and --create=pid");
  if ((req->has_monotonic || req->has_boottime) && !(req->create & CLONE_NEWTIME))
    report_usage("time offsets need --create=time");
  for (int k = 0; k < req->npin; k++)
    if (!(req->create & req->pin[k].type)) report_usage("--pin needs --create of that type");
  if (req->userns_root && !(req->create & CLONE_NEWUSER)) report_usage("--userns-root needs --create=user");
  if (req->rootfs && !(req->create & CLONE_NEWNS)) report_usage("--rootfs needs --create=mnt");
  if (req->rootfs && req->root) report_usage("--rootfs and --root exclude each other");
  if (!req->rootfs && (req->rootfs_overlay || req->rootfs_readonly || req->no_pivot || req->mount_dev || req->mount_sys || req->nmount))
    report_usage("--rootfs-overlay, --rootfs-readonly, --no-pivot, --mount-dev, --mount-sys and --mount need --rootfs");
  /* The overlay's options name DIR/upper and DIR/work unescaped: these would split or change them. */
  if (req->rootfs_overlay && req->rootfs && req->rootfs[strcspn(req->rootfs, ",:\\ \t\n\v\f\r")])
    report_usage("bad --rootfs for --rootfs-overlay (a comma, colon, backslash or whitespace in DIR)");
  if ((req->nmask || req->nreadonly) && !(req->create & CLONE_NEWNS)) report_usage("--mask and --readonly-path need --create=mnt");
}
