/* argv → struct request (grammar in request.h and request-oci.h). Malformed input ends in report_usage. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include "helper.h"
#include "values.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The value of arg if it is --name=VALUE, else NULL. */
static char *value_of(char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* The options without a value, each setting a flag; 1 if a is one. */
static int set_flag(struct request *req, const char *a) {
  const struct { const char *name; int *field; } flags[] = {
    {"--env-clear", &req->env_clear},       {"--mount-proc", &req->mount_proc},
    {"--setsid", &req->setsid},             {"--no-new-privs", &req->no_new_privs},
    {"--userns-root", &req->userns_root},   {"--preserve-credentials", &req->preserve_credentials},
    {"--no-pivot", &req->no_pivot},         {"--rootfs-readonly", &req->rootfs_readonly},
    {"--mount-dev", &req->mount_dev},       {"--mount-sys", &req->mount_sys},
    {"--dev-symlinks", &req->dev_symlinks}, {"--detach", &req->detach},
    {"--console-relay", &req->console_relay},
  };
  for (size_t k = 0; k < COUNT(flags); k++)
    if (strcmp(a, flags[k].name) == 0) {
      *flags[k].field = 1;
      return 1;
    }
  return 0;
}

/* The options whose value is kept as given (a name, a path; some paths must be absolute); 1 if a is one. */
static int set_string(struct request *req, char *a) {
  const struct { const char *name; const char **field; int absolute; } strings[] = {
    {"--hostname", &req->hostname, 0}, {"--domainname", &req->domainname, 0}, {"--cwd", &req->cwd, 0},
    {"--root", &req->root, 0},         {"--pid-file", &req->pid_file, 1},     {"--rootfs", &req->rootfs, 1},
    {"--apparmor", &req->apparmor, 0}, {"--selinux-label", &req->selinux_label, 0}, {"--mount-label", &req->mount_label, 0},
    {"--console", &req->console, 1},
  };
  for (size_t k = 0; k < COUNT(strings); k++) {
    const char *v = value_of(a, strings[k].name);
    if (!v) continue;
    if (strings[k].absolute && v[0] != '/') bad(strings[k].name, "an absolute path");
    *strings[k].field = v;
    return 1;
  }
  return 0;
}

/* The repeatable options whose value is an absolute path, kept in order; 1 if a is one. */
static int add_path(struct request *req, char *a) {
  const struct { const char *name; const char **list; int *n, max; } lists[] = {
    {"--cgroup", req->cgroup, &req->ncgroup, MAX_CGROUPS},
    {"--mask", req->mask, &req->nmask, MAX_PATHS},
    {"--readonly-path", req->readonly, &req->nreadonly, MAX_PATHS},
  };
  for (size_t k = 0; k < COUNT(lists); k++) {
    const char *v = value_of(a, lists[k].name);
    if (!v) continue;
    if (*lists[k].n >= lists[k].max) bad(lists[k].name, "too many");
    if (v[0] != '/') bad(lists[k].name, "an absolute path");
    lists[k].list[(*lists[k].n)++] = v;
    return 1;
  }
  return 0;
}

/* The options whose value is a number in a range (and the flag saying it was given); 1 if a is one. */
static int set_number(struct request *req, char *a) {
  const struct { const char *name; long long *field; int *given; long long min, max; } numbers[] = {
    {"--monotonic", &req->monotonic, &req->has_monotonic, -(1LL << 40), 1LL << 40},
    {"--boottime", &req->boottime, &req->has_boottime, -(1LL << 40), 1LL << 40},
    {"--monotonic-nsec", &req->monotonic_nsec, &req->has_monotonic, 0, 999999999},
    {"--boottime-nsec", &req->boottime_nsec, &req->has_boottime, 0, 999999999},
    {"--uid", &req->uid, NULL, 0, UINT_MAX - 1LL},
    {"--gid", &req->gid, NULL, 0, UINT_MAX - 1LL},
  };
  for (size_t k = 0; k < COUNT(numbers); k++) {
    const char *v = value_of(a, numbers[k].name);
    if (!v) continue;
    if (parse_fields(v, 1, numbers[k].min, numbers[k].max, numbers[k].field)) bad(numbers[k].name, NULL);
    if (numbers[k].given) *numbers[k].given = 1;
    return 1;
  }
  return 0;
}

/* --cap-SET=HEX: the capability sets to keep; 1 if a is one. */
static int set_caps(struct request *req, char *a) {
  const struct { const char *name; unsigned long long *field; } sets[] = {
    {"--cap-bounding", &req->cap_bounding},   {"--cap-effective", &req->cap_effective},
    {"--cap-permitted", &req->cap_permitted}, {"--cap-inheritable", &req->cap_inheritable},
    {"--cap-ambient", &req->cap_ambient},
  };
  for (size_t k = 0; k < COUNT(sets); k++) {
    const char *v = value_of(a, sets[k].name);
    if (!v) continue;
    if (parse_unsigned(v, 16, sets[k].field)) report_usage("bad capability mask");
    req->has_caps = 1;
    return 1;
  }
  return 0;
}

/* --propagation=P of a new mount namespace: a name (recursive), or a hex MS_* mask of one propagation type (OCI's). */
static void set_propagation(struct request *req, const char *v) {
  static const struct { const char *name; unsigned long flag; } KINDS[] = {
    {"private", MS_REC | MS_PRIVATE}, {"slave", MS_REC | MS_SLAVE}, {"shared", MS_REC | MS_SHARED}, {"unchanged", 0},
  };
  for (size_t k = 0; k < COUNT(KINDS); k++)
    if (strcmp(v, KINDS[k].name) == 0) {
      req->propagation = KINDS[k].flag;
      return;
    }
  unsigned long long mask;
  if (parse_unsigned(v, 16, &mask) || !is_propagation(mask)) bad("--propagation", NULL);
  req->propagation = (unsigned long)mask;
}

/* --groups=G[,G...] (empty: none). */
static void set_groups(struct request *req, const char *v) {
  req->has_groups = 1;
  for (const char *p = v; *p;) {
    char *end;
    errno = 0;
    unsigned long g = strtoul(p, &end, 10);
    if (errno || end == p || g >= UINT_MAX || req->ngroups >= MAX_GROUPS || (*end && *end != ',')) bad("--groups", NULL);
    req->groups[req->ngroups++] = (unsigned)g;
    p = *end ? end + 1 : end;
  }
}

static int set_process(struct request *req, char *a);

/* The options with a syntax of their own; 1 if a is one. */
static int set_other(struct request *req, char *a) {
  char *v;
  const char *rest;
  long long f[3];
  int flag;
  if ((v = value_of(a, "--status-fd"))) {
    if (parse_fields(v, 1, 3, INT_MAX, f)) bad("--status-fd", NULL);
    req->status_fd = (int)f[0];
    report_init(req->status_fd); /* from now on, ERR parse goes to the channel */
  } else if ((v = value_of(a, "--gate-fd"))) {
    if (parse_fields(v, 1, 3, INT_MAX, f)) bad("--gate-fd", NULL);
    req->gate_fd = (int)f[0];
  } else if ((v = value_of(a, "--pdeathsig"))) {
    if (parse_fields(v, 1, 1, 64, f)) bad("--pdeathsig", NULL);
    req->pdeathsig = (int)f[0];
  } else if ((v = value_of(a, "--join"))) {
    if (req->njoin >= MAX_JOIN || !(flag = typed(v, &rest)) || parse_fields(rest, 1, 0, INT_MAX, f)) bad("--join", NULL);
    req->join[req->njoin].type = flag;
    req->join[req->njoin++].fd = (int)f[0];
  } else if ((v = value_of(a, "--pin"))) {
    if (req->npin >= MAX_PIN || !(flag = typed(v, &rest)) || rest[0] != '/') bad("--pin", "TYPE:/absolute/path");
    for (int k = 0; k < req->npin; k++)
      if (req->pin[k].type == flag) report_usage("two --pin of one type");
    req->pin[req->npin].type = flag;
    req->pin[req->npin++].path = rest;
  } else if ((v = value_of(a, "--create"))) {
    if (!(flag = ns_flag(v))) bad("--create", NULL);
    req->create |= flag;
  } else if ((v = value_of(a, "--uid-map"))) {
    add_range(req->uid_map, &req->uid_len, v);
  } else if ((v = value_of(a, "--gid-map"))) {
    add_range(req->gid_map, &req->gid_len, v);
  } else if ((v = value_of(a, "--setgroups"))) {
    if (strcmp(v, "allow") && strcmp(v, "deny")) bad("--setgroups", NULL);
    req->setgroups = v;
  } else if ((v = value_of(a, "--env"))) {
    if (!strchr(v, '=') || req->nenv >= MAX_ENV) bad("--env", NULL);
    req->env[req->nenv++] = v;
  } else if ((v = value_of(a, "--propagation"))) {
    set_propagation(req, v);
  } else if ((v = value_of(a, "--fd"))) {
    if (req->nfds >= MAX_FDS || parse_fields(v, 2, 0, INT_MAX, f) || f[0] < 3) bad("--fd", NULL);
    req->fds[req->nfds].target = (int)f[0];
    req->fds[req->nfds++].source = (int)f[1];
  } else if ((v = value_of(a, "--rlimit"))) {
    if (req->nrlimit >= MAX_RLIMIT || parse_fields(v, 3, -1, LLONG_MAX, f) || f[0] < 0 || f[0] >= RLIMIT_NLIMITS) bad("--rlimit", NULL);
    req->rlimit[req->nrlimit].resource = (int)f[0];
    req->rlimit[req->nrlimit].soft = f[1];
    req->rlimit[req->nrlimit++].hard = f[2];
  } else if ((v = value_of(a, "--groups"))) {
    set_groups(req, v);
  } else if ((v = value_of(a, "--rootfs-overlay"))) {
    if (parse_unsigned(v, 10, &req->overlay_size)) bad("--rootfs-overlay", "SIZE in bytes");
    req->rootfs_overlay = 1;
  } else if ((v = value_of(a, "--mount"))) {
    if (req->nmount >= MAX_MOUNTS) report_usage("too many --mount");
    parse_mount(v, &req->mounts[req->nmount++]);
  } else {
    return set_process(req, a);
  }
  return 1;
}

/* The process settings (settings.c, sysctl.c, seccomp.c, devices.c); 1 if a is one. */
static int set_process(struct request *req, char *a) {
  char *v;
  long long f[2];
  unsigned long long u;
  if ((v = value_of(a, "--oom-score-adj"))) {
    if (parse_fields(v, 1, -1000, 1000, f)) bad("--oom-score-adj", "-1000 to 1000");
    req->has_oom_score_adj = 1;
    req->oom_score_adj = (int)f[0];
  } else if ((v = value_of(a, "--ioprio"))) {
    if (parse_fields(v, 1, 0, 0xffff, f)) bad("--ioprio", NULL);
    req->has_ioprio = 1;
    req->ioprio = (int)f[0];
  } else if ((v = value_of(a, "--umask"))) {
    if (parse_unsigned(v, 8, &u) || u > 0777) bad("--umask", "octal, at most 777");
    req->has_umask = 1;
    req->umask = (unsigned)u;
  } else if ((v = value_of(a, "--personality"))) {
    if (parse_unsigned(v, 16, &u) || u > 0xffffffffULL) bad("--personality", "hex");
    req->has_personality = 1;
    req->personality = (unsigned long)u;
  } else if ((v = value_of(a, "--scheduler"))) {
    parse_scheduler(v, &req->scheduler);
    req->has_scheduler = 1;
  } else if ((v = value_of(a, "--sysctl"))) {
    parse_sysctl(v, req);
  } else if ((v = value_of(a, "--seccomp"))) {
    if (parse_fields(v, 2, 0, INT_MAX, f) || f[0] < 3) bad("--seccomp", "FD:FLAGS");
    req->seccomp_fd = (int)f[0];
    req->seccomp_flags = (unsigned)f[1];
  } else if ((v = value_of(a, "--console-size"))) {
    if (parse_fields(v, 2, 0, 0xffff, f)) bad("--console-size", "ROWS:COLS, each 0 to 65535");
    req->has_console_size = 1;
    req->console_rows = (unsigned)f[0];
    req->console_cols = (unsigned)f[1];
  } else if ((v = value_of(a, "--device"))) {
    if (req->ndevice >= MAX_DEVICES) report_usage("too many --device");
    parse_device(v, &req->devices[req->ndevice++]);
  } else {
    return 0;
  }
  return 1;
}

/* The rules between options (grammar in request.h and request-oci.h). */
static void check_request(const struct request *req) {
  if (req->gate_fd == req->status_fd) report_usage("--gate-fd is the status channel");
  if (req->detach && (!req->pid_file || req->npin || req->pdeathsig)) report_usage("--detach needs --pid-file and excludes --pin and --pdeathsig");
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
  if ((req->ndevice || req->dev_symlinks) && !req->rootfs) report_usage("--device and --dev-symlinks need --rootfs");
  if (req->has_console_size && !req->console && !req->console_relay) report_usage("--console-size needs --console or --console-relay");
  if (req->console_relay && (req->console || req->detach)) report_usage("--console-relay excludes --console and --detach");
  if (req->seccomp_fd >= 0 && (req->seccomp_fd == req->status_fd || req->seccomp_fd == req->gate_fd)) report_usage("--seccomp's fd is the status channel or the gate");
}

void parse_request(int argc, char **argv, struct request *req) {
  memset(req, 0, sizeof *req);
  req->status_fd = -1;
  req->gate_fd = -1;
  req->uid = req->gid = -1;
  req->propagation = MS_REC | MS_PRIVATE;
  req->seccomp_fd = -1;
  req->cap_bounding = req->cap_effective = req->cap_permitted = req->cap_inheritable = ~0ULL;
  req->cap_ambient = 0;
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    char *a = argv[i];
    if (!set_flag(req, a) && !set_string(req, a) && !add_path(req, a) && !set_number(req, a) && !set_caps(req, a) && !set_other(req, a))
      report_usage("unknown option");
  }
  if (req->status_fd < 0) report_usage("missing --status-fd");
  if (i >= argc - 1) report_usage("missing -- PROGRAM");
  req->argv = argv + i + 1;
  check_request(req);
}
