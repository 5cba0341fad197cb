/**
 * A runtime-spec `process` → a {@link ProcessConfig}: its fields renamed
 * where linuxns names them otherwise, the unsupported ones refused by name.
 *
 * @module
 */
import { isObject } from './shape.js';
import { refuseOthers } from './oci-fields.js';
import { PROCESS_PASSED } from './spawn-options.js';
import type { ProcessConfig } from './types.js';

/** runtime-spec rlimits: RLIM_INFINITY is 2^64-1 (a JSON number that parses as 2^64) → `'unlimited'`. */
function ociRlimits(v: unknown): ProcessConfig['rlimits'] {
  if (!Array.isArray(v)) return v as ProcessConfig['rlimits'];
  const u = (x: unknown): unknown => (typeof x === 'number' && x >= 2 ** 64 ? 'unlimited' : x);
  return v.map((r: unknown) => (isObject(r) ? { ...r, soft: u(r.soft), hard: u(r.hard) } : r)) as ProcessConfig['rlimits'];
}

const PROCESS_KEYS = ['terminal', 'consoleSize', 'user', 'args', 'env', 'cwd', 'capabilities', 'rlimits', 'noNewPrivileges', ...PROCESS_PASSED];

/** A runtime-spec `process` (not checked yet) → a ProcessConfig, the fields it does not support pushed to `refused`. */
export function ociProcess(spec: unknown, refused: string[]): ProcessConfig {
  const p = isObject(spec) ? spec : {};
  refuseOthers(p, 'process.', PROCESS_KEYS, refused);
  if (p.terminal === true) refused.push('process.terminal (a console is not supported: set it to false)');
  const user = isObject(p.user) ? p.user : {};
  refuseOthers(user, 'process.user.', ['uid', 'gid', 'umask', 'additionalGids'], refused);
  // runc: an empty profile or label is none.
  const passed = PROCESS_PASSED.filter((k) => p[k] !== undefined && p[k] !== '').map((k) => [k, p[k]]);
  return {
    args: p.args as string[],
    ...(p.env !== undefined ? { env: p.env as string[] } : {}),
    ...(p.cwd !== undefined ? { cwd: p.cwd as string } : {}),
    ...(p.user !== undefined ? { user: user } : {}),
    ...(p.rlimits !== undefined ? { rlimits: ociRlimits(p.rlimits) } : {}),
    ...(p.capabilities !== undefined ? { capabilities: p.capabilities as ProcessConfig['capabilities'] } : {}),
    ...(p.noNewPrivileges !== undefined ? { noNewPrivileges: p.noNewPrivileges as boolean } : {}),
    ...(Object.fromEntries(passed) as Partial<ProcessConfig>),
  };
}
