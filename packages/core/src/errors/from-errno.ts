/**
 * Turning a failed system call into an {@link NsError}: the one place where
 * errno values become kinds and messages. Every error names the call, the
 * errno and the path or namespace involved.
 *
 * @module
 */
import { readProcessStat } from '../proc-stat.js';
import type { NamespaceType } from '../types.js';
import { errnoName, errnoNumber } from './errno.js';
import type { NsError } from './ns-error.js';

/** What was being done when a call failed. */
export interface CallContext {
  readonly path?: string;
  /** A socket address (`'10.0.0.1:80'`, `'[::1]:80'`), never a path: `connect to ADDRESS`. */
  readonly address?: string;
  /** What was asked of an ioctl or the like (`'SIOCSIFFLAGS lo'`). */
  readonly request?: string;
  readonly namespace?: NamespaceType;
  /** For `/proc/PID/...` paths: the pid, so ENOENT becomes `no-such-process`. */
  readonly pid?: number;
}

const PROC_PID = /^\/proc\/(\d+)\//;

function privilegeFor(syscall: string, ctx: CallContext, code: string): string {
  switch (syscall) {
    case 'setns':
      return `CAP_SYS_ADMIN in the user namespace that owns the target ${ctx.namespace ?? ''} namespace and in the caller's own user namespace`;
    case 'unshare':
      return `CAP_SYS_ADMIN in the caller's user namespace to create a ${ctx.namespace ?? ''} namespace`;
    case 'open':
      if (ctx.path !== undefined && PROC_PID.test(ctx.path)) {
        return 'ptrace read access to the process (the same uid and a superset of its capabilities, or CAP_SYS_PTRACE)';
      }
      return code === 'EACCES' ? 'read permission on the file and search permission on every directory above it' : 'permission to open the file';
    case 'mount':
    case 'umount2':
      return 'CAP_SYS_ADMIN in the user namespace that owns the mount namespace';
    case 'bind':
      return 'CAP_NET_BIND_SERVICE to bind a port below 1024, or write access to the socket path';
    case 'ioctl':
      return 'a namespace inside the caller\'s user namespace hierarchy (the kernel hides what lies outside it)';
    default:
      return `the privilege the kernel requires for ${syscall}`;
  }
}

function where(ctx: CallContext): string {
  const parts: string[] = [];
  if (ctx.namespace !== undefined) parts.push(`${ctx.namespace} namespace`);
  if (ctx.path !== undefined) parts.push(`'${ctx.path}'`);
  const what = `${ctx.address !== undefined ? ` to ${ctx.address}` : ''}${ctx.request !== undefined ? ` ${ctx.request}` : ''}`;
  // An address is where the call went, in the namespace; a path is the namespace's file.
  if (ctx.address !== undefined || ctx.request !== undefined) return `${what}${ctx.namespace !== undefined ? ` in the ${ctx.namespace} namespace` : ''}${ctx.path !== undefined ? ` ('${ctx.path}')` : ''}`;
  return parts.length ? ` (${parts.join(' at ')})` : '';
}

/**
 * The {@link NsError} for `syscall` failing with `errno` (a positive number
 * or a name such as `'EPERM'`).
 *
 * @example
 * ```ts
 * import { syscallError } from '@linuxns/core';
 * const e = syscallError('setns', 1, { namespace: 'net', path: '/run/netns/a' });
 * console.log(e.kind, e.message); // 'permission-denied' ...
 * ```
 */
export function syscallError(syscall: string, errno: number | string, ctx: CallContext = {}): NsError {
  const code = typeof errno === 'string' ? errno : errnoName(errno);
  const num = typeof errno === 'number' ? Math.abs(errno) : errnoNumber(code);
  const base = { syscall, code, errno: num, ...ctx };
  if (code === 'ENOENT' && ctx.path !== undefined) {
    const m = PROC_PID.exec(ctx.path);
    const pid = ctx.pid ?? (m ? Number(m[1]) : undefined);
    if (pid !== undefined && m && pidGone(pid)) {
      return { kind: 'no-such-process', pid, path: ctx.path, message: `process ${pid} does not exist or has exited (${syscall} '${ctx.path}': ENOENT)` };
    }
    return { kind: 'not-found', ...base, message: `${syscall} '${ctx.path}' failed: ENOENT (no such file or directory)` };
  }
  if (code === 'EPERM' || code === 'EACCES') {
    const privilege = privilegeFor(syscall, ctx, code);
    return { kind: 'permission-denied', ...base, privilege, message: `${syscall}${where(ctx)} failed with ${code}: needs ${privilege}` };
  }
  return { kind: 'syscall-failed', ...base, message: `${syscall}${where(ctx)} failed with ${code}` };
}


/** True when no process `pid` exists, or it has exited (a zombie keeps its /proc entry but no namespaces). */
function pidGone(pid: number): boolean {
  const state = readProcessStat(pid)?.state;
  return state === undefined || state === 'Z' || state === 'X';
}

/**
 * The {@link NsError} for an exception thrown by Node's `fs` (which carries
 * `code` and `syscall`). Anything else is rethrown: it is a bug, not an error
 * of the kernel.
 *
 * @example
 * ```ts
 * import { openSync } from 'node:fs';
 * import { fsError } from '@linuxns/core';
 * try { openSync('/nonexistent', 'r'); } catch (e) { console.log(fsError(e, { path: '/nonexistent' }).kind); }
 * ```
 */
export function fsError(thrown: unknown, ctx: CallContext = {}): NsError {
  const e = thrown as { code?: unknown; syscall?: unknown };
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
    return syscallError(e.syscall, e.code, ctx);
  }
  throw thrown;
}
