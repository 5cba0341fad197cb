// The config.json podman generates, made at run time on this machine: an image imported from the test's
// busybox tree, `podman create` with the options a test gives, then `podman init` with a stand-in OCI runtime
// that copies the bundle's config.json out and fails (podman writes the bundle before it calls the runtime),
// so that nothing runs. `remove()` undoes all of it: the podman container, the image, and the cgroup parent
// podman made for its conmon.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why podman configs cannot be made here, or false. */
export function podmanSkip() {
  if (spawnSync('sh', ['-c', 'command -v podman'], { stdio: 'ignore' }).status !== 0) return 'no podman: apt-get install podman (pnpm test installs it as root)';
  return false;
}

const RUNTIME = `#!/bin/sh
# A stand-in OCI runtime: on create, copies the bundle's config.json next to itself and fails.
bundle=
prev=
for a in "$@"; do
  [ "$prev" = "--bundle" ] && bundle=$a
  prev=$a
done
case " $* " in
  *" create "*) cp "$bundle/config.json" "$(dirname "$0")/config.json"; exit 1;;
esac
exit 0
`;

/** Removes the cgroup `rel` (relative to the hierarchy roots) and what is below it, in every hierarchy. */
export function removeCgroupTree(rel) {
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup'] : readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h));
  const rm = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rm(join(dir, e.name));
    rmdirSync(dir);
  };
  for (const r of roots) if (existsSync(join(r, rel))) rm(join(r, rel));
}

/**
 * podman's config.json for a container of the busybox tree `rootfs` made with `options` (podman create's) and
 * `args`; `cgroupParent` is given to podman (and removed by `remove`). Returns `{ spec, id, remove }`.
 */
export function podmanConfig(rootfs, { name, cgroupParent, options = [], args }) {
  const dir = mkdtempSync(join(tmpdir(), 'linuxns-podman-'));
  const image = `localhost/linuxns-oci-test-${process.pid}`;
  const podman = (...a) => execFileSync('podman', a, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  const remove = () => {
    spawnSync('podman', ['rm', '-f', name], { stdio: 'ignore' });
    spawnSync('podman', ['rmi', '-f', image], { stdio: 'ignore' });
    removeCgroupTree(cgroupParent);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    writeFileSync(join(dir, 'rt'), RUNTIME);
    chmodSync(join(dir, 'rt'), 0o755);
    execFileSync('sh', ['-c', `tar -C "$1" -c . | podman import -q - "$2"`, 'sh', rootfs, image], { stdio: 'ignore' });
    const id = podman('create', '--runtime', join(dir, 'rt'), '--name', name, '--cgroup-parent', `/${cgroupParent}`, ...options, image, ...args);
    spawnSync('podman', ['init', name], { stdio: 'ignore' }); // fails: the stand-in runtime refuses, once it has the config
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    return { spec, id, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
