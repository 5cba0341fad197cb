// The Debian packages linuxns's tests and demo use, installed when missing, so
// that `pnpm test` and `pnpm demo` do all of the set-up on a fresh machine
// (as root; as another user this only says what is missing). `.ci/run`
// installs the same list before `pnpm install` (which needs the C compiler).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * [how to tell it is there, Debian package, what needs it]. runc is told by
 * its package's path too: the tests take their fallback when it is not on
 * PATH (CI runs them once so), which must not make this install it again.
 */
export const SYSTEM_PACKAGES = [
  [() => onPath('cc'), 'gcc', 'building the C helper'],
  [() => onPath('ip'), 'iproute2', 'ip netns, compared with linuxns'],
  [() => onPath('nsenter') && onPath('unshare') && onPath('lsns'), 'util-linux', 'nsenter, unshare and lsns, compared with linuxns'],
  [() => existsSync('/bin/busybox'), 'busybox-static', 'the rootfs of the container tests'],
  [() => existsSync('/usr/bin/newuidmap'), 'uidmap', "unshare --map-users, compared with linuxns run"],
  [() => onPath('runc') || existsSync('/usr/sbin/runc'), 'runc', 'runc spec and runc run, compared with linuxns container (the bench, and the tests when on PATH)'],
  [() => onPath('podman'), 'podman', "the OCI configs podman generates, run by @linuxns/container (its oci-config test)"],
  [() => onPath('conmon'), 'conmon', "podman's monitor, which runs linuxns-runtime create, start and delete"],
  [() => onPath('containerd') && onPath('ctr'), 'containerd', 'ctr run --runc-binary linuxns-runtime through the runc shim Kubernetes uses, and its CRI plugin driven as the kubelet does (the runtime tests start their own containerd)'],
  [() => onPath('strace'), 'strace', 'strace -f, under which a userns-cache test makes a dummy'],
  [() => onPath('python3'), 'python3', 'the probes of the core spawn tests (setgroups, PR_GET_PDEATHSIG), and the console socket of the linuxns-runtime terminal tests (it receives the pty master with SCM_RIGHTS, which Node cannot)'],
  [() => onPath('go'), 'golang-go', "the bench's Go peers of the netlink pair and the 5-namespace spawn (bench/go; the cases are skipped without it)"],
  [() => existsSync('/usr/share/gocode/src/github.com/vishvananda/netlink'), 'golang-github-vishvananda-netlink-dev', "Go's vishvananda/netlink, the bench's netlink peer (what CNI plugins use)"],
  [() => existsSync('/usr/share/gocode/src/github.com/vishvananda/netns'), 'golang-github-vishvananda-netns-dev', "Go's vishvananda/netns, with which the bench's netlink peer makes its namespaces"],
];

/** Whether `cmd` is found on PATH. */
export function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs what is missing (root with apt-get), or prints what is missing;
 * returns the names still missing. `only` limits the check to those packages.
 */
export function ensureSystemPackages(only, log = console.error) {
  const missing = SYSTEM_PACKAGES.filter(([present, pkg]) => (only === undefined || only.includes(pkg)) && !present());
  if (missing.length === 0) return [];
  const names = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    for (const [, pkg, why] of missing) log(`note: ${pkg} is missing (${why}); install it with apt-get install ${pkg}`);
    return names;
  }
  log(`installing Debian packages the tests and demo use: ${names.join(' ')}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...names], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return [];
}

// `node scripts/system-packages.js [PACKAGE...]`: what .ci/run calls before `pnpm install` (all of
// them), and `pnpm install`'s prepare (gcc, which building the C helper needs, so that the README's
// `pnpm install` works on a machine without a compiler).
if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.slice(2);
  const left = ensureSystemPackages(only.length ? only : undefined);
  if (left.length) process.exit(1);
}
