/**
 * `@linuxns/core/light`: the parts of core that load nothing but Node's own
 * modules (no koffi, no worker pool, no HTTP client), for short-lived
 * processes that must start fast, such as an OCI runtime's `state` or
 * `kill`: `/proc/PID/stat` and the errors of failed calls. The same
 * functions as `@linuxns/core`'s.
 *
 * @module
 */
export { readProcessStat, type ProcessStat } from './proc-stat.js';
export { fsError, syscallError, type CallContext } from './errors/from-errno.js';
export { errnoName } from './errors/errno.js';
export type { NsError, NsErrorBase } from './errors/ns-error.js';
