// compileSeccomp: OCI profiles compiled by libseccomp, checked by installing the program in a
// child process (seccomp filters need no privilege once no_new_privs is set) and watching the
// kernel answer. Needs no root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { compileSeccomp } from '../dist/seccomp/compile.js';

const PODMAN = JSON.parse(readFileSync(new URL('./fixtures/podman-4.3-seccomp.json', import.meta.url), 'utf8'));
const INSTALL = new URL('./fixtures/install-seccomp.js', import.meta.url).pathname;

/** Runs `script` (a shell command line) in a child that installed `program` first; its status and output. */
function underFilter(program, script) {
  const r = spawnSync(process.execPath, [INSTALL, Buffer.from(program.filter).toString('base64'), String(program.flags), 'exec', 'sh', '-c', script], { encoding: 'utf8' });
  return { status: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** Raw system calls (by number, no arguments) made under `program`: { name: 'ok' | errno }. */
function callsUnder(program, calls) {
  const r = spawnSync(process.execPath, [INSTALL, Buffer.from(program.filter).toString('base64'), String(program.flags), 'syscall', ...Object.entries(calls).flat().map(String)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(' ')).map(([n, what, e]) => [n, what === 'ok' ? 'ok' : Number(e)]));
}

/** x86-64 and arm64 numbers of the calls the tests make raw. */
const NR = { x64: { add_key: 248, vhangup: 153, getppid: 110 }, arm64: { add_key: 217, vhangup: 58, getppid: 173 } }[process.arch];

const ok = (r) => {
  assert.ok(r.isOk(), r.isErr() ? `${r.error.kind}: ${r.error.message}` : '');
  return r.value;
};

describe('compileSeccomp', () => {
  test("podman's default profile compiles, and in force it denies what it denies (with its errno), gives its default errno to what it does not list, and allows the rest", () => {
    const p = ok(compileSeccomp(PODMAN));
    assert.equal(p.filter.length % 8, 0);
    assert.ok(p.filter.length / 8 > 100, `${p.filter.length / 8} instructions`);
    // vhangup: listed with ERRNO 1 (EPERM); add_key: not listed, the default ERRNO 38 (ENOSYS); getppid allowed.
    assert.deepEqual(callsUnder(p, { vhangup: NR.vhangup, add_key: NR.add_key, getppid: NR.getppid }), { vhangup: 1, add_key: 38, getppid: 'ok' });
    const r = underFilter(p, 'mkdir -p /tmp/linuxns-seccomp-probe-$$ && rmdir /tmp/linuxns-seccomp-probe-$$ && echo mkdir-ok');
    assert.equal(r.out, 'mkdir-ok', r.err);
    // Without the filter the same calls answer otherwise: the errnos above are the filter's.
    assert.deepEqual(callsUnder(ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW' })), { add_key: NR.add_key }), { add_key: 14 /* EFAULT: a null type */ });
  });

  test('an ERRNO rule gives its errnoRet; the same profile compiled twice gives the same program', () => {
    const profile = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    const a = ok(compileSeccomp(profile));
    const b = ok(compileSeccomp(structuredClone(profile)));
    assert.deepEqual(Buffer.from(a.filter), Buffer.from(b.filter));
    assert.notEqual(a.filter, b.filter, 'each caller gets bytes of its own');
    const r = underFilter(a, 'mkdir /tmp/linuxns-seccomp-x-$$ 2>&1; echo "status $?"');
    assert.match(r.out, /Permission denied/);
  });

  test('args: comparisons on different arguments are ANDed, several on one argument ORed (runc)', () => {
    // personality(2) through python-free means: `setarch` calls personality(PER_LINUX32 = 8) then execs.
    const p = ok(compileSeccomp({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 0, value: 0x20008, op: 'SCMP_CMP_EQ' }] },
      ],
    }));
    const r = underFilter(p, 'setarch linux32 true 2>&1; echo "linux32 $?"; setarch x86_64 true 2>&1; echo "x86_64 $?"');
    assert.match(r.out, /linux32 [1-9]/, r.out);
    assert.match(r.out, /x86_64 0/, r.out);
  });

  test('SCMP_ACT_KILL_PROCESS kills the process with SIGSYS', () => {
    const p = ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_KILL_PROCESS' }] }));
    const r = underFilter(p, 'exec mkdir /tmp/linuxns-seccomp-kill-$$');
    assert.equal(r.signal, 'SIGSYS', JSON.stringify(r));
  });

  test('architectures: each listed ABI gets its own checks in the program (x86: AUDIT_ARCH_I386)', () => {
    const has = (p, k) => {
      for (let i = 0; i + 8 <= p.filter.length; i += 8) if (Buffer.from(p.filter).readUInt32LE(i + 4) === k) return true;
      return false;
    };
    const rule = [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }];
    const I386 = 0x40000003;
    assert.equal(has(ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], syscalls: rule })), I386), true);
    assert.equal(has(ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: rule })), I386), process.arch === 'ia32');
  });

  test('unknown syscall names are skipped and listed, as runc skips them; a rule with the default action is dropped', () => {
    const p = ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_syscall_linuxns', 'mkdir'], action: 'SCMP_ACT_ERRNO' }, { names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    assert.deepEqual(p.skipped, ['no_such_syscall_linuxns']);
    const q = ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] }));
    const none = ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] }));
    assert.deepEqual(Buffer.from(q.filter), Buffer.from(none.filter));
  });

  test('flags map to seccomp(2) flag bits', () => {
    assert.equal(ok(compileSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC'] })).flags, 7);
  });

  test('every field with a wrong type or value is invalid-option naming it; SCMP_ACT_NOTIFY and listenerPath are refused clearly', () => {
    const cases = [
      [{ defaultAction: 'SCMP_ACT_NOPE' }, 'seccomp.defaultAction'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 }, 'seccomp.defaultErrnoRet'],
      [{ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: -1 }, 'seccomp.defaultErrnoRet'],
      [{ defaultAction: 'SCMP_ACT_NOTIFY' }, 'seccomp.defaultAction'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/l.sock' }, 'seccomp.listenerPath'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NOPE'] }, 'seccomp.flags[0]'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', flags: 'x' }, 'seccomp.flags'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_PDP11'] }, 'seccomp.architectures[0]'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: {} }, 'seccomp.syscalls'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, 'seccomp.syscalls[0].names'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, 'seccomp.syscalls[0].action'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, 'seccomp.syscalls[0].args[0].index'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, 'seccomp.syscalls[0].args[0].value'],
      [{ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] }] }, 'seccomp.syscalls[0].args[0].op'],
    ];
    for (const [profile, option] of cases) {
      const r = compileSeccomp(profile);
      assert.ok(r.isErr(), JSON.stringify(profile));
      assert.equal(r.error.kind, 'invalid-option', JSON.stringify(profile));
      assert.equal(r.error.option, option, JSON.stringify(profile));
      assert.ok(r.error.message.includes(option), r.error.message);
    }
  });
});
