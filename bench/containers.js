// The container case group of bench/run.js (issue 7): create + start + wait +
// destroy of /bin/true in a busybox rootfs with new pid, mnt, uts, ipc and net
// namespaces and pivot_root, by @linuxns/container and by `runc run` / `crun
// run` on the same rootfs and the same bundle config.json (made by `runc
// spec`, terminal off): against runc with the same cgroup limits on both
// sides, against crun with cgroups off on both sides. crun refuses this
// machine's hybrid cgroup layout unless /sys/fs/cgroup/unified is unmounted in
// its mount namespace (KERNEL-NOTES): it runs through `nsenter --mount=` of a
// pinned mount namespace made once without it (the nsenter exec is on crun's
// side of the ratio). linuxns-runtime's `state` of a created container against
// `runc state` and a bare `node -e 0` (its start-up: the command engines run
// most), and podman and ctr end to end with linuxns-runtime and with runc
// (bench/containers-engines.js). Missing runc/crun/busybox: those cases are skipped with the reason
// printed.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as nsSpawn, unpinNamespace } from '../packages/core/dist/index.js';
import { Factory, fromOciSpec } from '../packages/container/dist/index.js';
import { onPath } from '../scripts/system-packages.js';
import { engineGroup } from './containers-engines.js';
import { podmanGroup } from './containers-podman.js';

/** Runs a command to its end, output ignored; rejects unless it exits 0. Also bench/run.js's. */
export function runChild(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}`))));
  });
}

const LIMITS = { memory: { limit: 64 << 20 }, pids: { limit: 64 } };

/**
 * Sets up the group; `{ cases, ratios(ratio, series), targets(ratio, series), notes(med), release() }`, or
 * `{ skip: reason }`: `series(key)` the per-round samples of a case, `notes` lines printed after the ratios.
 */
export async function containerGroup() {
  if (!existsSync('/bin/busybox')) return { skip: 'no /bin/busybox (apt-get install busybox-static)' };
  const base = mkdtempSync(join(tmpdir(), 'linuxns-bench-ct-'));
  chmodSync(base, 0o755);
  const root = join(base, 'rootfs');
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp', 'etc']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'true']) symlinkSync('busybox', join(root, 'bin', a));
  const skipped = [];
  const release = [];
  const cleanup = () => {
    for (const f of release.splice(0).reverse()) {
      try {
        f();
      } catch {
        /* best effort */
      }
    }
    rmSync(base, { recursive: true, force: true });
  };

  // The bundle: runc spec's config, terminal off, /bin/true, the rootfs above; with and without limits.
  let spec;
  if (onPath('runc')) {
    const dir = join(base, 'spec');
    mkdirSync(dir);
    execFileSync('runc', ['spec'], { cwd: dir });
    spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  } else {
    skipped.push('runc: not installed (apt-get install runc)');
    return { skip: skipped.join('; '), release: cleanup };
  }
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  spec.root = { path: root, readonly: true };
  const withLimits = { ...spec, linux: { ...spec.linux, resources: { ...spec.linux.resources, memory: { limit: LIMITS.memory.limit }, pids: { limit: LIMITS.pids.limit } } } };
  const noCgroup = { ...spec, linux: { ...spec.linux, resources: undefined } };
  const bundle = (name, s) => {
    const d = join(base, name);
    mkdirSync(d);
    writeFileSync(join(d, 'config.json'), JSON.stringify(s));
    return d;
  };
  const runcBundle = bundle('runc', withLimits);
  const crunBundle = bundle('crun', noCgroup);
  const ours = fromOciSpec(withLimits, base);
  if (ours.isErr()) {
    cleanup(); // the group's directory, and what was made in it so far
    throw new Error(`bench: the runc spec bundle is refused: ${ours.error.message}`);
  }
  const oursLimited = ours.value;
  const oursNoCgroup = { ...oursLimited, cgroup: false };

  const factory = new Factory(join(base, 'linuxns'));
  let n = 0;
  const lifecycle = (config) => async () => {
    const c = factory.create(`b${++n}`, config);
    if (c.isErr()) throw new Error(`container create: ${c.error.message}`);
    const status = await c.value.run(undefined, { stdio: 'ignore' });
    const d = await c.value.destroy(); // a failed run too: nothing of it stays
    if (status.isErr() || status.value.code !== 0) throw new Error(`container run: ${status.isErr() ? status.error.message : status.value.code}`);
    if (d.isErr()) throw new Error(`container destroy: ${d.error.message}`);
  };
  const runcRoot = join(base, 'runc-state');
  const cases = [
    { key: 'ctOurs', label: 'l  container create+run+destroy, cgroup limits', op: lifecycle(oursLimited) },
    { key: 'ctRunc', label: 'l  runc run (same bundle, cgroup limits)', op: () => runChild('runc', ['--root', runcRoot, 'run', '-b', runcBundle, `r${++n}`]) },
    { key: 'ctOursNoCg', label: 'm  container create+run+destroy, no cgroup', op: lifecycle(oursNoCgroup) },
  ];
  if (onPath('crun')) {
    // A mount namespace without the cgroup2 mount, pinned once; crun runs inside it.
    const pin = join(base, 'crun-mnt');
    const made = await nsSpawn('umount', ['/sys/fs/cgroup/unified'], { create: ['mnt'], pin: { mnt: pin }, stdio: 'ignore' });
    if (made.isErr()) {
      cleanup(); // the group's directory, and what was made in it so far
      throw new Error(`bench: crun's mount namespace: ${made.error.message}`);
    }
    await made.value.exited;
    release.push(() => unpinNamespace(pin));
    const crunRoot = join(base, 'crun-state');
    cases.push({ key: 'ctCrun', label: 'm  crun run (same bundle, cgroups off)', op: () => runChild('nsenter', [`--mount=${pin}`, 'crun', '--cgroup-manager=disabled', '--root', crunRoot, 'run', '-b', crunBundle, `c${++n}`]) });
  } else {
    skipped.push('crun: not installed (apt-get install crun)');
  }
  // linuxns-runtime's start-up, the command engines run most: `state` of a created container, against runc's and a bare node.
  const runtime = new URL('../packages/cli/dist/runtime/main.cjs', import.meta.url).pathname;
  if (existsSync(runtime)) {
    const rtRoot = join(base, 'runtime-state');
    await runChild(process.execPath, [runtime, '--root', rtRoot, 'create', '-b', runcBundle, 'rt']);
    release.push(() => execFileSync(process.execPath, [runtime, '--root', rtRoot, 'delete', '--force', 'rt'], { stdio: 'ignore' }));
    await runChild('runc', ['--root', runcRoot, 'create', '-b', runcBundle, 'rt']);
    release.push(() => execFileSync('runc', ['--root', runcRoot, 'delete', '--force', 'rt'], { stdio: 'ignore' }));
    cases.push(
      { key: 'rtState', label: 's  linuxns-runtime state', op: () => runChild(process.execPath, [runtime, '--root', rtRoot, 'state', 'rt']) },
      { key: 'rtRuncState', label: 's  runc state', op: () => runChild('runc', ['--root', runcRoot, 'state', 'rt']) },
      { key: 'rtNode', label: 's  node -e 0', op: () => runChild(process.execPath, ['-e', '0']) },
    );
  } else {
    skipped.push('linuxns-runtime: not built (pnpm run build)');
  }
  const hasRuntime = cases.some((c) => c.key === 'rtState');
  // podman and ctr end to end with linuxns-runtime and with runc (bench/containers-engines.js).
  const engines = hasRuntime ? await engineGroup({ root, base, runtime, release }) : { cases: [], skipped: ['engines: linuxns-runtime not built'] };
  skipped.push(...engines.skipped);
  cases.push(...engines.cases);
  const podman = podmanGroup({ root, base, lifecycle, release, runc: (b) => runChild('runc', ['--root', runcRoot, 'run', '-b', b, `p${++n}`]) });
  if (podman.skip) skipped.push(podman.skip);
  else cases.push(...podman.cases);
  return {
    cases,
    skipped,
    release: cleanup,
    ratios: (ratio, series) => [
      ['container lifecycle / runc run, cgroup limits', ratio('ctOurs', 'ctRunc')],
      ...(cases.some((c) => c.key === 'ctCrun') ? [['container lifecycle / crun run, cgroups off', ratio('ctOursNoCg', 'ctCrun')]] : []),
      ...(hasRuntime ? [['linuxns-runtime state / node -e 0', ratio('rtState', 'rtNode')], ['linuxns-runtime state / runc state', ratio('rtState', 'rtRuncState')]] : []),
      ...(podman.ratios?.(ratio) ?? []),
      ...(engines.ratios?.(ratio, series) ?? []),
    ],
    targets: (ratio, series) => [
      ['container lifecycle faster than runc run', ratio('ctOurs', 'ctRunc') < 1, `${ratio('ctOurs', 'ctRunc').toFixed(2)}x`],
      ...(cases.some((c) => c.key === 'ctCrun') ? [['container lifecycle no slower than crun run', ratio('ctOursNoCg', 'ctCrun') <= 1, `${ratio('ctOursNoCg', 'ctCrun').toFixed(2)}x`]] : []),
      ...(hasRuntime ? [['linuxns-runtime state within 1.15x of node -e 0', ratio('rtState', 'rtNode') <= 1.15, `${ratio('rtState', 'rtNode').toFixed(2)}x`]] : []),
      ...(podman.targets?.(ratio) ?? []),
      ...(engines.targets?.(ratio, series) ?? []),
    ],
    notes: (med) => engines.notes?.(med) ?? [],
  };
}
