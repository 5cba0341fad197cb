/**
 * {@link spawn}: a process started by the C helper inside joined and new
 * namespaces, with id maps and setup done between fork and exec. Setup
 * failures come back as data (`spawn-setup-failed`: step, syscall, errno),
 * never confused with the command's own exit status, which passes through
 * exactly.
 *
 * This file only orchestrates: the options are checked
 * ({@link validateSpawnOptions}), what to join is opened (`join.ts`), and
 * the command is started in-process by a clone (`clone.ts`), directly by
 * child_process from a thread that joined (`direct.ts`), or by the helper
 * (`driver.ts`).
 *
 * @module
 */
import { errAsync, type ResultAsync } from 'neverthrow';
import type { NsError, NsErrorBase } from '../errors/ns-error.js';
import { SYNC_TYPES } from '../thread/enter-sync.js';
import type { NsChild } from './child.js';
import { CLONE_CREATES, CLONE_JOINS, clonePath, spawnClone } from './clone.js';
import { CLONE_SETTINGS } from './clone-settings.js';
import { spawnDirect } from './direct.js';
import { spawnWithHelper } from './driver.js';
import { checkJoined, closeAll, openJoins } from './join.js';
import { locateHelper } from './locate.js';
import type { SpawnOptions } from './options.js';
import { validateSpawnOptions } from './validate.js';
import { checkSysctlJoins } from './validate-sysctl.js';

/**
 * Starts `command` with `args` inside the namespaces of `options`, set up by
 * the C helper before exec. When nothing needs the helper — joins of net,
 * uts, ipc, cgroup, mnt or pid namespaces (and of a user namespace when none
 * is created), new net, uts, ipc, mnt, cgroup or
 * pid namespaces (a user namespace with its maps when none is joined, a time
 * namespace with its offsets), stdio, env, hostname, domainname, cwd, root, umask,
 * rlimits, newSession, parentDeathSignal, user, capabilities,
 * noNewPrivileges and mountPropagation — the command's process is made in-process by
 * clone(CLONE_VM | CLONE_VFORK) from the calling thread (on the main thread,
 * with liblinuxns loaded; in a worker, joins only, by the thread joining for
 * the synchronous fork and exec): no helper process, no second exec. Resolves
 * once the command is running (its `pid` known), or to the error that stopped it: bad options (`invalid-option`,
 * the same as {@link validateSpawnOptions} finds), a join target that is not a namespace, or a
 * setup step that failed in the helper (`spawn-setup-failed` with `step`, `syscall` and `code`);
 * in every error case nothing is left running and no fd stays open.
 *
 * @example
 * ```ts
 * import { spawn } from '@linuxns/core';
 * const r = await spawn('sh', ['-c', 'id -u; hostname; echo $$'], {
 *   create: ['user', 'uts', 'pid', 'mnt'], mapRootUser: true, hostname: 'box', stdio: ['ignore', 'inherit', 'inherit'],
 * });
 * await r.match(
 *   async (child) => console.log(await child.exited), // after 0, box and 1: { code: 0, signal: null }
 *   async (e) => console.error(`${e.kind}: ${e.message}`),
 * );
 * ```
 */
export function spawn<E extends NsErrorBase = NsError>(command: string, args: readonly string[] = [], options: SpawnOptions<E> = {}): ResultAsync<NsChild, NsError | E> {
  // The hook's errors pass through as spawn's own: only their type differs.
  return spawnAny(command, args, options as unknown as SpawnOptions);
}

function spawnAny(command: string, args: readonly string[], options: SpawnOptions): ResultAsync<NsChild, NsError> {
  if (typeof command !== 'string' || command.length === 0) throw new TypeError('command must be a non-empty string');
  if (!Array.isArray(args) || args.some((a) => typeof a !== 'string')) throw new TypeError('args must be an array of strings');
  const validated = validateSpawnOptions(options);
  if (validated.isErr()) return errAsync(validated.error);
  const v = validated.value;
  const opened = openJoins(v.join);
  if (opened.isErr()) return errAsync(opened.error);
  const handles = opened.value;
  // A pid's namespaces are known only now (the other joins were checked with the options).
  const refusal = (typeof v.join === 'number' ? checkJoined(handles.map(([type]) => type), v.create, options.preserveCredentials) : undefined) ?? checkSysctlJoins(options, v.create, handles);
  if (refusal) {
    closeAll(handles);
    return errAsync(refusal);
  }
  const needsHelper = options.beforeExec !== undefined || v.pins.length > 0 || v.fds.length > 0 || v.gate !== undefined || v.seccomp !== undefined;
  const settings = Object.keys(v.settings);
  if (!needsHelper && v.create.every((t) => CLONE_CREATES.includes(t))) {
    const lib = clonePath();
    const joins = v.create.includes('user') ? handles.length === 0 : handles.every(([type]) => CLONE_JOINS.includes(type) && (type !== 'user' || v.create.length === 0));
    // The in-process path searches PATH before the clone, in this process's filesystem: a name run from another
    // root (a joined mount namespace, `root`) is searched there by the helper's execvp instead.
    const elsewhere = !command.includes('/') && (handles.some(([type]) => type === 'mnt') || v.settings.root !== undefined);
    if (lib !== undefined && joins && !elsewhere && settings.every((k) => CLONE_SETTINGS.has(k))) return spawnClone(lib, command, args, v, handles);
    const direct = v.create.length === 0 && settings.length === 0 && handles.every(([type]) => SYNC_TYPES.includes(type));
    if (lib === undefined && direct && process.env.LINUXNS_SPAWN !== 'helper') return spawnDirect(command, args, v, handles);
  }
  const helper = locateHelper();
  if (helper.isErr()) {
    closeAll(handles);
    return errAsync(helper.error);
  }
  return spawnWithHelper(helper.value, command, args, v, handles, options.beforeExec);
}
