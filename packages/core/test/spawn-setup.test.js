// spawn's process settings, each checked by what the command itself observes,
// and compared with util-linux's unshare where it has the same option.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
    const script = 'ls /proc | grep -cE "^[0-9]+$"; readlink /proc/self';
    const ours = await sh(script, { create: ['mnt', 'pid'], mountProc: true });
    const theirs = execFileSync('unshare', ['--mount', '--pid', '--fork', '--mount-proc', 'sh', '-c', script], { encoding: 'utf8' }).trim();
    assert.equal(ours.code, 0);
    assert.deepEqual(ours.out.split('\n'), theirs.split('\n'));
    // without it, /proc is the host's: far more processes than the few of the new namespace
    const without = await sh('ls /proc | grep -cE "^[0-9]+$"', { create: ['mnt', 'pid'] });
    assert.ok(Number(without.out) > Number(ours.out.split('\n')[0]), `host /proc lists ${without.out} processes`);
  });

  test('time offsets of a new time namespace read back as unshare --monotonic/--boottime writes them', async () => {
    const ours = await sh('cat /proc/self/timens_offsets', { create: ['time'], timeOffsets: { monotonic: 86400, boottime: -5 } });
    const theirs = execFileSync('unshare', ['--time', '--fork', '--monotonic=86400', '--boottime=-5', 'cat', '/proc/self/timens_offsets'], { encoding: 'utf8' }).trim();
    assert.equal(ours.out, theirs);
    assert.match(ours.out, /monotonic\s+86400\s+0/);
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
});
