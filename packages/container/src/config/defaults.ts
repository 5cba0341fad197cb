/**
 * What a config gets where it says nothing: runc's masked and read-only
 * paths, and a process's PATH.
 *
 * @module
 */

/** Hidden paths (runc's list: libcontainer's restricted `/proc` entries among them). */
export const DEFAULT_MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
/** Read-only paths (runc's list). */
export const DEFAULT_READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
/** The environment of a process that gives none. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
