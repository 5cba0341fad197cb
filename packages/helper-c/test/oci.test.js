// linuxns-helper's OCI process and rootfs options as a black box (request-oci.h): --oom-score-adj, --ioprio,
// --umask, --personality, --scheduler, --sysctl, --seccomp (a program on an fd), --device and
// --dev-symlinks, the cgroup --mount on v1 and v2, the nine-field --mount, --propagation as a mask,
// --apparmor without AppArmor: what the program saw, ERR lines after PID, ERR parse for what is
// malformed. Run against the release build and the AddressSanitizer/UBSan build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { helperPath, sanitizedHelperPath } from '../index.js';
import { buildSanitized, rootfsSkip, runHelper, useRootfs } from './fixtures/run-helper.js';

const skip = rootfsSkip;
const fs = useRootfs(before, after, 'linuxns-helper-oci-', ['sh', 'cat', 'ls', 'grep', 'mkdir', 'awk', 'ionice', 'uname', 'readlink', 'cut', 'true']);

const NS = ['--create=mnt', '--create=pid', '--create=uts'];
const ENV = ['--env-clear', '--env=PATH=/bin'];
const USER = ['--create=user', '--uid-map=0:400000:65536', '--gid-map=0:400000:65536', '--userns-root'];

/**
 * A classic BPF program (struct sock_filter, 8 bytes each): a foreign architecture is killed, mkdir and
 * mkdirat get ERRNO(13), the rest is allowed.
 */
function denyMkdir() {
  const { arch, mkdir, mkdirat } = { x64: { arch: 0xc000003e, mkdir: 83, mkdirat: 258 }, arm64: { arch: 0xc00000b7, mkdir: 34, mkdirat: 34 } }[process.arch];
  const LD_ABS = 0x20;
  const JEQ = 0x15;
  const RET = 0x06;
  const insns = [
    [LD_ABS, 0, 0, 4], // seccomp_data.arch
    [JEQ, 1, 0, arch],
    [RET, 0, 0, 0x80000000], // SECCOMP_RET_KILL_PROCESS
    [LD_ABS, 0, 0, 0], // seccomp_data.nr
    [JEQ, 2, 0, mkdir],
    [JEQ, 1, 0, mkdirat],
    [RET, 0, 0, 0x7fff0000], // SECCOMP_RET_ALLOW
    [RET, 0, 0, 0x00050000 | 13], // SECCOMP_RET_ERRNO | EACCES
  ];
  const b = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b.writeUInt8(jt, i * 8 + 2);
    b.writeUInt8(jf, i * 8 + 3);
    b.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return b;
}

function cases(label, binOf) {
  describe(label, () => {
    const MALFORMED = [
      ['an --oom-score-adj past 1000', ['--oom-score-adj=1001']],
      ['a --umask past 777', ['--umask=1000']],
      ['a --umask that is not octal', ['--umask=9']],
      ['a --personality that is not hex', ['--personality=zz']],
      ['a --scheduler of six fields', ['--scheduler=1:0:0:0:0:0']],
      ['a --scheduler policy past 7', ['--scheduler=9:0:0:0:0:0:0']],
      ['a --scheduler nice past 19', ['--scheduler=0:0:20:0:0:0:0']],
      ['an --ioprio past 16 bits', ['--ioprio=70000']],
      ['a --sysctl with a .. part', ['--sysctl=net/../kernel/x=1']],
      ['a --sysctl with an absolute path', ['--sysctl=/net/ipv4/ip_forward=1']],
      ['a --sysctl without =', ['--sysctl=net/ipv4/ip_forward']],
      ['a --seccomp on the status channel', ['--seccomp=3:0']],
      ['a --seccomp without flags', ['--seccomp=4']],
      ['a --device without --rootfs', ['--create=mnt', '--device=c:1:3:666:0:0:/dev/x']],
      ['--dev-symlinks without --rootfs', ['--create=mnt', '--dev-symlinks']],
      ['a --device of an unknown type', ['--create=mnt', '--rootfs=/x', '--device=x:1:3:666:0:0:/dev/x']],
      ['a --device mode that is not octal', ['--create=mnt', '--rootfs=/x', '--device=c:1:3:999:0:0:/dev/x']],
      ['a --device with a relative path', ['--create=mnt', '--rootfs=/x', '--device=c:1:3:666:0:0:dev/x']],
      ['a --mount of six fields', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t::0']],
      ['a --mount propagation that is no type', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t::0:1:0:0']],
      ['a --mount with five propagation changes', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t::0:40000,40000,40000,40000,40000:0:0']],
      ['a --mount FLAGS with two propagation types', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:c0000:tmpfs:/t:']],
      ['a --mount EXT with an unknown bit', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t::0::0:0:2']],
      ['a --mount of eleven fields', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t::0::0:0:1:0']],
      ['a --propagation mask of two types', ['--create=mnt', '--propagation=c0000']],
    ];
    for (const [what, opts] of MALFORMED) {
      test(`${what} gives ERR parse and runs nothing`, async () => {
        const r = await runHelper(binOf(), ['--status-fd=3', ...opts, '--', 'true']);
        assert.match(r.status, /^ERR parse [^\n]+ 22\n$/);
        assert.equal(r.code, 124);
      });
    }

    test('--oom-score-adj, --umask, --personality, --ioprio, --scheduler: what the program sees of itself', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--oom-score-adj=200', '--umask=27', '--personality=8', `--ioprio=${(2 << 13) | 3}`, '--scheduler=3:0:5:0:0:0:0',
        '--', 'sh', '-c', "grep Umask /proc/self/status; cat /proc/self/oom_score_adj /proc/self/personality; ionice; awk '{ print $19, $41 }' /proc/self/stat"]);
      assert.equal(r.code, 0, r.status + r.stderr);
      assert.deepEqual(r.stdout.trim().split('\n'), ['Umask:\t0027', '200', '00000008', 'best-effort: prio 3', '5 3']);
    });

    test('--sysctl is written in the new namespace; a key the kernel lacks is ERR sysctl after PID', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--create=net', '--create=ipc', '--sysctl=net/ipv4/ip_forward=1', '--sysctl=kernel/shmmni=77', '--', 'cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmni']);
      assert.equal(r.code, 0, r.status);
      assert.equal(r.stdout, '1\n77\n');
      const bad = await runHelper(binOf(), ['--status-fd=3', '--create=net', '--sysctl=net/ipv4/linuxns_no_such=1', '--', 'true']);
      assert.match(bad.status, /^PID \d+\nERR sysctl open 2\n$/);
      assert.equal(bad.code, 125);
    });

    test('--seccomp: the program read from its fd is in force in the program, with or without --no-new-privs', async () => {
      for (const nnp of [['--no-new-privs'], []]) {
        const r = await runHelper(binOf(), ['--status-fd=3', '--seccomp=4:0', ...nnp, '--', 'sh', '-c', `grep '^Seccomp:' /proc/self/status; mkdir ${fs.scratch}/denied-$$ 2>&1 || echo denied`], { input: denyMkdir() });
        assert.equal(r.code, 0, r.status + r.stderr);
        assert.match(r.stdout, /^Seccomp:\s+2\n.*Permission denied\ndenied\n$/s, nnp.join());
      }
    });

    test('--seccomp: an empty or cut program, one too long, and one the kernel refuses are ERR seccomp', async () => {
      const empty = await runHelper(binOf(), ['--status-fd=3', '--seccomp=4:0', '--', 'true'], { input: Buffer.alloc(0) });
      assert.match(empty.status, /^ERR seccomp read 22\n$/, 'read first thing: before PID');
      assert.equal(empty.code, 125);
      const cut = await runHelper(binOf(), ['--status-fd=3', '--seccomp=4:0', '--', 'true'], { input: denyMkdir().subarray(0, 13) });
      assert.match(cut.status, /^ERR seccomp read 22\n$/);
      const long = await runHelper(binOf(), ['--status-fd=3', '--seccomp=4:0', '--', 'true'], { input: Buffer.alloc(32768 + 8) });
      assert.match(long.status, /^ERR seccomp read 7\n$/, 'E2BIG: past 4096 instructions');
      // A program without a return: the kernel refuses it at install, the last step.
      const refused = await runHelper(binOf(), ['--status-fd=3', '--seccomp=4:0', '--no-new-privs', '--', 'true'], { input: denyMkdir().subarray(0, 8) });
      assert.match(refused.status, /^PID \d+\nERR seccomp seccomp 22\n$/);
    });

    test('--device and --dev-symlinks: mknod outside a user namespace, the caller\'s node bound inside one', async () => {
      const script = "ls -ln /dev | awk 'NF > 5 { print $1, $5, $6, $NF }'; readlink /dev/ptmx; grep -c ' /dev/null ' /proc/self/mountinfo; true";
      const devs = ['--device=c:1:3:666:0:0:/dev/null', '--device=p:0:0:600:0:0:/dev/sub/fifo', '--dev-symlinks'];
      const r = await runHelper(binOf(), ['--status-fd=3', ...NS, `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount=tmpfs:2:tmpfs:/dev:mode=755', ...devs, ...ENV, '--', 'sh', '-c', script]);
      assert.equal(r.code, 0, r.status + r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.ok(lines.includes('crw-rw-rw- 1, 3 null'), r.stdout);
      assert.deepEqual(lines.slice(-2), ['pts/ptmx', '0']);
      // In a user namespace every node is the caller's at its path, bound (a FIFO too, as runc does): /dev/null only.
      const u = await runHelper(binOf(), ['--status-fd=3', ...USER, ...NS, `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount=tmpfs:2:tmpfs:/dev:mode=755', devs[0], devs[2], ...ENV, '--', 'sh', '-c', script]);
      assert.equal(u.code, 0, u.status + u.stderr);
      assert.equal(u.stdout.trim().split('\n').at(-1), '1', 'bound from the caller');
    });

    test('the cgroup --mount on cgroup v1: a tmpfs with a read-only mount per hierarchy, bound or (cgroup namespace) mounted', { skip: existsSync('/sys/fs/cgroup/cgroup.controllers') && 'cgroup v2 host' }, async () => {
      const script = "grep ' /sys/fs/cgroup' /proc/self/mountinfo | cut -d' ' -f5,6 | cut -d, -f1";
      for (const extra of [[], ['--create=cgroup']]) {
        const r = await runHelper(binOf(), ['--status-fd=3', ...NS, ...extra, `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-sys', '--mount=cgroup:20000f:cgroup:/sys/fs/cgroup:', ...ENV, '--', 'sh', '-c', script]);
        assert.equal(r.code, 0, r.status + r.stderr);
        const [tmpfs, ...hierarchies] = r.stdout.trim().split('\n');
        assert.equal(tmpfs, '/sys/fs/cgroup rw');
        assert.ok(hierarchies.length > 0 && hierarchies.every((h) => / ro$/.test(h)), r.stdout);
      }
    });

    test('the cgroup --mount on a cgroup v2 host: cgroup2, or /sys/fs/cgroup bound in a user namespace without a cgroup namespace', { skip: !existsSync('/usr/bin/unshare') && 'needs unshare' }, async () => {
      // A v2 host in a mount namespace of its own: cgroup2 on /sys/fs/cgroup.
      const wrap = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"', 'sh'];
      const script = "grep ' /sys/fs/cgroup ' /proc/self/mountinfo | awk '{ for (i = 7; $i != \"-\"; i++); print $4, $6, $(i + 1) }'";
      const r = await runHelper(binOf(), ['--status-fd=3', ...NS, '--create=cgroup', `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-sys', '--mount=cgroup:1:cgroup:/sys/fs/cgroup:', ...ENV, '--', 'sh', '-c', script], { wrap });
      assert.equal(r.code, 0, r.status + r.stderr);
      assert.match(r.stdout, /^\/ ro[,\w]* cgroup2\n$/);
      const u = await runHelper(binOf(), ['--status-fd=3', ...USER, ...NS, `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-sys', '--mount=cgroup:1:cgroup:/sys/fs/cgroup:', ...ENV, '--', 'sh', '-c', `${script} | tail -1`], { wrap });
      assert.equal(u.code, 0, u.status + u.stderr);
      assert.match(u.stdout, /^\/ ro[,\w]* cgroup2\n$/, 'the caller\'s, bound read-only');
    });

    test('a nine-field --mount: cleared flags, propagation changes in order, recursive attributes; --propagation as a mask', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', ...NS, '--propagation=84000', `--rootfs=${fs.rootfs}`, '--mount-proc',
        `--mount=:5000:${fs.scratch}:/mnt/tree::1:40000,84000:8:0`, '--mount=tmpfs:1:tmpfs:/tmp:mode=700::40000:0:0', ...ENV, '--', 'sh', '-c',
        "grep -E ' /(mnt/tree|tmp) ' /proc/self/mountinfo | cut -d' ' -f5,6,7; ls -ld /tmp | cut -c1-10"]);
      assert.equal(r.code, 0, r.status + r.stderr);
      const [tree, tmp, mode] = r.stdout.trim().split('\n');
      assert.match(tree, /^\/mnt\/tree rw,noexec,\S+ -?/, 'rw (cleared), noexec from the recursive set');
      assert.match(tmp, /^\/tmp ro,/, 'a read-only tmpfs, once filled');
      assert.equal(mode, 'drwxrwxrwt', 'the tmpfs takes the mode of the /tmp it covers (runc 1.1)');
    });

    test('--apparmor without AppArmor: the kernel refuses the exec attribute, ERR lsm after PID', { skip: existsSync('/sys/kernel/security/apparmor') && 'AppArmor is enabled here' }, async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--apparmor=unconfined', '--', 'true']);
      assert.match(r.status, /^PID \d+\nERR lsm write (22|2)\n$/);
      assert.equal(r.code, 125);
    });
  });
}

describe('linuxns-helper OCI options', { skip }, () => {
  cases('release build', () => helperPath);
  describe('under AddressSanitizer and UBSan', () => {
    before(buildSanitized);
    cases('the same cases', () => sanitizedHelperPath);
  });
});
