// spawn's seccomp option: the OCI profile compiled by compileSeccomp, installed by the helper in the
// command's process, and what the kernel answers inside: podman's default profile in force (a call it
// denies fails with its errno, one it allows works, an argument rule), SCMP_ACT_KILL, the architectures
// list (an i386 call on x86-64), and where the filter goes in the setup (runc's order).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from 'neverthrow';
import { spawn, validateSpawnOptions } from '../dist/index.js';
import { errorOf, unwrap } from './fixtures/ns-helpers.js';
import { ociSkip, useScratch } from './fixtures/oci-probe.js';
import { assertNothingLeft, run, sh, snapshot } from './fixtures/spawn-helpers.js';

const PODMAN = JSON.parse(readFileSync(new URL('./fixtures/podman-4.3-seccomp.json', import.meta.url), 'utf8'));
/** x86-64 and arm64 numbers of the calls made raw. */
const NR = { x64: { add_key: 248, vhangup: 153, getppid: 110 }, arm64: { add_key: 217, vhangup: 58, getppid: 173 } }[process.arch];
const DENY_MKDIR = (action, errnoRet) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action, ...(errnoRet ? { errnoRet } : {}) }] });

const skip = ociSkip();
const scratch = useScratch(before, after);

describe('seccomp in force inside the command', { skip }, () => {
  test("podman's default profile, as podman gives it (without noNewPrivileges): denied calls get its errnos, allowed ones work", async () => {
    const probe = (what) => `${scratch.probe} ${what}`;
    for (const noNewPrivileges of [false, true]) {
      const r = await sh(
        [`grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status`, probe(`syscall ${NR.vhangup}`), probe(`syscall ${NR.add_key}`), probe(`syscall ${NR.getppid}`),
          probe('personality-set 8'), probe('personality-set 0x40000'), 'mkdir /tmp/linuxns-seccomp-$$ && rmdir /tmp/linuxns-seccomp-$$ && echo mkdir-ok'].join('; '),
        { seccomp: PODMAN, noNewPrivileges },
      );
      assert.equal(r.code, 0, r.err);
      const [nnp, mode, vhangup, addKey, getppid, linux32, noRandomize, mkdir] = r.out.trim().split('\n');
      assert.match(mode, /Seccomp:\s+2/);
      assert.match(nnp, new RegExp(`NoNewPrivs:\\s+${noNewPrivileges ? 1 : 0}`));
      assert.equal(vhangup, 'errno 1', 'listed with SCMP_ACT_ERRNO and errnoRet 1');
      assert.equal(addKey, 'errno 38', 'not listed: the default action, errno 38');
      assert.equal(getppid, 'ok');
      // personality is allowed for some arguments only (one rule per value).
      assert.equal(linux32, 'ok');
      assert.equal(noRandomize, 'errno 38');
      assert.equal(mkdir, 'mkdir-ok');
    }
  });

  test('an errnoRet rule: mkdir fails with EACCES inside, works outside', async () => {
    const r = await run('mkdir', [`${scratch.base}/denied`], { seccomp: DENY_MKDIR('SCMP_ACT_ERRNO', 13), noNewPrivileges: true });
    assert.equal(r.code, 1);
    assert.match(r.err, /Permission denied/);
  });

  test('SCMP_ACT_KILL kills the command with SIGSYS (and SCMP_ACT_KILL_PROCESS too)', async () => {
    for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS']) {
      const r = await run('mkdir', [`${scratch.base}/killed`], { seccomp: DENY_MKDIR(action), noNewPrivileges: true });
      assert.deepEqual([r.code, r.signal], [null, 'SIGSYS'], action);
    }
  });

  test('architectures: an i386 call (int 0x80) is killed by a native-only filter, filtered by its rules with SCMP_ARCH_X86', { skip: process.arch !== 'x64' && 'the i386 entry exists on x86-64 only' }, async () => {
    const plain = await run(scratch.probe, ['int80', '20']); // i386 getpid, no filter
    if (plain.out.trim() !== 'ok') return; // a kernel without IA32 emulation: nothing to compare
    const profile = (architectures) => ({ defaultAction: 'SCMP_ACT_ALLOW', architectures, syscalls: [{ names: ['getpid'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] });
    const native = await run(scratch.probe, ['int80', '20'], { seccomp: profile(['SCMP_ARCH_X86_64']), noNewPrivileges: true });
    assert.equal(native.signal, 'SIGSYS', 'an architecture the filter does not know: killed');
    const both = await run(scratch.probe, ['int80', '20'], { seccomp: profile(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']), noNewPrivileges: true });
    assert.equal(both.out.trim(), 'errno 1', "i386's getpid meets the getpid rule");
    const other = await run(scratch.probe, ['int80', '64'], { seccomp: profile(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']), noNewPrivileges: true });
    assert.equal(other.out.trim(), 'ok', "i386's getppid is allowed");
  });
});

describe('where the filter goes: runc\'s order', { skip }, () => {
  const DENY_IDS = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['setresuid', 'setresgid', 'setgroups', 'setresuid32', 'setresgid32', 'setgroups32'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };

  test('without noNewPrivileges it is installed before the ids change (it needs CAP_SYS_ADMIN): the id change runs under it', async () => {
    const before = snapshot();
    const e = errorOf(await spawn('id', [], { seccomp: DENY_IDS, user: { uid: 1000, gid: 1000 } }), 'spawn-setup-failed');
    assert.deepEqual([e.step, e.syscall, e.code], ['ids', 'setresgid', 'EPERM']);
    await assertNothingLeft(before, 'a filter that denies the id change');
  });

  test('with noNewPrivileges it is the last step, after the ids and after beforeExec\'s gate', async () => {
    let atGate;
    const r = await run('sh', ['-c', 'id -u; grep Seccomp: /proc/self/status'], {
      seccomp: DENY_IDS, noNewPrivileges: true, user: { uid: 1000, gid: 1000 },
      beforeExec: (pid) => {
        atGate = /Seccomp:\s+(\d)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
        return ok(undefined);
      },
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^1000\nSeccomp:\s+2\n$/);
    assert.equal(atGate, '0', 'no filter yet while the command waits at its gate');
    // Without noNewPrivileges, the filter is there by the time the gate opens.
    let early;
    await run('true', [], { seccomp: DENY_MKDIR('SCMP_ACT_ERRNO', 1), beforeExec: (pid) => ((early = /Seccomp:\s+(\d)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]), ok(undefined)) });
    assert.equal(early, '2');
  });
});

describe('seccomp with detach (an OCI runtime\'s create)', { skip }, () => {
  test('with noNewPrivileges the filter is in force before the gate, as runc\'s create has it, so that a failure is still reported', async () => {
    const fifo = join(scratch.base, 'gate');
    execFileSync('mkfifo', ['-m', '0600', fifo]);
    const gate = openSync(fifo, constants.O_RDWR);
    const pidFile = join(scratch.base, 'pid');
    let pid;
    try {
      const child = unwrap(await spawn('true', [], { create: ['pid'], pidFile, gateFd: gate, detach: true, noNewPrivileges: true, seccomp: DENY_MKDIR('SCMP_ACT_ERRNO', 1), stdio: 'ignore' }));
      pid = child.pid;
      await child.exited; // the helper is gone; the command waits at the FIFO
      assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /Seccomp:\s+2\n/);
      // A filter the kernel refuses (a flag it takes only with a listener) is spawn-setup-failed at create.
      const e = errorOf(await spawn('true', [], { create: ['pid'], pidFile, gateFd: gate, detach: true, noNewPrivileges: true, stdio: 'ignore',
        seccomp: { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] } }), 'spawn-setup-failed');
      assert.deepEqual([e.step, e.syscall, e.code], ['seccomp', 'seccomp', 'EINVAL']);
    } finally {
      closeSync(gate);
      if (pid) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('a seccomp profile that does not compile is invalid-option naming its field, and nothing runs', { skip }, () => {
  const cases = [
    [{ defaultAction: 'SCMP_ACT_NOPE' }, 'seccomp.defaultAction'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_PDP11'] }, 'seccomp.architectures[0]'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, 'seccomp.syscalls[0].action'],
    [{ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/seccomp.sock' }, 'seccomp.listenerPath'],
    [null, 'seccomp'],
  ];
  for (const [profile, option] of cases) {
    test(option, async () => {
      const before = snapshot();
      const e = errorOf(await spawn('true', [], { seccomp: profile }), 'invalid-option');
      assert.equal(e.option, option);
      assert.equal(validateSpawnOptions({ seccomp: profile }).error?.option, option);
      await assertNothingLeft(before, option);
    });
  }
});
