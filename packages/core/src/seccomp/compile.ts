/**
 * An OCI runtime-spec `linux.seccomp` profile compiled to a classic BPF
 * program by libseccomp (the library runc and crun use), in this process,
 * through koffi: the C helper only installs the bytes, as the last step
 * before exec, and stays free of libraries. The rules are runc's: unknown
 * syscall names are skipped, rules whose action is the default action are
 * skipped, comparisons on one argument index are ANDed, several on the same
 * index become one rule each (ORed).
 *
 * @module
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { libseccomp, type Libseccomp } from '../ffi/libseccomp.js';
import type { SeccompAction, SeccompArg, SeccompOperator, SeccompProfile, SeccompProgram } from './profile.js';

export type { SeccompAction, SeccompArg, SeccompOperator, SeccompProfile, SeccompProgram, SeccompSyscall } from './profile.js';

const ACTIONS: Readonly<Record<SeccompAction, number>> = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
};

const OPERATORS: Readonly<Record<SeccompOperator, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** `seccomp(2)` flags by their OCI names. */
const FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};

/** libseccomp's `SCMP_FLTATR_CTL_NNP`: linuxns sets no_new_privs itself (or not), never libseccomp. */
const SCMP_FLTATR_CTL_NNP = 3;
const EPERM = 1;
/** Bytes of a `struct scmp_arg_cmp`: unsigned arg, enum op, u64 datum_a, u64 datum_b. */
const ARG_CMP_SIZE = 24;

const bad = (option: string, message: string): NsError => ({ kind: 'invalid-option', option, message });
const isErrno = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff;
const isU64 = (v: unknown): boolean => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER) || (typeof v === 'bigint' && v >= 0n && v < 1n << 64n);

/** The libseccomp action value of `action` with its errno, or why not. */
function actionOf(action: unknown, errnoRet: unknown, where: string): number | NsError {
  if (typeof action !== 'string' || !(action in ACTIONS)) return bad(`${where}.action`, `${where}.action: unknown seccomp action ${JSON.stringify(action)} (one of ${Object.keys(ACTIONS).join(', ')})`);
  const a = action as SeccompAction;
  if (a === 'SCMP_ACT_NOTIFY') return bad(`${where}.action`, `${where}.action: SCMP_ACT_NOTIFY (a seccomp listener) is not supported by linuxns`);
  const takesErrno = a === 'SCMP_ACT_ERRNO' || a === 'SCMP_ACT_TRACE';
  if (errnoRet !== undefined) {
    if (!takesErrno) return bad(`${where}.errnoRet`, `${where}.errnoRet is only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not ${a}`);
    if (!isErrno(errnoRet)) return bad(`${where}.errnoRet`, `${where}.errnoRet must be an integer from 0 to 65535, got ${JSON.stringify(errnoRet)}`);
  }
  return takesErrno ? (ACTIONS[a] | (errnoRet ?? EPERM)) >>> 0 : ACTIONS[a];
}

/** libseccomp's architecture token of an OCI name (`SCMP_ARCH_X86_64` → `x86_64`), or 0. */
function archToken(s: Libseccomp, name: string): number {
  if (!name.startsWith('SCMP_ARCH_')) return 0;
  return s.archResolveName(name.slice('SCMP_ARCH_'.length).toLowerCase());
}

function u64(buf: Buffer, offset: number, v: number | bigint): void {
  buf.writeBigUInt64LE(BigInt(v), offset);
}

/** The `struct scmp_arg_cmp` array of `args`, or why not. */
function argArray(args: readonly SeccompArg[], where: string): Buffer | NsError {
  const buf = Buffer.alloc(ARG_CMP_SIZE * args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as Partial<SeccompArg> | null;
    const at = `${where}.args[${i}]`;
    if (typeof a !== 'object' || a === null) return bad(at, `${at} must be an object`);
    if (!Number.isInteger(a.index) || a.index! < 0 || a.index! > 5) return bad(`${at}.index`, `${at}.index must be 0 to 5, got ${JSON.stringify(a.index)}`);
    if (typeof a.op !== 'string' || !(a.op in OPERATORS)) return bad(`${at}.op`, `${at}.op: unknown operator ${JSON.stringify(a.op)} (one of ${Object.keys(OPERATORS).join(', ')})`);
    if (!isU64(a.value)) return bad(`${at}.value`, `${at}.value must be an unsigned 64-bit integer, got ${String(a.value)}`);
    if (a.valueTwo !== undefined && !isU64(a.valueTwo)) return bad(`${at}.valueTwo`, `${at}.valueTwo must be an unsigned 64-bit integer, got ${String(a.valueTwo)}`);
    const o = ARG_CMP_SIZE * i;
    buf.writeUInt32LE(a.index!, o);
    buf.writeUInt32LE(OPERATORS[a.op], o + 4);
    u64(buf, o + 8, a.value!);
    u64(buf, o + 16, a.valueTwo ?? 0);
  }
  return buf;
}

/** Reads what libseccomp exports into a temporary file (no memfd needed): the BPF bytes. */
function exportBpf(s: Libseccomp, ctx: unknown): Uint8Array | NsError {
  const dir = mkdtempSync(join(tmpdir(), 'linuxns-seccomp-'));
  const path = join(dir, 'bpf');
  const fd = openSync(path, 'wx+', 0o600);
  try {
    unlinkSync(path);
    rmdirSync(dir);
    const r = s.exportBpf(ctx, fd);
    if (r !== 0) return { kind: 'syscall-failed', syscall: 'seccomp_export_bpf', code: 'EINVAL', errno: -r, message: `libseccomp could not export the filter (${r})` };
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, out, got, size - got, got);
      if (n <= 0) break;
      got += n;
    }
    return out.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Compiles an OCI seccomp profile to the BPF program the kernel runs, with
 * libseccomp (loaded through koffi on first use). Validates every field
 * first: a wrong type or value is `invalid-option` naming it
 * (`seccomp.syscalls[3].args[0].op`); `SCMP_ACT_NOTIFY` is refused. A
 * missing libseccomp is `library-not-found`. Names that no architecture of
 * the filter knows are skipped and listed in `skipped`, as runc skips them.
 * The programs of the last 16 profiles are kept: compiling the same profile
 * again (every container of an engine) costs a lookup.
 *
 * @example
 * ```ts
 * import { compileSeccomp } from '@linuxns/core';
 * const p = compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] });
 * p.match(
 *   (prog) => console.log(`${prog.filter.length / 8} BPF instructions`),
 *   (e) => console.error(e.message),
 * );
 * ```
 */
export function compileSeccomp(profile: SeccompProfile): Result<SeccompProgram, NsError> {
  if (typeof profile !== 'object' || profile === null) return err(bad('seccomp', 'seccomp must be an object (the OCI linux.seccomp)'));
  // Engines give every container the same profile, and libseccomp takes tens of ms for a large
  // one: the programs of the last few profiles are kept, by their JSON text.
  let key: string;
  try {
    key = JSON.stringify(profile, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  } catch {
    return err(bad('seccomp', 'seccomp must be plain data (it could not be turned into JSON)'));
  }
  const known = compiled.get(key);
  if (known) {
    compiled.delete(key);
    compiled.set(key, known);
    return ok({ ...known, filter: known.filter.slice() }); // the caller's own bytes

  }
  const r = compile(profile);
  if (r.isOk()) {
    compiled.set(key, { ...r.value, filter: r.value.filter.slice() });
    if (compiled.size > CACHED) compiled.delete(compiled.keys().next().value!);
  }
  return r;
}

/** How many compiled profiles are kept. */
const CACHED = 16;
const compiled = new Map<string, SeccompProgram>();

function compile(profile: SeccompProfile): Result<SeccompProgram, NsError> {
  const p = profile as Partial<SeccompProfile>;
  const defaultAction = actionOf(p.defaultAction, p.defaultErrnoRet, 'seccomp.default');
  if (typeof defaultAction !== 'number') {
    // actionOf names a rule's fields; the default's are defaultAction and defaultErrnoRet.
    const rename = (t: string): string => t.replace('seccomp.default.action', 'seccomp.defaultAction').replace('seccomp.default.errnoRet', 'seccomp.defaultErrnoRet');
    const e = defaultAction as NsError & { option: string };
    return err({ ...e, option: rename(e.option), message: rename(e.message) });
  }
  if (p.listenerPath !== undefined) return err(bad('seccomp.listenerPath', 'seccomp.listenerPath: a seccomp listener (SCMP_ACT_NOTIFY) is not supported by linuxns'));
  let flags = 0;
  if (p.flags !== undefined) {
    if (!Array.isArray(p.flags)) return err(bad('seccomp.flags', 'seccomp.flags must be an array of SECCOMP_FILTER_FLAG_* names'));
    for (const [i, f] of p.flags.entries()) {
      const bit = typeof f === 'string' ? FLAGS[f] : undefined;
      if (bit === undefined) return err(bad(`seccomp.flags[${i}]`, `seccomp.flags[${i}]: unsupported flag ${JSON.stringify(f)} (one of ${Object.keys(FLAGS).join(', ')})`));
      flags |= bit;
    }
  }
  if (p.architectures !== undefined && !Array.isArray(p.architectures)) return err(bad('seccomp.architectures', 'seccomp.architectures must be an array of SCMP_ARCH_* names'));
  if (p.syscalls !== undefined && !Array.isArray(p.syscalls)) return err(bad('seccomp.syscalls', 'seccomp.syscalls must be an array'));
  // Everything that can be checked without libseccomp, before it is loaded.
  const rules: Array<{ action: number; names: readonly string[]; args: Buffer[]; counts: number[] }> = [];
  const calls: readonly unknown[] = p.syscalls ?? [];
  for (const [i, entry] of calls.entries()) {
    const where = `seccomp.syscalls[${i}]`;
    if (typeof entry !== 'object' || entry === null) return err(bad(where, `${where} must be an object`));
    const call = entry as { names?: unknown; action?: unknown; errnoRet?: unknown; args?: unknown };
    const names: unknown = call.names;
    if (!Array.isArray(names) || names.length === 0 || names.some((n: unknown) => typeof n !== 'string' || n === '')) {
      return err(bad(`${where}.names`, `${where}.names must be a non-empty array of syscall names`));
    }
    const action = actionOf(call.action, call.errnoRet, where);
    if (typeof action !== 'number') return err(action);
    const args = (call.args ?? []) as readonly SeccompArg[];
    if (!Array.isArray(call.args ?? [])) return err(bad(`${where}.args`, `${where}.args must be an array`));
    const all = argArray(args, where);
    if (!Buffer.isBuffer(all)) return err(all);
    if (action === defaultAction) continue; // runc: a rule like the default changes nothing
    // Two comparisons of one argument would be ANDed by libseccomp (never true for two EQs):
    // runc makes one rule per comparison then, so that they are ORed.
    const indexes = args.map((a: SeccompArg): number => a.index);
    const repeated = indexes.some((x, k) => indexes.indexOf(x) !== k);
    if (args.length === 0) rules.push({ action, names: names as string[], args: [], counts: [] });
    else if (!repeated) rules.push({ action, names: names as string[], args: [all], counts: [args.length] });
    else rules.push({ action, names: names as string[], args: args.map((_, k) => all.subarray(k * ARG_CMP_SIZE, (k + 1) * ARG_CMP_SIZE)), counts: args.map(() => 1) });
  }

  const s = libseccomp();
  if (typeof s === 'string') return err({ kind: 'library-not-found', library: 'libseccomp.so.2', message: `seccomp filters need libseccomp (Debian: apt-get install libseccomp2): ${s}` });
  const ctx = s.init(defaultAction);
  if (!ctx) return err({ kind: 'syscall-failed', syscall: 'seccomp_init', code: 'EINVAL', errno: 22, message: 'libseccomp refused the default action' });
  try {
    s.attrSet(ctx, SCMP_FLTATR_CTL_NNP, 0);
    for (const [i, name] of (p.architectures ?? []).entries()) {
      const token = typeof name === 'string' ? archToken(s, name) : 0;
      if (token === 0) return err(bad(`seccomp.architectures[${i}]`, `seccomp.architectures[${i}]: unknown architecture ${JSON.stringify(name)}`));
      const r = s.archAdd(ctx, token);
      if (r !== 0 && r !== -17 /* EEXIST: the native one */) return err(bad(`seccomp.architectures[${i}]`, `seccomp.architectures[${i}]: libseccomp refused ${name} (${r})`));
    }
    const skipped = new Set<string>();
    for (const [i, rule] of rules.entries()) {
      for (const name of rule.names) {
        const nr = s.resolveSyscall(name);
        if (nr === -1 /* __NR_SCMP_ERROR */) {
          skipped.add(name);
          continue;
        }
        const sets = rule.args.length === 0 ? [null] : rule.args;
        for (const [k, args] of sets.entries()) {
          const r = s.ruleAdd(ctx, rule.action, nr, rule.counts[k] ?? 0, args);
          if (r !== 0) return err(bad(`seccomp.syscalls[${i}]`, `seccomp.syscalls[${i}]: libseccomp refused the rule for ${name} (errno ${-r})`));
        }
      }
    }
    const filter = exportBpf(s, ctx);
    if (!(filter instanceof Uint8Array)) return err(filter);
    return ok({ filter, flags, skipped: Object.freeze([...skipped]) });
  } finally {
    s.release(ctx);
  }
}
