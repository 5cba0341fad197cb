// The podman part of the container group (issue 14): create + start + wait + destroy of /bin/true with the
// config.json podman generates on this machine (its default seccomp profile, sysctl, devpts, mqueue, cgroup
// and file binds, its cgroupsPath), by @linuxns/container and by `runc run` of the same bundle; and what
// compiling podman's profile with libseccomp costs (compileSeccomp, done by every start that has one).
// Without podman or runc the cases are skipped with the reason.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSeccomp } from '../packages/core/dist/index.js';
import { ociConfig } from '../packages/container/dist/config/oci-spec.js';
import { podmanConfig } from '../packages/container/test/config/podman.js';
import { onPath } from '../scripts/system-packages.js';

/**
 * The podman cases on the rootfs `root` (a directory of `base`), run by `lifecycle(config)` and `runc(bundle)`;
 * `release` takes the undo. `{ cases, ratios(ratio), targets(ratio) }` or `{ skip }`.
 */
export function podmanGroup({ root, base, lifecycle, runc, release }) {
  if (!onPath('podman')) return { skip: 'podman: not installed (apt-get install podman)' };
  if (!onPath('runc')) return { skip: 'podman: runc not installed' };
  const name = `linuxns-bench-${process.pid}`;
  // --ulimit: podman's own default (nofile 1048576) needs CAP_SYS_RESOURCE where the hard limit is lower, for runc too.
  const made = podmanConfig(root, { name, cgroupParent: name, options: ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'], args: ['/bin/true'] });
  release.push(made.remove);
  const spec = { ...made.spec, root: { path: root } };
  const bundle = join(base, 'podman');
  mkdirSync(bundle);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const ours = ociConfig(spec, bundle);
  if (ours.isErr()) throw new Error(`bench: podman's config is refused: ${ours.error.message}`);
  // A podman bundle runs with runc here (checked once: a failure is the machine's, not a case's).
  const check = spawnSync('runc', ['--root', join(base, 'runc-podman-state'), 'run', '-b', bundle, `${name}-check`], { stdio: 'pipe' });
  if (check.status !== 0) return { skip: `podman: runc run of podman's bundle fails here: ${check.stderr}` };
  const profile = spec.linux.seccomp;
  const syscalls = profile.syscalls.reduce((n, s) => n + s.names.length, 0);
  let n = 0;
  return {
    cases: [
      { key: 'ctPodman', label: "n  container create+run+destroy, podman's config (seccomp...)", op: lifecycle(ours.value) },
      { key: 'ctRuncPodman', label: 'n  runc run (the same podman bundle)', op: () => runc(bundle) },
      {
        key: 'seccompCompile',
        label: `n  compileSeccomp(podman's profile, ${syscalls} names), uncached`,
        op: async () => {
          // compileSeccomp keeps the programs of the last profiles: a name no kernel has (skipped, as runc
          // skips it) makes each one new, so that this is libseccomp's work every time.
          const p = compileSeccomp({ ...profile, syscalls: [...profile.syscalls, { names: [`linuxns_bench_${++n}`], action: 'SCMP_ACT_ERRNO' }] });
          if (p.isErr()) throw new Error(`compileSeccomp: ${p.error.message}`);
        },
      },
    ],
    ratios: (ratio) => [["container lifecycle / runc run, podman's config", ratio('ctPodman', 'ctRuncPodman')]],
    targets: (ratio) => [["container lifecycle with podman's config no slower than runc run", ratio('ctPodman', 'ctRuncPodman') <= 1, `${ratio('ctPodman', 'ctRuncPodman').toFixed(2)}x`]],
  };
}
