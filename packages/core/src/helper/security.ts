/**
 * The security options of {@link spawn}: `seccomp` (compiled here, in this
 * process, by {@link compileSeccomp}; the helper only installs the bytes) and
 * the Linux security modules' labels, `apparmorProfile`, `selinuxLabel` and
 * `mountLabel`, refused where their module is not enabled.
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { compileSeccomp, type SeccompProgram } from '../seccomp/compile.js';
import { invalidOption } from './invalid.js';
import type { SpawnOptions } from './options.js';
import type { HelperRequest } from './protocol.js';

/** AppArmor is enabled on this host (runc's check: securityfs has it, and the module says Y). */
function apparmorEnabled(): boolean {
  try {
    return existsSync('/sys/kernel/security/apparmor') && readFileSync('/sys/module/apparmor/parameters/enabled', 'latin1').startsWith('Y');
  } catch {
    return false;
  }
}

/** SELinux is enabled on this host (selinuxfs is mounted). */
const selinuxEnabled = (): boolean => existsSync('/sys/fs/selinux/enforce');

/** The LSM options, checked: the helper fields, or the error. */
function lsmSettings(o: SpawnOptions): Result<Partial<HelperRequest>, NsError> {
  const out: { -readonly [K in keyof HelperRequest]?: HelperRequest[K] } = {};
  const labels = [
    ['apparmorProfile', 'apparmor', 'AppArmor', apparmorEnabled],
    ['selinuxLabel', 'selinuxLabel', 'SELinux', selinuxEnabled],
    ['mountLabel', 'mountLabel', 'SELinux', selinuxEnabled],
  ] as const;
  for (const [option, field, lsm, enabled] of labels) {
    const v = o[option];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.includes('\0') || v.includes('\n')) return err(invalidOption(option, `${option} must be a label (a non-empty string on one line), got ${JSON.stringify(v)}`));
    // runc fails too: it refuses an SELinux label at validation, and the exec attribute or a labelled mount
    // makes the kernel answer EINVAL where the module is not there.
    if (!enabled()) return err(invalidOption(option, `${option} ${JSON.stringify(v)} needs ${lsm}, which is not enabled on this host (runc refuses it too)`));
    out[field] = v;
  }
  return ok(out);
}

/** The security options: the helper fields, and the compiled seccomp program; or the error. */
export function securitySettings(o: SpawnOptions): Result<{ settings: Partial<HelperRequest>; seccomp?: SeccompProgram }, NsError> {
  const lsm = lsmSettings(o);
  if (lsm.isErr()) return err(lsm.error);
  if (o.seccomp === undefined) return ok({ settings: lsm.value });
  // The errors name the field at fault: seccomp.syscalls[3].names...
  return compileSeccomp(o.seccomp).map((seccomp) => ({ settings: lsm.value, seccomp }));
}
