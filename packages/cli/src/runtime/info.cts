/**
 * The runtime's own information: `features` (runtime-spec features.md: what
 * this runtime accepts, found by asking the library, which refuses by name
 * what it does not support), `spec` (runc's default config.json, from the
 * library's template), `--version`, and `checkpoint`/`restore`, refused
 * (no CRIU).
 *
 * @module
 */
import nodeFs = require('node:fs');
const { existsSync, readFileSync, writeFileSync } = nodeFs;
import nodePath = require('node:path');
const { join, resolve } = nodePath;
import flags = require('./flags.cjs');
import log = require('./log.cjs');
import open = require('./open.cjs');
import state = require('./state.cjs');
import type { Globals, Hooks } from './types.js';

/** The version line of `--version`, from this package. */
function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return `linuxns-runtime version ${pkg.version}\nspec: ${open.OCI_VERSION}\nnode: ${process.version}\n`;
}

/** runc 1.1's mount options: each is listed by features when the library takes it. */
const MOUNT_OPTIONS = [
  'acl', 'async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'mand', 'noacl', 'noatime', 'nodev',
  'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind', 'rdev',
  'rdiratime', 'relatime', 'remount', 'rexec', 'rnoatime', 'rnodev', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro',
  'rprivate', 'rrelatime', 'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw', 'shared', 'silent', 'slave',
  'strictatime', 'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable',
];
const SECCOMP_ACTIONS = ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'];
const SECCOMP_OPERATORS = ['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'];
const SECCOMP_ARCHS = ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32'];
const NAMESPACES = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'];

/** `features`: what this runtime supports, in runtime-spec's features format. */
async function features(_g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('features', argv, {});
  if (p.has('help')) return state.usage('features', 'show what this runtime supports (runtime-spec features.md)');
  const lib = await import('@linuxns/container');
  const core = await import('@linuxns/core');
  const base = { ociVersion: '1.0.2', root: { path: '/' }, process: { args: ['true'], cwd: '/' }, linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] } };
  type Spec = typeof base & Record<string, unknown>;
  const takes = (edit: (s: Spec) => Spec): boolean => lib.fromOciSpec(edit(structuredClone(base)), '/').isOk();
  const withLinux = (extra: Record<string, unknown>) => (s: Spec): Spec => ({ ...s, linux: { ...s.linux, ...extra } });
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const seccomp = (profile: Record<string, unknown>): boolean => takes(withLinux({ seccomp: { defaultAction: 'SCMP_ACT_ALLOW', ...profile } }));
  const seccompEnabled = seccomp({});
  const hooks: Array<keyof Hooks> = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];
  const out = {
    ociVersionMin: '1.0.0',
    ociVersionMax: open.OCI_VERSION,
    hooks,
    mountOptions: MOUNT_OPTIONS.filter((o) =>
      takes((s) => ({ ...s, mounts: [/bind$/.test(o) ? { destination: '/probe', type: 'bind', source: '/', options: [o] } : { destination: '/probe', type: 'tmpfs', source: 'tmpfs', options: [o] }] })),
    ),
    linux: {
      namespaces: NAMESPACES.filter((t) =>
        takes(withLinux({ namespaces: [{ type: 'mount' }, { type: 'pid' }, ...(t === 'mount' || t === 'pid' ? [] : [{ type: t }])], ...(t === 'user' ? { uidMappings: map, gidMappings: map } : {}) })),
      ),
      capabilities: core.CAPABILITY_NAMES.map((c) => `CAP_${c.toUpperCase()}`),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
      seccomp: {
        enabled: seccompEnabled,
        ...(seccompEnabled
          ? {
              actions: SECCOMP_ACTIONS.filter((a) => seccomp({ defaultAction: a })),
              operators: SECCOMP_OPERATORS.filter((op) => seccomp({ syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op }] }] })),
              archs: SECCOMP_ARCHS.filter((a) => seccomp({ architectures: [a] })),
            }
          : {}),
      },
      apparmor: { enabled: takes((s) => ({ ...s, process: { ...s.process, apparmorProfile: 'unconfined' } })) },
      selinux: { enabled: takes((s) => ({ ...s, process: { ...s.process, selinuxLabel: 'system_u:system_r:container_t:s0' } })) },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { 'io.github.linuxns.runtime.version': version().split('\n')[0]!.split(' ').at(-1)! },
  };
  log.out(`${JSON.stringify(out, null, 4)}\n`);
  return 0;
}

/** `spec [--bundle DIR]`: runc's default config.json in DIR (refused where one exists, as runc). */
async function spec(_g: Globals, argv: readonly string[]): Promise<number> {
  const p = flags.parseFlags('spec', argv, { bundle: { kind: 'value', alias: ['b'] }, rootless: { kind: 'bool' } });
  if (p.has('help')) return state.usage('spec [--bundle DIR]', "write runc's default config.json for a bundle");
  if (p.has('rootless')) throw new log.RuntimeError('spec --rootless is not supported: linuxns-runtime runs as root');
  const file = join(resolve(p.value('bundle') ?? '.'), 'config.json');
  if (existsSync(file)) throw new log.RuntimeError('File config.json exists. Remove it first');
  const { specTemplate } = await import('@linuxns/container');
  writeFileSync(file, JSON.stringify(specTemplate(), null, '\t'));
  return 0;
}

/** `checkpoint` and `restore`: refused, clearly. */
function refused(name: string): (g: Globals, argv: readonly string[]) => number {
  return () => {
    throw new log.RuntimeError(`${name} is not supported by linuxns-runtime: it has no CRIU support (checkpoint and restore need it)`);
  };
}

export = { version, features, spec, checkpoint: refused('checkpoint'), restore: refused('restore') };
