// containerd (its runc shim, the one Kubernetes uses) driving
// linuxns-runtime through `ctr run --runc-binary`: a private containerd
// started by the test (its own root, state dir and socket, stopped after), a
// busybox image it imports from an OCI archive the test writes, then run --rm
// with the output and exit status passed through, and run -d with task exec,
// ps, pause/resume, metrics, kill and delete, and run -t with a terminal
// (under script), compared with runc. Nothing is left: no task,
// process, mount, state directory or fd of the test. Every run drops
// CAP_MKNOD (create keeps it where the v1 devices controller enforces the
// device rules, but linuxns-runtime's exec still refuses it in an exec'd
// process; see docs/kubernetes.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { runcBinary } from '../../container/test/fixtures/bundle.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { containerdInstalled, startContainerd } from './fixtures/containerd.js';
import { mountsWith, ownFds, processesWith, runtimeBinary, waitFor } from './fixtures/runtime.js';

function containerdMissing() {
  if (containerdInstalled()) return false;
  // pnpm test installs it (scripts/system-packages.js); CI must never skip this.
  if (process.env.CI) throw new Error('no containerd in CI: apt-get install containerd');
  return 'containerd is not installed (pnpm test installs it as root)';
}

const skip = skipReason() || containerdMissing();
// runc, the peer of the terminal test: scripts/system-packages.js installs it (by its path when it is not on PATH).
const RUNC = runcBinary() ?? 'runc';
const TAG = `lrc${process.pid}`;
const NS = `linuxns-test-${process.pid}`;
const IMAGE = `localhost/linuxns-runtime-test-${process.pid}:latest`;
/** Given to every run (see the header). */
const BASE = ['--cap-drop', 'CAP_MKNOD'];
/** A program that ends on SIGTERM and otherwise waits; $0 is the test's tag. */
const WAITER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done', TAG];

describe('ctr run --runc-binary linuxns-runtime (containerd 1.6, its runc shim)', { skip }, () => {
  let fs;
  let tmp;
  let bin;
  let containerd;
  let fdsBefore;
  /** `ctr --address ADDRESS --namespace NS ARGS`: { status, stdout, stderr }. */
  const ctr = (args) => containerd.ctr(args);
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
    containerd = await startContainerd(tmp.dir, { ns: NS, rootfs: fs.root, image: IMAGE });
  });
  after(() => {
    if (containerd) {
      for (const id of [`${TAG}-rm`, `${TAG}-d`, `${TAG}-tty`, `${TAG}-tty-runc`]) {
        ctr(['task', 'kill', '-s', 'SIGKILL', id]);
        ctr(['task', 'delete', '--force', id]);
        ctr(['container', 'delete', id]);
      }
      containerd.stop();
    }
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

  test('run -t under a terminal (script gives ctr one): the task\'s terminal is the container\'s /dev/pts/N, sized as ctr\'s own, as with runc', () => {
    const quote = (a) => `'${a.replace(/'/g, "'\\''")}'`;
    // ctr attaches to the task's console and sizes it once the task started: the probe waits for that. (ls
    // not last: sh would exec it, and it would list its own fd of /proc)
    const probe = ['sh', '-c', 'sleep 1; tty; stty size; ls /proc/$$/fd; true'];
    const underTerminal = (runtime, id) => {
      const cmd = ['ctr', '--address', containerd.address, '--namespace', NS, 'run', '-t', '--rm', '--runc-binary', runtime, ...BASE, IMAGE, id, ...probe];
      const r = spawnSync('script', ['-qec', `stty rows 27 cols 88; ${cmd.map(quote).join(' ')}`, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(r.status, 0, `${runtime}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const ours = underTerminal(bin, `${TAG}-tty`);
    // (each line ends \r\r\n: the task's terminal's, then script's; ctr echoes a NUL first, with runc too)
    assert.match(ours, /\/dev\/pts\/\d+\r\r\n27 88\r\r\n0 +1 +2\r\r\n$/, 'the slave, the size of ctr\'s terminal, stdio alone');
    assert.equal(ctr(['container', 'info', `${TAG}-tty`]).status, 1, '--rm removed the container');
    assert.equal(ours, underTerminal(RUNC, `${TAG}-tty-runc`), 'as with runc');
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
