/* The value readers of values.c, for parse.c. Each either fills its output or ends in report_usage. */
#ifndef LINUXNS_VALUES_H
#define LINUXNS_VALUES_H

#include <sys/mount.h>
#include "helper.h"

/* Every propagation type's flag (one of them, with or without MS_REC, is a propagation change). */
#define MS_PROPAGATION (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)

/* ERR parse "bad OPTION (why)", or "bad OPTION" without why. */
_Noreturn void bad(const char *option, const char *why);
/* "A:B[:C]" as n integers each in [min, max]; 0 on success. */
int parse_fields(const char *s, int n, long long min, long long max, long long *out);
/* An unsigned number in base 10 or 16, nothing before or after it; 0 on success. */
int parse_unsigned(const char *s, int base, unsigned long long *out);
/* "IN:OUT:COUNT" appended to map as "IN OUT COUNT\n". */
void add_range(char *map, size_t *len, const char *spec);
/* %XX -> byte, in place; -1 on a bad escape. */
int unescape(char *s);
/* Splits v in place at ':' into at most max fields; their count (max + 1: too many). */
int split(char *v, char **f, int max, int keep_rest);
/* A propagation change: one propagation type, with or without MS_REC. */
int is_propagation(unsigned long long f);
/* A hex field that may be empty (0). */
int parse_hex(const char *s, unsigned long long *out);
/* --mount's value, split and decoded in place. */
void parse_mount(char *v, struct mount_req *m);
/* --device's value. */
void parse_device(char *v, struct device_req *d);
/* --scheduler's value. */
void parse_scheduler(const char *v, struct sched_req *s);
/* --sysctl's value, appended to req's. */
void parse_sysctl(char *v, struct request *req);
/* "TYPE:REST": the CLONE_NEW* flag of TYPE (0 if none) and, in *rest, what follows the colon. */
int typed(const char *v, const char **rest);

#endif
