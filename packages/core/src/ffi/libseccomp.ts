/**
 * koffi declarations of the libseccomp calls {@link compileSeccomp} makes.
 * libseccomp (`libseccomp.so.2`, Debian's `libseccomp2`, on every system that
 * runs runc, crun or systemd) is loaded on first use, not at import: a
 * process that never asks for a filter never needs it.
 *
 * @module
 */
import koffi from 'koffi';

/** The libseccomp functions linuxns calls, bound once. */
export interface Libseccomp {
  init(defaultAction: number): unknown;
  release(ctx: unknown): void;
  archAdd(ctx: unknown, token: number): number;
  archResolveName(name: string): number;
  attrSet(ctx: unknown, attr: number, value: number): number;
  resolveSyscall(name: string): number;
  ruleAdd(ctx: unknown, action: number, syscall: number, count: number, args: Uint8Array | null): number;
  exportBpf(ctx: unknown, fd: number): number;
  version(): string;
}

let lib: Libseccomp | undefined;
let loadError: string | undefined;

/** libseccomp, or why it cannot be loaded (the message of dlopen's failure). */
export function libseccomp(): Libseccomp | string {
  if (lib) return lib;
  if (loadError !== undefined) return loadError;
  try {
    const so = koffi.load('libseccomp.so.2');
    const ctx = koffi.pointer('scmp_filter_ctx', koffi.opaque());
    const init = so.func('scmp_filter_ctx seccomp_init(uint32_t def_action)');
    const release = so.func('void seccomp_release(scmp_filter_ctx ctx)');
    const archAdd = so.func('int seccomp_arch_add(scmp_filter_ctx ctx, uint32_t arch_token)');
    const archResolveName = so.func('uint32_t seccomp_arch_resolve_name(const char *arch_name)');
    const attrSet = so.func('int seccomp_attr_set(scmp_filter_ctx ctx, int attr, uint32_t value)');
    const resolveSyscall = so.func('int seccomp_syscall_resolve_name(const char *name)');
    const ruleAdd = so.func('int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, const void *arg_array)');
    const exportBpf = so.func('int seccomp_export_bpf(scmp_filter_ctx ctx, int fd)');
    const Version = koffi.struct('linuxns_scmp_version', { major: 'uint', minor: 'uint', micro: 'uint' });
    const versionOf = so.func('const linuxns_scmp_version *seccomp_version(void)');
    void ctx;
    lib = {
      init: (a): unknown => {
        const ctx: unknown = init(a);
        return ctx;
      },
      release: (c) => {
        release(c);
      },
      archAdd: (c, t) => archAdd(c, t) as number,
      archResolveName: (n) => archResolveName(n) as number,
      attrSet: (c, a, v) => attrSet(c, a, v) as number,
      resolveSyscall: (n) => resolveSyscall(n) as number,
      ruleAdd: (c, a, s, n, args) => ruleAdd(c, a, s, n, args) as number,
      exportBpf: (c, fd) => exportBpf(c, fd) as number,
      version: () => {
        const v = koffi.decode(versionOf(), Version) as { major: number; minor: number; micro: number };
        return `${v.major}.${v.minor}.${v.micro}`;
      },
    };
    return lib;
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    return loadError;
  }
}
