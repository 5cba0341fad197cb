/*
 * The values of the helper's options, read and checked: numbers and fields
 * ("A:B:C"), id map ranges, %XX escapes, namespace type names, and the
 * values with a syntax of their own (--mount, --device, --scheduler,
 * --sysctl). parse.c reads the options with these. Malformed input ends in
 * report_usage.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "helper.h"
#include "values.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct { const char *name; int flag; } NS[] = {
  {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"mnt", CLONE_NEWNS},
  {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID}, {"time", CLONE_NEWTIME},
  {"user", CLONE_NEWUSER},     {"uts", CLONE_NEWUTS},
};

int ns_flag(const char *name) {
  for (size_t i = 0; i < COUNT(NS); i++)
    if (strcmp(NS[i].name, name) == 0) return NS[i].flag;
  return 0;
}

const char *ns_name(int flag) {
  for (size_t i = 0; i < COUNT(NS); i++)
    if (NS[i].flag == flag) return NS[i].name;
  return "?";
}

/* ERR parse "bad OPTION (why)", or "bad OPTION" without why. */
_Noreturn void bad(const char *option, const char *why) {
  char what[128];
  snprintf(what, sizeof what, why ? "bad %s (%s)" : "bad %s", option, why);
  report_usage(what);
}

/* "A:B[:C]" as n integers each in [min, max]; 0 on success. No sscanf: out-of-range input is defined here. */
int parse_fields(const char *s, int n, long long min, long long max, long long *out) {
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

/* An unsigned number in base 10 or 16, nothing before or after it (no sign, no space); 0 on success. */
int parse_unsigned(const char *s, int base, unsigned long long *out) {
  char *end;
  errno = 0;
  if (!isxdigit((unsigned char)s[0])) return -1;
  *out = strtoull(s, &end, base);
  return errno || end == s || *end ? -1 : 0;
}

/* "IN:OUT:COUNT" appended to map as "IN OUT COUNT\n". */
void add_range(char *map, size_t *len, const char *spec) {
  long long f[3];
  if (parse_fields(spec, 3, 0, UINT_MAX, f) || f[2] == 0) report_usage("bad id map range");
  unsigned long long in = (unsigned long long)f[0], out = (unsigned long long)f[1], count = (unsigned long long)f[2];
  int n = snprintf(map + *len, IDMAP_TEXT_LIMIT - *len, "%llu %llu %llu\n", in, out, count);
  if (n < 0 || (size_t)n >= IDMAP_TEXT_LIMIT - *len) report_usage("id map too long (the kernel takes less than a page)");
  *len += (size_t)n;
}

/* %XX → byte, in place; -1 on a bad escape. */
int unescape(char *s) {
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

/* Splits v in place at ':' into at most max fields (a last field keeps its colons only if keep_rest); their count. */
int split(char *v, char **f, int max, int keep_rest) {
  int n = 0;
  for (char *p = v;;) {
    f[n++] = p;
    if (n == max && keep_rest) return n;
    char *colon = strchr(p, ':');
    if (!colon) return n;
    if (n == max) return max + 1;
    *colon = 0;
    p = colon + 1;
  }
}

/* A propagation change: one of MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE, with or without MS_REC. */
int is_propagation(unsigned long long f) {
  unsigned long long type = f & ~(unsigned long long)MS_REC;
  return type == MS_PRIVATE || type == MS_SLAVE || type == MS_SHARED || type == MS_UNBINDABLE;
}

/* A hex field that may be empty (0). */
int parse_hex(const char *s, unsigned long long *out) {
  if (!s[0]) {
    *out = 0;
    return 0;
  }
  return parse_unsigned(s, 16, out);
}

/* TYPE:FLAGS:SOURCE:TARGET:DATA[:CLEAR:PROPAGATION:RSET:RCLR[:EXT]], split and decoded in place (argv is ours to write). */
void parse_mount(char *v, struct mount_req *m) {
  char *f[10];
  int n = split(v, f, 10, 0);
  if (n != 5 && n != 9 && n != 10) report_usage("bad --mount (TYPE:FLAGS:SOURCE:TARGET:DATA[:CLEAR:PROPAGATION:RSET:RCLR[:EXT]]; a ':' in a field is %3A)");
  for (int k = 0; k < n; k++)
    if (unescape(f[k])) report_usage("bad --mount (a bad %XX escape)");
  unsigned long long flags, clear = 0, rset = 0, rclr = 0;
  if (parse_unsigned(f[1], 16, &flags)) report_usage("bad --mount flags");
  if (!f[3][0]) report_usage("bad --mount (no TARGET)");
  if ((flags & MS_BIND) && f[2][0] != '/') report_usage("bad --mount (a bind needs an absolute SOURCE)");
  memset(m, 0, sizeof *m);
  /* A propagation type among FLAGS (the five-field form) is one change, applied after the mount. */
  if (flags & MS_PROPAGATION) {
    if (!is_propagation(flags & (MS_PROPAGATION | MS_REC))) report_usage("bad --mount flags (two propagation types)");
    m->propagation[m->npropagation++] = (unsigned long)(flags & (MS_PROPAGATION | MS_REC));
    flags &= ~(unsigned long long)MS_PROPAGATION;
  }
  if (n == 9) {
    if (parse_hex(f[5], &clear) || parse_hex(f[7], &rset) || parse_hex(f[8], &rclr)) report_usage("bad --mount (CLEAR, RSET, RCLR are hex)");
    for (char *p = f[6], *comma; p && *p; p = comma ? comma + 1 : NULL) {
      comma = strchr(p, ',');
      if (comma) *comma = 0;
      unsigned long long prop;
      if (parse_unsigned(p, 16, &prop) || !is_propagation(prop) || m->npropagation == MAX_MOUNT_PROPAGATION)
        report_usage("bad --mount PROPAGATION (hex MS_* masks, one type each, comma-separated)");
      m->propagation[m->npropagation++] = (unsigned long)prop;
    }
  }
  m->type = f[0];
  m->flags = (unsigned long)flags;
  m->clear = (unsigned long)clear;
  m->source = f[2];
  m->target = f[3];
  m->data = f[4];
  m->rset = rset;
  m->rclr = rclr;
  unsigned long long ext = 0;
  if (n == 10 && (parse_hex(f[9], &ext) || (ext & ~(unsigned long long)MOUNT_EXT_COPYUP))) report_usage("bad --mount EXT (hex: 1 for tmpcopyup)");
  m->copyup = (ext & MOUNT_EXT_COPYUP) != 0;
}

/* --device=TYPE:MAJOR:MINOR:MODE:UID:GID:PATH (MODE in octal, the rest decimal). */
void parse_device(char *v, struct device_req *d) {
  char *f[7];
  if (split(v, f, 7, 1) != 7 || strlen(f[0]) != 1 || !strchr("cbp", f[0][0]) || f[6][0] != '/') bad("--device", "TYPE:MAJOR:MINOR:MODE:UID:GID:/PATH");
  unsigned long long n[5];
  for (int k = 0; k < 5; k++)
    if (parse_unsigned(f[k + 1], k == 2 ? 8 : 10, &n[k]) || n[k] > (k == 2 ? 07777 : UINT_MAX - 1ULL)) bad("--device", "a number out of range");
  *d = (struct device_req){f[0][0], (unsigned)n[0], (unsigned)n[1], (unsigned)n[2], (unsigned)n[3], (unsigned)n[4], f[6]};
}

/* --scheduler=POLICY:FLAGS:NICE:PRIORITY:RUNTIME:DEADLINE:PERIOD (decimal). */
void parse_scheduler(const char *v, struct sched_req *s) {
  long long f[7];
  if (parse_fields(v, 7, -20, LLONG_MAX, f) || f[0] < 0 || f[0] > 7 || f[1] < 0 || f[1] > 0x7f || f[2] > 19 || f[3] < 0 || f[3] > 99 || f[4] < 0 ||
      f[5] < 0 || f[6] < 0)
    bad("--scheduler", "POLICY:FLAGS:NICE:PRIORITY:RUNTIME:DEADLINE:PERIOD");
  *s = (struct sched_req){(unsigned)f[0], (unsigned long long)f[1], (int)f[2], (unsigned)f[3],
                          (unsigned long long)f[4], (unsigned long long)f[5], (unsigned long long)f[6]};
}

/* --sysctl=PATH=VALUE: PATH under /proc/sys ('=' and '%' in it written %3D and %25), no empty, . or .. part. */
void parse_sysctl(char *v, struct request *req) {
  char *eq = strchr(v, '=');
  if (!eq || req->nsysctl >= MAX_SYSCTL) bad("--sysctl", "PATH=VALUE");
  *eq = 0;
  if (unescape(v) || !v[0] || v[0] == '/') bad("--sysctl", "PATH=VALUE");
  for (char *p = v; p;) {
    char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) bad("--sysctl", "a PATH part is empty, . or ..");
    p = slash ? slash + 1 : NULL;
  }
  req->sysctl[req->nsysctl].path = v;
  req->sysctl[req->nsysctl++].value = eq + 1;
}

/* "TYPE:REST" (--join, --pin): the CLONE_NEW* flag of TYPE (0 if it is none) and, in *rest, what follows the colon. */
int typed(const char *v, const char **rest) {
  char type[16];
  const char *colon = strchr(v, ':');
  if (!colon || (size_t)(colon - v) >= sizeof type) return 0;
  memcpy(type, v, (size_t)(colon - v));
  type[colon - v] = 0;
  *rest = colon + 1;
  return ns_flag(type);
}
