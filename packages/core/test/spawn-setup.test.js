// spawn's process settings, each checked by what the command itself observes,
// and compared with util-linux's unshare where it has the same option.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helperPath } from '@linuxns/helper-c';
import { spawn } from '../dist/index.js';
import { errorOf, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'spawn tests create namespaces and need root';

/** Runs `sh -c script` through spawn; its stdout, trimmed, and how it ended. */
async function sh(script, options = {}) {
  const child = unwrap(await spawn('sh', ['-c', script], { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const status = await child.exited;
  return { out: out.trim(), ...status };
}

describe('spawn process settings', { skip: notRoot }, () => {
  test('mountProc shows the new pid namespace in /proc, as unshare --mount-proc does', async () => {
    // In the fresh /proc, pid 1 is the shell itself; in the host's /proc, pid 1 is the host's init.
    const script = 'echo $$; cat /proc/1/comm';
    const ours = await sh(script, { create: ['mnt', 'pid'], mountProc: true });
    const theirs = execFileSync('unshare', ['--mount', '--pid', '--fork', '--mount-proc', 'sh', '-c', script], { encoding: 'utf8' }).trim();
    assert.equal(ours.code, 0);
    assert.equal(ours.out, theirs);
    assert.equal(ours.out, '1\nsh');
    const without = await sh(script, { create: ['mnt', 'pid'] });
    assert.notEqual(without.out.split('\n')[1], 'sh', 'without mountProc /proc is the host\'s');
  });

  test('time offsets of a new time namespace read back as unshare --monotonic/--boottime writes them', async () => {
    const ours = await sh('cat /proc/self/timens_offsets', { create: ['time'], timeOffsets: { monotonic: 86400, boottime: -5 } });
    const theirs = execFileSync('unshare', ['--time', '--fork', '--monotonic=86400', '--boottime=-5', 'cat', '/proc/self/timens_offsets'], { encoding: 'utf8' }).trim();
    assert.equal(ours.out, theirs);
    assert.match(ours.out, /monotonic\s+86400\s+0/);
    // With nanoseconds ({ secs, nanosecs }, runtime-spec's linux.timeOffsets): both written, read back as given.
    const nanos = await sh('cat /proc/self/timens_offsets', { create: ['time'], timeOffsets: { monotonic: { secs: -2, nanosecs: 750000000 }, boottime: 3 } });
    assert.deepEqual(nanos.out.split('\n').map((l) => l.trim().split(/\s+/).join(' ')), ['monotonic -2 750000000', 'boottime 3 0']);
    // An offset the kernel refuses (the clock would go below zero) fails its step alike on both paths, and nothing runs.
    const e = errorOf(await spawn('sh', ['-c', 'echo ran'], { create: ['time'], timeOffsets: { boottime: -(2 ** 40) }, stdio: 'ignore' }), 'spawn-setup-failed');
    assert.deepEqual([e.step, e.syscall, e.code], ['time-offsets', 'write', 'ERANGE']);
  });

  test('rlimits, a new session, no_new_privs and the ids are what the command sees', async () => {
    const r = await sh('ulimit -Sn; ulimit -Hn; id -u; id -g; id -G; grep NoNewPrivs /proc/self/status; ps -o sid= -p $$', {
      rlimits: { nofile: { soft: 64, hard: 128 } },
      newSession: true,
      noNewPrivileges: true,
      user: { uid: 1234, gid: 2345, groups: [3456] },
    });
    const [soft, hard, uid, gid, groups, nnp, sid] = r.out.split('\n').map((l) => l.trim());
    assert.equal(soft, '64');
    assert.equal(hard, '128');
    assert.equal(uid, '1234');
    assert.equal(gid, '2345');
    assert.deepEqual(groups.split(' ').sort(), ['2345', '3456']);
    assert.match(nnp, /NoNewPrivs:\s+1/);
    assert.notEqual(Number(sid), 0);
    assert.notEqual(Number(sid), process.pid, 'the command leads a session of its own');
  });

  test('the parent-death signal is the one asked for (PR_GET_PDEATHSIG in the command)', async () => {
    const probe = 'import ctypes; s = ctypes.c_int(0); ctypes.CDLL(None).prctl(2, ctypes.byref(s)); print(s.value)';
    const run = async (options) => {
      const child = unwrap(await spawn('python3', ['-c', probe], { ...options, stdio: ['ignore', 'pipe', 'inherit'] }));
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      await child.exited;
      return out.trim();
    };
    assert.equal(await run({ parentDeathSignal: 'SIGTERM' }), '15');
    assert.equal(await run({}), '0');
  });

  test('settings that need a namespace refuse to run without it, before any process starts', async () => {
    errorOf(await spawn('true', [], { mountProc: true, create: ['pid'] }), 'invalid-option');
    errorOf(await spawn('true', [], { timeOffsets: { monotonic: 1 } }), 'invalid-option');
    errorOf(await spawn('true', [], { rlimits: { nofile: { soft: 10, hard: 5 } } }), 'invalid-option');
    errorOf(await spawn('true', [], { rlimits: { files: { soft: 1, hard: 1 } } }), 'invalid-option');
    errorOf(await spawn('true', [], { user: { uid: -1 } }), 'invalid-option');
    errorOf(await spawn('true', [], { parentDeathSignal: 'SIGNOPE' }), 'invalid-option');
  });

  test('a setting the kernel refuses fails its step, and the command does not run', async () => {
    // raising the hard limit of nofile above the system maximum is refused (EPERM without CAP_SYS_RESOURCE, EINVAL above nr_open)
    const e = errorOf(await spawn('sh', ['-c', 'echo ran'], { rlimits: { nofile: { soft: 1 << 30, hard: 1 << 30 } }, stdio: 'ignore' }), 'spawn-setup-failed');
    assert.equal(e.step, 'rlimit');
    assert.equal(e.syscall, 'setrlimit');
    assert.ok(['EPERM', 'EINVAL'].includes(e.code), e.code);
  });

  test('capabilities keep exactly the sets asked for, as /proc/self/status shows them', async () => {
    const r = await sh('grep -E "^Cap(Prm|Eff|Bnd|Amb)" /proc/self/status', { capabilities: { bounding: ['CAP_NET_ADMIN', 'sys_chroot'] } });
    const caps = Object.fromEntries(r.out.split('\n').map((l) => l.split(/:\s+/)));
    const want = ((1n << 12n) | (1n << 18n)).toString(16).padStart(16, '0');
    assert.equal(caps.CapBnd, want);
    assert.equal(caps.CapEff, want, 'root execs with what the bounding set allows');
    const user = await sh('id -u; grep -E "^Cap(Eff|Amb)" /proc/self/status', {
      user: { uid: 1000, gid: 1000, groups: [] },
      capabilities: { permitted: ['net_bind_service'], effective: ['net_bind_service'], inheritable: ['net_bind_service'], ambient: ['net_bind_service'] },
    });
    const [uid, eff, amb] = user.out.split('\n');
    assert.equal(uid, '1000');
    assert.match(eff, /CapEff:\s+0000000000000400/, 'a non-root user keeps net_bind_service through the ambient set');
    assert.match(amb, /CapAmb:\s+0000000000000400/);
    errorOf(await spawn('true', [], { capabilities: { bounding: ['CAP_FLY'] } }), 'invalid-option');
  });

  test('fds: the command gets exactly the fds named, at the numbers asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linuxns-fds-'));
    try {
      writeFileSync(join(dir, 'f'), 'through fd 7\n');
      const fd = openSync(join(dir, 'f'), 'r');
      try {
        // No pipeline in the probe: a shell holds pipe fds of its own while it sets one up.
        const probe = 'read line <&7; echo "$line"; for f in 3 4 5 6 7 8 9 10; do [ -e /proc/$$/fd/$f ] && printf "%s " $f; done; echo';
        const r = await sh(probe, { fds: { 7: fd } });
        assert.equal(r.out.split('\n')[0], 'through fd 7');
        assert.equal(r.out.split('\n')[1].trim(), '7');
      } finally {
        closeSync(fd);
      }
      errorOf(await spawn('true', [], { fds: { 2: 0 } }), 'invalid-option');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fds: a target on the number of the status channel (3) still gets an exec failure reported as one, and nothing written to the fd', async () => {
    // The helper's status channel is its fd 3; an --fd target 3 was dup2'd over it, so a failed
    // exec wrote its ERR line into the caller's file and spawn resolved ok for a command that never ran.
    const dir = mkdtempSync(join(tmpdir(), 'linuxns-fds-'));
    try {
      const fd = openSync(join(dir, 'f'), 'w');
      try {
        const e = errorOf(await spawn(join(dir, 'no-such-command'), [], { fds: { 3: fd, 4: fd } }), 'spawn-setup-failed');
        assert.equal(e.step, 'exec');
        assert.equal(e.code, 'ENOENT');
      } finally {
        closeSync(fd);
      }
      assert.equal(readFileSync(join(dir, 'f'), 'utf8'), '');
      // And the target still reaches a command that runs.
      const out = openSync(join(dir, 'g'), 'w');
      try {
        const r = await sh('echo through fd 3 >&3', { fds: { 3: out } });
        assert.equal(r.code, 0);
      } finally {
        closeSync(out);
      }
      assert.equal(readFileSync(join(dir, 'g'), 'utf8'), 'through fd 3\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('root chroots before exec: a static program inside the new root runs, and a missing root fails at step root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'linuxns-root-'));
    try {
      copyFileSync(helperPath, join(dir, 'probe'));
      execFileSync('chmod', ['755', join(dir, 'probe')]);
      // The probe is the helper itself: run without arguments it exits 124 after saying so on stderr.
      const child = unwrap(await spawn('/probe', [], { root: dir, stdio: 'ignore' }));
      assert.deepEqual(await child.exited, { code: 124, signal: null });
      const e = errorOf(await spawn('/probe', [], { root: join(dir, 'missing'), stdio: 'ignore' }), 'spawn-setup-failed');
      assert.equal(e.step, 'root');
      assert.equal(e.code, 'ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('mountPropagation of a new mount namespace: private by default (like unshare), shared when asked', async () => {
    const root = (o) => sh('grep -E "^[0-9]+ [0-9]+ [0-9:]+ / / " /proc/self/mountinfo', o);
    const priv = await root({ create: ['mnt'] });
    const theirs = execFileSync('unshare', ['--mount', 'grep', '-E', '^[0-9]+ [0-9]+ [0-9:]+ / / ', '/proc/self/mountinfo'], { encoding: 'utf8' }).trim();
    assert.doesNotMatch(priv.out, /shared:/);
    assert.equal(/shared:/.test(priv.out), /shared:/.test(theirs));
    const shared = await root({ create: ['mnt'], mountPropagation: 'shared' });
    assert.match(shared.out, /shared:\d+/);
    errorOf(await spawn('true', [], { mountPropagation: 'shared' }), 'invalid-option');
  });

  test('a non-root user can have its bounding set reduced (the bounding set is dropped before the ids change)', async () => {
    const r = await sh('id -u; grep ^CapBnd /proc/self/status', { user: { uid: 1000, gid: 1000, groups: [] }, capabilities: { bounding: ['net_bind_service'] } });
    const [uid, bnd] = r.out.split('\n');
    assert.equal(uid, '1000');
    assert.match(bnd, /CapBnd:\s+0000000000000400/);
  });

  test('joining a pid namespace while creating a user namespace works (the child cannot see its parent across the pid namespace)', async () => {
    const { spawn: spawnChild } = await import('node:child_process');
    const sleeper = spawnChild('unshare', ['--pid', '--fork', '--kill-child', 'sleep', '30'], { stdio: 'ignore' });
    try {
      // the sleep is the child of unshare: find it, it is in the new pid namespace
      let target;
      for (let i = 0; i < 100 && !target; i++) {
        await new Promise((r) => setTimeout(r, 10));
        const kids = execFileSync('sh', ['-c', `cat /proc/${sleeper.pid}/task/*/children 2>/dev/null || true`], { encoding: 'utf8' }).trim();
        if (kids) target = Number(kids.split(/\s+/)[0]);
      }
      assert.ok(target, 'the sleeper started');
      const want = execFileSync('readlink', [`/proc/${target}/ns/pid`], { encoding: 'utf8' }).trim();
      const r = await sh('readlink /proc/self/ns/pid', { join: { pid: target }, create: ['user'], mapRootUser: true });
      assert.equal(r.code, 0);
      assert.equal(r.out, want);
    } finally {
      sleeper.kill('SIGKILL');
      await new Promise((r) => sleeper.once('exit', r));
    }
  });
});
