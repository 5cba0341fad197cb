// The engine cases of the container group (issue 15): `podman run --rm IMAGE
// true` and `ctr run --rm IMAGE ID true`, end to end, with linuxns-runtime and
// with runc, interleaved with the other cases. Engines run the runtime binary
// several times per container, and each run of linuxns-runtime pays one Node
// start: a counting pass (the runtime behind a wrapper that logs its
// arguments) finds how many commands each engine ran, and the report judges
// what is ours: the end-to-end time with linuxns-runtime minus that many bare
// `node -e 0` (the group's rtNode case, same rounds), against runc's end to
// end. podman runs with `--network none` (its default network setup costs
// ~0.5 s a container, the same for both runtimes, and is noise here), the
// test's rlimits (podman's defaults exceed this machine's hard limits, with
// runc too) and without CAP_MKNOD (linuxns refuses it without a user
// namespace); ctr against a private containerd started here and stopped with
// the group (the setup of the runtime's containerd test). Without podman,
// conmon or containerd, those cases are skipped with the reason.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerdInstalled, startContainerd } from '../packages/cli/test/fixtures/containerd.js';
import { onPath } from '../scripts/system-packages.js';

/** The runtime commands a counting wrapper can log (what follows the global options). */
const COMMANDS = new Set(['create', 'start', 'run', 'state', 'list', 'kill', 'delete', 'exec', 'ps', 'pause', 'resume', 'update', 'events', 'features', 'spec']);
/** Global options that take a value as the next argument. */
const VALUED = new Set(['--root', '--log', '--log-format', '--criu', '--rootless']);

/** Runs a command to its end, output ignored; rejects unless it exits 0 (with its stderr). */
function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code ?? signal}: ${stderr.trim()}`))));
  });
}

/** The command of each logged runtime invocation (one a line, its arguments separated by spaces). */
function commandsOf(logFile) {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => {
    const argv = line.trim().split(/\s+/);
    for (let i = 0; i < argv.length; i++) {
      if (COMMANDS.has(argv[i])) return argv[i];
      if (VALUED.has(argv[i])) i++;
    }
    return `?(${argv.join(' ')})`;
  });
}

/**
 * A wrapper `dir/name` that logs its arguments to `dir/log` and executes
 * `target`: what an engine runs in the counting pass. Returns `{ path, take() }`,
 * `take()` the commands logged since the last take.
 */
function countingWrapper(dir, name, target) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const log = join(dir, 'log');
  writeFileSync(path, `#!/bin/sh\necho "$@" >> '${log}'\nexec '${target}' "$@"\n`);
  chmodSync(path, 0o755);
  return {
    path,
    take: () => {
      const cmds = commandsOf(log);
      rmSync(log, { force: true });
      return cmds;
    },
  };
}

/** Where runc is: on PATH, or Debian's /usr/sbin (CI hides it from PATH). */
function runcPath() {
  const r = spawnSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim();
  return existsSync('/usr/sbin/runc') ? '/usr/sbin/runc' : undefined;
}

/**
 * The engine cases over the bench's busybox rootfs `root` (in `base`, a
 * directory the group removes), with the runtime binary `runtime`; `release`
 * takes the undo (synchronous, also from a signal handler). Returns `{ cases,
 * skipped, counts, ratios(ratio, series), targets(ratio, series), notes(med,
 * series) }`: `series(key)` the per-round samples of a case.
 */
export async function engineGroup({ root, base, runtime, release }) {
  const skipped = [];
  const cases = [];
  const counting = [];
  const runc = runcPath();
  if (!runc) return { cases, skipped: ['engines: runc not installed'] };
  chmodSync(runtime, 0o755);
  // Installed under its own name, as the podman test does: containers.conf lists it as writing runc's JSON log,
  // so that conmon gives it --log and --log-format json as it gives runc.
  const binDir = join(base, 'engine-bin');
  mkdirSync(binDir);
  const ours = join(binDir, 'linuxns-runtime');
  symlinkSync(runtime, ours);
  let n = 0;
  const tag = `lnb${process.pid}`;

  if (!onPath('podman') || !onPath('conmon')) {
    skipped.push('podman run: podman or conmon not installed (apt-get install podman conmon)');
  } else {
    const image = `localhost/linuxns-bench-${process.pid}:latest`;
    const conf = join(base, 'containers.conf');
    writeFileSync(conf, '[engine]\nruntime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "linuxns-runtime"]\n');
    const env = { ...process.env, CONTAINERS_CONF: conf };
    execFileSync('sh', ['-c', `tar -C '${root}' -c . | podman import - '${image}'`], { stdio: 'ignore', env });
    release.push(() => execFileSync('podman', ['rmi', '-f', image], { stdio: 'ignore', env }));
    // A run that failed half-way may leave its container.
    release.push(() => execFileSync('sh', ['-c', `podman rm -f $(podman ps -aq --filter name=${tag}) 2>/dev/null; true`], { stdio: 'ignore', env }));
    const flags = ['--network', 'none', '--cap-drop', 'mknod', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
    const podman = (rt) => () => run('podman', ['--runtime', rt, 'run', '--rm', '--name', `${tag}-${++n}`, ...flags, image, 'true'], env);
    cases.push(
      { key: 'podOurs', label: 'p  podman run --rm IMAGE true, linuxns-runtime', op: podman(ours) },
      { key: 'podRunc', label: 'p  podman run --rm IMAGE true, runc', op: podman(runc) },
    );
    counting.push({ key: 'podOurs', what: 'podman run --rm', make: (w) => podman(w) });
  }

  if (!containerdInstalled()) {
    skipped.push('ctr run: containerd not installed (apt-get install containerd)');
  } else {
    const dir = join(base, 'containerd');
    mkdirSync(dir);
    const image = `localhost/linuxns-bench-${process.pid}:latest`;
    const containerd = await startContainerd(dir, { ns: `linuxns-bench-${process.pid}`, rootfs: root, image });
    release.push(containerd.stop);
    const ctr = (rt) => () => run('ctr', ['--address', containerd.address, '--namespace', `linuxns-bench-${process.pid}`, 'run', '--rm', '--runc-binary', rt, '--cap-drop', 'CAP_MKNOD', image, `${tag}-${++n}`, 'true']);
    cases.push(
      { key: 'ctrOurs', label: 'q  ctr run --rm IMAGE ID true, linuxns-runtime', op: ctr(ours) },
      { key: 'ctrRunc', label: 'q  ctr run --rm IMAGE ID true, runc', op: ctr(runc) },
    );
    counting.push({ key: 'ctrOurs', what: 'ctr run --rm', make: (w) => ctr(w) });
  }

  // The counting pass: each engine once with each runtime behind a wrapper (same name as the runtime).
  const counts = {};
  for (const { key, what, make } of counting) {
    const w = countingWrapper(join(base, `count-${key}`), 'linuxns-runtime', runtime);
    await make(w.path)();
    const r = countingWrapper(join(base, `count-${key}-runc`), 'runc', runc);
    await make(r.path)();
    counts[key] = { what, ours: w.take(), runc: r.take() };
  }

  const has = (k) => cases.some((c) => c.key === k);
  const pairs = [['podOurs', 'podRunc'], ['ctrOurs', 'ctrRunc']].filter(([a]) => has(a));
  /** Per round: (ours - N × node -e 0) / runc; median over rounds. */
  const judged = (series, a, b) => {
    const N = counts[a].ours.length;
    const [x, y, z] = [series(a), series(b), series('rtNode')];
    if (!x || !y || !z) return NaN;
    const r = x.map((v, i) => (v - N * z[i]) / y[i]).sort((p, q) => p - q);
    const m = r.length >> 1;
    return r.length % 2 ? r[m] : (r[m - 1] + r[m]) / 2;
  };
  const ms = (us) => `${(us / 1000).toFixed(0)} ms`;
  return {
    cases,
    skipped,
    ratios: (ratio, series) => pairs.flatMap(([a, b]) => [
      [`${counts[a].what}: linuxns-runtime / runc`, ratio(a, b)],
      [`${counts[a].what}: (linuxns-runtime - ${counts[a].ours.length} x node -e 0) / runc`, judged(series, a, b)],
    ]),
    targets: (ratio, series) => pairs.map(([a, b]) => {
      const r = judged(series, a, b);
      return [`${counts[a].what}: linuxns-runtime minus ${counts[a].ours.length} node starts no slower than runc`, r <= 1, `${r.toFixed(2)}x`];
    }),
    notes: (med) => pairs.map(([a, b]) => {
      const { what, ours: o, runc: r } = counts[a];
      const N = o.length;
      return `${what}: linuxns-runtime ran ${N} times (${o.join(', ')}), runc ${r.length} (${r.join(', ')}); end to end ${ms(med(a))} against runc's ${ms(med(b))}; node -e 0 ${ms(med('rtNode'))}; ours minus ${N} x node -e 0: ${ms(med(a) - N * med('rtNode'))}`;
    }),
  };
}
