/*
 * Process settings of PROGRAM that are neither ids nor mounts:
 *   - --oom-score-adj and --ioprio first thing, with the caller's privileges
 *     and before any fork, so that every process of the request has them
 *     (lowering oom_score_adj needs CAP_SYS_RESOURCE, IOPRIO_CLASS_RT
 *     CAP_SYS_ADMIN or CAP_SYS_NICE, both in the initial user namespace: runc
 *     sets both from outside the container too);
 *   - --scheduler (sched_setattr) in PROGRAM, before the capabilities are
 *     dropped (a real-time policy or a lower nice needs CAP_SYS_NICE);
 *   - --personality in PROGRAM, just before exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "helper.h"

/* ioprio_set(2)'s "who": the calling process (pid 0). */
enum { IOPRIO_WHO_PROCESS = 1 };

void early_settings(const struct request *req) {
  if (req->has_oom_score_adj) {
    char text[16];
    int n = snprintf(text, sizeof text, "%d", req->oom_score_adj);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) report_error(STEP_OOM_SCORE_ADJ, "open", errno);
    ssize_t w = write(fd, text, (size_t)n);
    int saved = w < 0 ? errno : EIO;
    close(fd);
    if (w != n) report_error(STEP_OOM_SCORE_ADJ, "write", saved);
  }
  if (req->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, req->ioprio) != 0) report_error(STEP_IOPRIO, "ioprio_set", errno);
}

/* struct sched_attr of sched_setattr(2) (SCHED_ATTR_SIZE_VER1), as runc fills it (utilization clamps 0). */
struct sched_attr_v1 {
  unsigned size, policy;
  unsigned long long flags;
  int nice;
  unsigned priority;
  unsigned long long runtime, deadline, period;
  unsigned util_min, util_max;
};

void apply_scheduler(const struct request *req) {
  if (!req->has_scheduler) return;
  const struct sched_req *s = &req->scheduler;
  struct sched_attr_v1 a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.policy = s->policy;
  a.flags = s->flags;
  a.nice = s->nice;
  a.priority = s->priority;
  a.runtime = s->runtime;
  a.deadline = s->deadline;
  a.period = s->period;
  if (syscall(SYS_sched_setattr, 0, &a, 0) != 0) report_error(STEP_SCHEDULER, "sched_setattr", errno);
}

void apply_personality(const struct request *req) {
  if (req->has_personality && personality(req->personality) == -1) report_error(STEP_PERSONALITY, "personality", errno);
}
