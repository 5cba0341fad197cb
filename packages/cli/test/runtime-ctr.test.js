// containerd (its runc shim, the one Kubernetes uses) driving
// linuxns-runtime through `ctr run --runc-binary`: a private containerd
// started by the test (its own root, state dir and socket, stopped after), a
// busybox image it imports from an OCI archive the test writes, then run --rm
// with the output and exit status passed through, and run -d with task exec,
// ps, pause/resume, metrics, kill and delete. Nothing is left: no task,
// process, mount, state directory or fd of the test. Every run drops
// CAP_MKNOD (linuxns refuses it without a user namespace: it does not
// enforce device cgroups; see docs/kubernetes.md).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { mountsWith, ownFds, processesWith, runtimeBinary, waitFor } from './fixtures/runtime.js';

function containerdMissing() {
  if (spawnSync('sh', ['-c', 'command -v containerd && command -v ctr && command -v containerd-shim-runc-v2'], { stdio: 'ignore' }).status === 0) return false;
  // pnpm test installs it (scripts/system-packages.js); CI must never skip this.
  if (process.env.CI) throw new Error('no containerd in CI: apt-get install containerd');
  return 'containerd is not installed (pnpm test installs it as root)';
}

const skip = skipReason() || containerdMissing();
const TAG = `lrc${process.pid}`;
const NS = `linuxns-test-${process.pid}`;
const IMAGE = `localhost/linuxns-runtime-test-${process.pid}:latest`;
/** Given to every run (see the header). */
const BASE = ['--cap-drop', 'CAP_MKNOD'];
/** A program that ends on SIGTERM and otherwise waits; $0 is the test's tag. */
const WAITER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done', TAG];

const sha256 = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Writes an OCI image archive of `rootfs` (one uncompressed layer) named `name` to `file`. */
function writeOciArchive(rootfs, name, dir, file) {
  const layer = execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-c', '.'], { maxBuffer: 1 << 28 });
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }[process.arch] ?? process.arch;
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, config: { Env: ['PATH=/bin'], Cmd: ['sh'] } }));
  const blob = (mediaType, data) => ({ mediaType, digest: sha256(data), size: data.length });
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: blob('application/vnd.oci.image.config.v1+json', config),
    layers: [blob('application/vnd.oci.image.layer.v1.tar', layer)],
  }));
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  for (const data of [layer, config, manifest]) writeFileSync(join(blobs, sha256(data).slice('sha256:'.length)), data);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const ref = { 'io.containerd.image.name': name, 'org.opencontainers.image.ref.name': 'latest' };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...blob('application/vnd.oci.image.manifest.v1+json', manifest), annotations: ref }] }));
  execFileSync('tar', ['-C', dir, '-cf', file, 'oci-layout', 'index.json', 'blobs']);
}

describe('ctr run --runc-binary linuxns-runtime (containerd 1.6, its runc shim)', { skip }, () => {
  let fs;
  let tmp;
  let bin;
  let daemon;
  let address;
  let fdsBefore;
  /** `ctr --address ADDRESS --namespace NS ARGS`: { status, stdout, stderr }. */
  const ctr = (args) => {
    const r = spawnSync('ctr', ['--address', address, '--namespace', NS, ...args], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args) => {
    const r = ctr(args);
    assert.equal(r.status, 0, `ctr ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const taskStatus = (id) => /\s(RUNNING|PAUSED|STOPPED|CREATED)\s*$/m.exec(ctr(['task', 'ls']).stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '')?.[1];

  before(async () => {
    fdsBefore = ownFds();
    bin = runtimeBinary();
    fs = makeRootfs('linuxns-runtime-ctr-');
    tmp = tempDir('runtime-ctr');
    address = join(tmp.dir, 'containerd.sock');
    const config = join(tmp.dir, 'config.toml');
    writeFileSync(config, [
      'version = 2',
      `root = "${join(tmp.dir, 'root')}"`,
      `state = "${join(tmp.dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '',
    ].join('\n'));
    daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'ignore'] });
    assert.ok(await waitFor(() => existsSync(address) && spawnSync('ctr', ['--address', address, 'version'], { stdio: 'ignore' }).status === 0, 20_000), 'containerd started');
    const archive = join(tmp.dir, 'image.tar');
    writeOciArchive(fs.root, IMAGE, join(tmp.dir, 'layout'), archive);
    ok(['images', 'import', archive]);
  });
  after(async () => {
    if (daemon) {
      for (const id of [`${TAG}-rm`, `${TAG}-d`]) {
        ctr(['task', 'kill', '-s', 'SIGKILL', id]);
        ctr(['task', 'delete', '--force', id]);
        ctr(['container', 'delete', id]);
      }
      ctr(['images', 'rm', IMAGE]);
      ctr(['namespaces', 'rm', NS]);
      daemon.kill('SIGTERM');
      await new Promise((r) => (daemon.exitCode !== null || daemon.signalCode !== null ? r() : daemon.once('exit', r)));
    }
    // The shim's runc --root for the namespace (runc leaves it too).
    rmSync(`/run/containerd/runc/${NS}`, { recursive: true, force: true });
    fs?.remove();
    tmp?.remove();
  });

  test('run --rm passes the output and the exit status through', () => {
    const r = ctr(['run', '--runc-binary', bin, '--rm', ...BASE, IMAGE, `${TAG}-rm`, 'sh', '-c', 'echo hello from ctr; exit 4']);
    assert.deepEqual([r.status, r.stdout], [4, 'hello from ctr\n'], r.stderr);
    assert.equal(ctr(['container', 'info', `${TAG}-rm`]).status, 1, '--rm removed the container');
  });

  test('run -d, then task exec, ps, pause/resume, metrics, kill and delete', async () => {
    const id = `${TAG}-d`;
    ok(['run', '-d', '--runc-binary', bin, ...BASE, IMAGE, id, ...WAITER]);
    assert.equal(taskStatus(id), 'RUNNING');
    const e = ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo in exec; exit 6']);
    assert.deepEqual([e.status, e.stdout], [6, 'in exec\n']);
    const pid = Number(/^(\d+)/m.exec(ok(['task', 'ps', id]).split('\n').slice(1).join('\n'))?.[1]);
    assert.ok(processesWith(TAG).includes(pid), 'task ps names the container\'s init');
    ok(['task', 'pause', id]);
    assert.equal(taskStatus(id), 'PAUSED');
    ok(['task', 'resume', id]);
    assert.equal(taskStatus(id), 'RUNNING');
    assert.match(ok(['task', 'metrics', id]), /pids\.current\s+[1-9]/);
    ok(['task', 'kill', '-s', 'SIGTERM', id]);
    assert.ok(await waitFor(() => taskStatus(id) === 'STOPPED'), 'SIGTERM stopped the task');
    ok(['task', 'delete', id]);
    ok(['container', 'delete', id]);
  });

  test('nothing is left: no task, process, mount, runtime state or fd of the test', async () => {
    assert.equal(ok(['task', 'ls', '-q']), '');
    assert.ok(await waitFor(() => processesWith(TAG).length === 0), `processes left: ${processesWith(TAG)}`);
    assert.deepEqual(mountsWith(tmp.dir), []);
    const runtimeRoot = `/run/containerd/runc/${NS}`;
    assert.deepEqual(existsSync(runtimeRoot) ? readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(runtimeRoot)) : [], []);
    assert.deepEqual(ownFds().filter((l) => !l.includes('pipe:') && !l.includes('socket:')), fdsBefore.filter((l) => !l.includes('pipe:') && !l.includes('socket:')));
  });
});
