/**
 * The OCI runtime spec's `linux.seccomp` as types, and the compiled program
 * {@link compileSeccomp} makes of it.
 *
 * @module
 */

/** A seccomp action, as the OCI runtime spec names it. */
export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

/** A comparison operator of a syscall argument, as the OCI runtime spec names it. */
export type SeccompOperator = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';

/** One argument comparison of a {@link SeccompSyscall}: `args[index] op value` (`MASKED_EQ`: `args[index] & value == valueTwo`). */
export interface SeccompArg {
  readonly index: number;
  readonly value: number | bigint;
  readonly valueTwo?: number | bigint;
  readonly op: SeccompOperator;
}

/** A rule: `action` for these syscall names (when every comparison of `args` holds). */
export interface SeccompSyscall {
  readonly names: readonly string[];
  readonly action: SeccompAction;
  /** The errno of `SCMP_ACT_ERRNO` and `SCMP_ACT_TRACE` (default `EPERM`). */
  readonly errnoRet?: number;
  readonly args?: readonly SeccompArg[];
}

/**
 * The OCI runtime spec's `linux.seccomp` (runtime-spec 1.2).
 *
 * @example
 * ```ts
 * import type { SeccompProfile } from '@linuxns/core';
 * // Everything allowed but mkdir and mkdirat, which fail with EACCES (13).
 * const profile: SeccompProfile = {
 *   defaultAction: 'SCMP_ACT_ALLOW',
 *   syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
 * };
 * ```
 */
export interface SeccompProfile {
  readonly defaultAction: SeccompAction;
  /** The errno of a default action `SCMP_ACT_ERRNO` or `SCMP_ACT_TRACE` (default `EPERM`). */
  readonly defaultErrnoRet?: number;
  /** `SCMP_ARCH_X86_64`, `SCMP_ARCH_X86`, `SCMP_ARCH_X32`, `SCMP_ARCH_AARCH64`, `SCMP_ARCH_ARM`...: the ABIs the filter handles besides the native one. */
  readonly architectures?: readonly string[];
  /** `SECCOMP_FILTER_FLAG_TSYNC`, `SECCOMP_FILTER_FLAG_LOG`, `SECCOMP_FILTER_FLAG_SPEC_ALLOW`, `SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV`. */
  readonly flags?: readonly string[];
  /** For `SCMP_ACT_NOTIFY`: not supported (refused with `invalid-option`). */
  readonly listenerPath?: string;
  readonly listenerMetadata?: string;
  readonly syscalls?: readonly SeccompSyscall[];
}

/** A compiled profile: what the helper installs with `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)`. */
export interface SeccompProgram {
  /** The BPF program: `struct sock_filter` entries of 8 bytes each, in the machine's byte order. */
  readonly filter: Uint8Array;
  /** The `SECCOMP_FILTER_FLAG_*` bits of `seccomp(2)`. */
  readonly flags: number;
  /** Syscall names no architecture of the filter knows, left out as runc leaves them out. */
  readonly skipped: readonly string[];
}

