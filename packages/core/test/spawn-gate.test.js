// spawn's `beforeExec` against the real kernel: the hook runs once the command's
// process is completely set up and before it execs (its namespaces exist, it is
// still the helper), what the hook does from outside is there when the command
// starts, and a refused gate leaves nothing: no command run, no process, no
// pin, an empty pid file, no fd.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok } from 'neverthrow';
import { helperPath } from '@linuxns/helper-c';
import { spawn } from '../dist/index.js';
import { collect, errorOf, mountPointsUnder, processCounts, tempDir, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'spawn with new namespaces needs root';

/** True while a process with this pid exists. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('spawn beforeExec', { skip: notRoot }, () => {
  test('runs with the set-up process waiting before exec: its new namespaces exist, it is still the helper, and what the hook does from outside is there when the command starts', async () => {
    const tmp = tempDir('linuxns-gate-');
    try {
      const file = join(tmp.dir, 'from-the-hook');
      let seen;
      const child = unwrap(
        await spawn('sh', ['-c', `ip -o link show lo; cat ${file}; readlink /proc/self/ns/net`], {
          create: ['user', 'net'],
          mapRootUser: true,
          stdio: ['ignore', 'pipe', 'inherit'],
          beforeExec: async (pid) => {
            seen = {
              pid,
              exe: readlinkSync(`/proc/${pid}/exe`),
              user: statSync(`/proc/${pid}/ns/user`).ino,
              net: readlinkSync(`/proc/${pid}/ns/net`),
            };
            // From outside, into the network namespace its new user namespace owns (only the helper could make it).
            execFileSync('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', 'link', 'set', 'lo', 'up']);
            await new Promise((r) => setTimeout(r, 20)); // an async hook: the command still waits
            writeFileSync(file, 'written before exec\n');
            return ok(undefined);
          },
        }),
      );
      const r = await collect(child);
      assert.equal(r.code, 0);
      assert.equal(seen.pid, child.pid);
      assert.equal(seen.exe, helperPath, 'the hook must run before the exec');
      assert.notEqual(seen.user, statSync('/proc/self/ns/user').ino, 'the new user namespace existed at the hook');
      const [link, text, net] = r.out.trim().split('\n');
      assert.match(link, /<[^>]*\bUP\b[^>]*>/, `lo was brought up by the hook before the command ran: ${link}`);
      assert.equal(text, 'written before exec');
      assert.equal(net, seen.net, 'the hook saw the namespace the command runs in');
    } finally {
      tmp.remove();
    }
  });

  test("an error from the hook is spawn's error, and the command never runs: no process left, pins undone, the pid file empty", async () => {
    const tmp = tempDir('linuxns-gate-');
    try {
      const marker = join(tmp.dir, 'ran');
      const pin = join(tmp.dir, 'net-pin');
      const pidFile = join(tmp.dir, 'pid');
      const refusal = { kind: 'invalid-option', option: 'network', message: 'refused by the test' };
      let pid;
      const e = errorOf(
        await spawn('touch', [marker], {
          create: ['net', 'pid'],
          pin: { net: pin },
          pidFile,
          beforeExec: (p) => {
            pid = p;
            assert.deepEqual(mountPointsUnder(pin), [pin], 'the pin exists while the command waits');
            return err(refusal);
          },
        }),
        'invalid-option',
      );
      assert.deepEqual(e, refusal);
      assert.equal(existsSync(marker), false, 'the command ran');
      assert.equal(alive(pid), false, 'the process that waited is gone');
      assert.deepEqual(mountPointsUnder(pin), [], 'the pin was undone');
      assert.equal(existsSync(pin), false, 'the pin file the helper made was removed');
      assert.equal(readFileSync(pidFile, 'utf8'), '', 'the pid file names no running command');
    } finally {
      tmp.remove();
    }
  });

  test('a hook that throws or rejects gives task-failed, one that returns no Result invalid-option; a hook that is no function is a TypeError', async () => {
    const tmp = tempDir('linuxns-gate-');
    try {
      const marker = join(tmp.dir, 'ran');
      const thrown = errorOf(await spawn('touch', [marker], { create: ['uts'], beforeExec: () => { throw new RangeError('thrown by the hook'); } }), 'task-failed');
      assert.equal(thrown.name, 'RangeError');
      assert.equal(thrown.message, 'thrown by the hook');
      const rejected = errorOf(await spawn('touch', [marker], { create: ['uts'], beforeExec: async () => { throw new Error('rejected'); } }), 'task-failed');
      assert.equal(rejected.message, 'rejected');
      const notResult = errorOf(await spawn('touch', [marker], { create: ['uts'], beforeExec: () => true }), 'invalid-option');
      assert.equal(notResult.option, 'beforeExec');
      assert.equal(existsSync(marker), false, 'the command ran');
      assert.throws(() => spawn('true', [], { beforeExec: 'yes' }), TypeError);
    } finally {
      tmp.remove();
    }
  });

  test('a setup failure before the gate never calls the hook; one after it (exec) is reported as usual', async () => {
    let called = 0;
    const hook = () => {
      called++;
      return ok(undefined);
    };
    const early = errorOf(await spawn('true', [], { create: ['mnt'], cwd: '/no/such/dir', beforeExec: hook }), 'spawn-setup-failed');
    assert.equal(early.step, 'cwd');
    assert.equal(called, 0);
    const late = errorOf(await spawn('/no/such/command', [], { create: ['uts'], beforeExec: hook }), 'spawn-setup-failed');
    assert.equal(late.step, 'exec');
    assert.equal(called, 1);
  });

  test('a direct-path request (a net join only) goes through the helper with a hook, and 50 gated spawns leave no fd or child behind', async () => {
    const before = processCounts();
    let calls = 0;
    for (let i = 0; i < 50; i++) {
      const ok_ = i % 2 === 0;
      const r = await spawn('true', [], { join: { net: '/proc/self/ns/net' }, beforeExec: () => (calls++, ok_ ? ok(undefined) : err({ kind: 'invalid-option', option: 'x', message: 'no' })) });
      if (ok_) assert.deepEqual(await unwrap(r).exited, { code: 0, signal: null });
      else errorOf(r, 'invalid-option');
    }
    assert.equal(calls, 50, 'the direct path has no gate: every spawn must have gone through the helper');
    assert.equal(processCounts().fds, before.fds);
    const kids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
      } catch {
        return false;
      }
    });
    assert.deepEqual(kids, []);
  });
});
