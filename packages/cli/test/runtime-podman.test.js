// podman (through conmon) driving linuxns-runtime with `--runtime`, over a
// busybox image the test makes (`podman import` of the test rootfs, removed
// after): run --rm with the output and exit status passed through, a missing
// program as podman's 127, run -d with logs, exec, top, pause/unpause,
// stats, stop and rm, --pids-limit, --memory, --user, --read-only and --cap-drop, with
// podman's default seccomp profile and sysctl, compared with runc, run -t and
// exec -t with a terminal (under script), compared with runc, and a pod
// of two containers sharing a network namespace. Two settings are the
// test's own, in its containers.conf (with linuxns-runtime listed among the
// runtimes that write runc's JSON log): the rlimits (podman's defaults exceed
// this machine's hard limits and fail with runc too), and the default
// capabilities without CAP_MKNOD (create keeps it where the v1 devices
// controller enforces the device rules, but linuxns-runtime's exec still
// refuses it in an exec'd process; see docs/kubernetes.md).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { cgroupsNamed, mountsWith, ownFds, processesWith, runtimeBinary, waitFor } from './fixtures/runtime.js';

function podmanMissing() {
  if (spawnSync('sh', ['-c', 'command -v podman && command -v conmon'], { stdio: 'ignore' }).status === 0) return false;
  // pnpm test installs them (scripts/system-packages.js); CI must never skip this.
  if (process.env.CI) throw new Error('no podman or conmon in CI: apt-get install podman conmon');
  return 'podman and conmon are not installed (pnpm test installs them as root)';
}

const skip = skipReason() || podmanMissing();
const TAG = `lrp${process.pid}`;
const IMAGE = `localhost/linuxns-runtime-test-${process.pid}:latest`;
/** Podman's default capabilities (Debian's containers.conf) but CAP_MKNOD (see the header). */
const CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT', 'AUDIT_WRITE', 'NET_RAW'];
/** A program that ends on SIGTERM (`podman stop`) and otherwise waits; $0 is the test's tag. */
const WAITER = ['sh', '-c', 'trap "exit 0" TERM; echo started; while :; do sleep 1; done', TAG];

describe('podman --runtime linuxns-runtime', { skip }, () => {
  let fs;
  let tmp;
  let env;
  let bin;
  let fdsBefore;
  /** `podman --runtime linuxns-runtime ARGS`: { status, stdout, stderr }. */
  const podman = (args, options = {}) => {
    const r = spawnSync('podman', ['--runtime', bin, ...args], { encoding: 'utf8', timeout: 120_000, env, ...options });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (args) => {
    const r = podman(args);
    assert.equal(r.status, 0, `podman ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(() => {
    fdsBefore = ownFds();
    // Installed under its own name, which containers.conf lists as a runtime that writes runc's JSON log:
    // podman (conmon) then passes --log and --log-format json, as it does to runc, and shows the message alone.
    tmp = tempDir('runtime-podman');
    bin = join(tmp.dir, 'linuxns-runtime');
    symlinkSync(runtimeBinary(), bin);
    fs = makeRootfs('linuxns-runtime-podman-');
    const conf = join(tmp.dir, 'containers.conf');
    writeFileSync(conf, [
      '[containers]',
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      `default_capabilities = ${JSON.stringify(CAPS)}`,
      '[engine]',
      'runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "linuxns-runtime"]',
      '',
    ].join('\n'));
    env = { ...process.env, CONTAINERS_CONF: conf };
    execFileSync('sh', ['-c', `tar -C '${fs.root}' -c . | podman import - '${IMAGE}'`], { stdio: 'ignore', env });
  });
  after(() => {
    if (env) {
      spawnSync('sh', ['-c', `podman rm -f $(podman ps -aq --filter name=${TAG}) 2>/dev/null; true`], { stdio: 'ignore', env });
      spawnSync('podman', ['rmi', '-f', IMAGE], { stdio: 'ignore', env });
    }
    fs?.remove();
    tmp?.remove();
  });

  test('run --rm passes the output and the exit status through; a missing program is 127, as with runc', () => {
    const r = podman(['run', '--rm', IMAGE, 'sh', '-c', 'echo hello; echo oops >&2; exit 3']);
    assert.deepEqual([r.status, r.stdout], [3, 'hello\n']);
    assert.match(r.stderr, /oops/);
    const missing = podman(['run', '--rm', IMAGE, 'no-such-program']);
    assert.equal(missing.status, 127);
    // What runc says there, read by conmon from the JSON log.
    assert.equal(missing.stderr, `Error: ${bin}: linuxns-runtime create failed: unable to start container process: exec: "no-such-program": executable file not found in $PATH: OCI runtime attempted to invoke a command that was not found\n`);
  });

  test('run -d, then logs, exec, top, pause/unpause, stats, stop and rm', async () => {
    const name = `${TAG}-d`;
    const id = ok(['run', '-d', '--name', name, IMAGE, ...WAITER]).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.ok(await waitFor(() => podman(['logs', name]).stdout === 'started\n'), 'logs shows what the container wrote');
    const e = podman(['exec', name, 'sh', '-c', 'echo in-exec; exit 5']);
    assert.deepEqual([e.status, e.stdout], [5, 'in-exec\n']);
    assert.equal(ok(['exec', name, 'grep', 'Seccomp:', '/proc/self/status']), 'Seccomp:\t2\n', 'an exec\'d process has the container\'s seccomp filter, as with runc');
    assert.match(ok(['top', name]), new RegExp(TAG));
    ok(['pause', name]);
    assert.equal(ok(['inspect', '--format', '{{.State.Status}}', name]).trim(), 'paused');
    ok(['unpause', name]);
    assert.equal(ok(['inspect', '--format', '{{.State.Status}}', name]).trim(), 'running');
    assert.match(ok(['stats', '--no-stream', '--format', '{{.PIDs}}', name]), /^\d+\n$/);
    ok(['stop', '-t', '10', name]);
    assert.equal(ok(['inspect', '--format', '{{.State.ExitCode}}', name]).trim(), '0', 'SIGTERM reached the program: it exited 0');
    ok(['rm', name]);
    assert.deepEqual(cgroupsNamed(`libpod-${id}`), []);
  });

  test('--pids-limit, --user and --read-only are applied', () => {
    const name = `${TAG}-limits`;
    try {
      const id = ok(['run', '-d', '--name', name, '--pids-limit', '42', '--user', '65534:65534', '--read-only', IMAGE, ...WAITER]).trim();
      const pids = cgroupsNamed(`libpod-${id}`).find((p) => p.includes('/pids/')) ?? cgroupsNamed(`libpod-${id}`)[0];
      assert.equal(readFileSync(join(pids, 'pids.max'), 'utf8').trim(), '42');
      assert.equal(ok(['exec', name, 'id', '-u']), '65534\n');
      const w = podman(['exec', '--user', '0', name, 'touch', '/file']);
      assert.notEqual(w.status, 0);
      assert.match(w.stderr, /Read-only file system/);
      assert.equal(podman(['exec', '--user', '0', name, 'sh', '-c', 'touch /tmp/f && echo ok']).stdout, 'ok\n', '--read-only leaves a tmpfs on /tmp');
    } finally {
      podman(['rm', '-f', name]);
    }
  });

  test('--memory (podman adds memory+swap, twice the limit, where swap is accounted): the limits in the container\'s memory cgroup, as with runc', () => {
    const limits = (runtime) => {
      const name = `${TAG}-mem-${runtime === bin ? 'ours' : 'runc'}`;
      try {
        const r = spawnSync('podman', ['--runtime', runtime, 'run', '-d', '--name', name, '--memory', '64m', IMAGE, ...WAITER], { encoding: 'utf8', timeout: 120_000, env });
        assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
        const id = r.stdout.trim();
        const dir = cgroupsNamed(`libpod-${id}`).find((p) => p.includes('/memory/')) ?? cgroupsNamed(`libpod-${id}`)[0];
        const read = (f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : undefined);
        return [read('memory.limit_in_bytes') ?? read('memory.max'), read('memory.memsw.limit_in_bytes') ?? read('memory.swap.max')];
      } finally {
        podman(['rm', '-f', name]);
      }
    };
    const ours = limits(bin);
    assert.equal(ours[0], String(64 << 20));
    assert.deepEqual(ours, limits('runc'), 'the same limits as runc writes');
  });

  test('--cap-drop, the default seccomp profile and sysctl: the same in the container as with runc', () => {
    const probe = ['sh', '-c', 'grep -E "^(CapBnd|CapEff|Seccomp):" /proc/self/status; cat /proc/sys/net/ipv4/ping_group_range'];
    for (const flags of [['--cap-drop', 'all'], ['--cap-drop', 'chown,net_raw'], ['--security-opt', 'seccomp=unconfined'], []]) {
      const ours = podman(['run', '--rm', ...flags, IMAGE, ...probe]);
      const theirs = spawnSync('podman', ['--runtime', 'runc', 'run', '--rm', ...flags, IMAGE, ...probe], { encoding: 'utf8', env });
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(ours.stdout, theirs.stdout, `podman run ${flags.join(' ')}: as with runc`);
    }
  });

  test('run -t and exec -t: the terminal is the container\'s /dev/pts/N, sized as podman\'s own, the same as with runc', () => {
    // podman gets a terminal from script (util-linux), sized by stty first; the probe lists the shell's fds without a pipe.
    const quote = (a) => `'${a.replace(/'/g, "'\\''")}'`;
    const probe = ['sh', '-c', 'tty; stty size; ls /proc/$$/fd; true']; // (not last: sh would exec ls, whose own fd it lists)
    const underTerminal = (runtime, args) => {
      const r = spawnSync('script', ['-qec', `stty rows 33 cols 99; ${['podman', '--runtime', runtime, ...args].map(quote).join(' ')}`, '/dev/null'], { encoding: 'utf8', timeout: 120_000, env });
      assert.equal(r.status, 0, `${runtime} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      return r.stdout;
    };
    const session = (runtime) => {
      const name = `${TAG}-tty-${runtime === bin ? 'ours' : 'runc'}`;
      try {
        const run = underTerminal(runtime, ['run', '-t', '--rm', IMAGE, ...probe]);
        assert.equal(spawnSync('podman', ['--runtime', runtime, 'run', '-d', '--name', name, IMAGE, ...WAITER], { env }).status, 0);
        return { run, exec: underTerminal(runtime, ['exec', '-t', name, ...probe]) };
      } finally {
        podman(['rm', '-f', '-t', '0', name]);
      }
    };
    const ours = session(bin);
    assert.match(ours.run, /^\/dev\/pts\/\d+\r\n33 99\r\n0 +1 +2\r\n$/, 'run -t: the slave, the size of podman\'s terminal, stdio alone');
    assert.match(ours.exec, /^\/dev\/pts\/\d+\r\n33 99\r\n0 +1 +2\r\n$/, 'exec -t likewise');
    assert.deepEqual(ours, session('runc'), 'as with runc');
  });

  test('a pod: two containers share its network namespace (one listens on 127.0.0.1, the other connects)', async () => {
    const pod = `${TAG}-pod`;
    try {
      ok(['pod', 'create', '--name', pod]);
      ok(['run', '-d', '--pod', pod, '--name', `${TAG}-server`, IMAGE, 'sh', '-c', `nc -l -p 8080 -e echo pong; sleep 1000 ${TAG}`]);
      assert.ok(await waitFor(() => podman(['run', '--rm', '--pod', pod, IMAGE, 'sh', '-c', 'nc 127.0.0.1 8080 </dev/null']).stdout === 'pong\n', 20_000), 'the second container reached the first on the pod\'s loopback');
    } finally {
      podman(['pod', 'rm', '-f', pod]);
    }
  });

  test('nothing is left: no container of the tests, process, cgroup, mount or fd', async () => {
    assert.equal(podman(['ps', '-aq', '--filter', `name=${TAG}`]).stdout, '');
    assert.ok(await waitFor(() => processesWith(TAG).length === 0), `processes left: ${processesWith(TAG)}`);
    assert.deepEqual(mountsWith(tmp.dir), []);
    assert.deepEqual(ownFds(), fdsBefore);
  });
});
