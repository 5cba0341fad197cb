// linuxns-helper's container options as a black box (request-oci.h, "Root
// filesystem", --cgroup, --pid-file, --userns-root): argv in, the status
// channel, and what the program saw. Run against the release build and the
// AddressSanitizer/UBSan build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { helperPath, sanitizedHelperPath } from '../index.js';
import { buildSanitized, rootfsSkip, runHelper, useRootfs, SANITIZER_REPORT } from './fixtures/run-helper.js';

const skip = rootfsSkip;
const fs = useRootfs(before, after, 'linuxns-helper-rootfs-');

const NS = ['--create=mnt', '--create=pid', '--create=uts'];
const ENV = ['--env-clear', '--env=PATH=/bin'];

function cases(label, binOf) {
  describe(label, () => {
    const MALFORMED = [
      ['--rootfs without --create=mnt', ['--rootfs=/x']],
      ['a relative --rootfs', ['--create=mnt', '--rootfs=x']],
      ['--rootfs with --root', ['--create=mnt', '--rootfs=/x', '--root=/y']],
      ['--mount-dev without --rootfs', ['--create=mnt', '--mount-dev']],
      ['--rootfs-overlay without --rootfs', ['--create=mnt', '--rootfs-overlay=0']],
      ['a --rootfs-overlay size that is no number', ['--create=mnt', '--rootfs=/x', '--rootfs-overlay=big']],
      ['a --mount with four fields', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t']],
      ['a --mount with a bad escape', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:0:tmpfs:/t%zz:']],
      ['a --mount bind of a relative source', ['--create=mnt', '--rootfs=/x', '--mount=:1000:etc:/t:']],
      ['a --mount whose flags are not hex', ['--create=mnt', '--rootfs=/x', '--mount=tmpfs:zz:tmpfs:/t:']],
      ['--mask without --create=mnt', ['--mask=/proc/kcore']],
      ['a relative --readonly-path', ['--create=mnt', '--readonly-path=proc/sys']],
      ['a relative --cgroup', ['--cgroup=cgroup.procs']],
      ['a relative --pid-file', ['--pid-file=pid']],
      ['--userns-root without --create=user', ['--userns-root']],
      // The overlay's options (upperdir=DIR/upper,workdir=DIR/work) are not escaped.
      ['a --rootfs-overlay DIR with a comma', ['--create=mnt', '--rootfs=/x,lowerdir=/', '--rootfs-overlay=0']],
      ['a --rootfs-overlay DIR with a colon', ['--create=mnt', '--rootfs-overlay=0', '--rootfs=/x:y']],
      ['a --rootfs-overlay DIR with a backslash', ['--create=mnt', '--rootfs=/x\\,y', '--rootfs-overlay=0']],
      ['a --rootfs-overlay DIR with a space', ['--create=mnt', '--rootfs=/x y', '--rootfs-overlay=0']],
      ['a --rootfs-overlay DIR with a newline', ['--create=mnt', '--rootfs=/x\ny', '--rootfs-overlay=0']],
    ];
    for (const [what, opts] of MALFORMED) {
      test(`${what} gives ERR parse and runs nothing`, async () => {
        const m = join(fs.scratch, `never-${Math.random()}`);
        const r = await runHelper(binOf(), ['--status-fd=3', ...opts, '--', 'touch', m]);
        assert.match(r.status, /^ERR parse [^\n]+ 22\n$/);
        assert.equal(r.code, 124);
        assert.equal(existsSync(m), false);
      });
    }

    test('--rootfs with /proc, /dev, /sys, a mount, masks and read-only paths: pivot_root into the tree, all in place', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', ...NS, '--hostname=rootfs-box', `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-dev', '--mount-sys',
        '--mount=tmpfs:2:tmpfs:/tmp/a%3Ab:size=65536', '--mask=/proc/kcore', '--mask=/proc/acpi', '--readonly-path=/proc/sys', '--rootfs-readonly', ...ENV, '--',
        'sh', '-c', 'cat /etc/marker; hostname; echo $$; ls /dev | tr "\\n" " "; echo; grep -E " /(sys|tmp/a:b|proc/sys|proc/acpi) " /proc/mounts | cut -d" " -f1-4; touch /x 2>/dev/null || echo ro; ls /proc/acpi | wc -l']);
      assert.match(r.status, /^PID \d+\n$/);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.deepEqual(lines.slice(0, 3), ['inside', 'rootfs-box', '1']);
      for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'fd', 'stdin', 'stdout', 'stderr', 'pts', 'shm']) assert.ok(lines[3].split(' ').includes(d), `/dev/${d} missing: ${lines[3]}`);
      assert.ok(lines.some((l) => /^sysfs \/sys sysfs ro,nosuid,nodev,noexec/.test(l)), r.stdout);
      assert.ok(lines.some((l) => /^tmpfs \/tmp\/a:b tmpfs rw,nosuid/.test(l)), r.stdout);
      assert.ok(lines.some((l) => /^proc \/proc\/sys proc ro,/.test(l)), r.stdout);
      assert.ok(lines.includes('ro'));
      assert.equal(lines.at(-1), '0', '/proc/acpi is an empty tmpfs');
      assert.equal(existsSync(join(fs.rootfs, 'x')), false);
    });

    test('--rootfs-overlay in a new user namespace with --userns-root: writes inside, the tree untouched', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--create=user', '--uid-map=0:400000:65536', '--gid-map=0:400000:65536', '--userns-root', ...NS,
        `--rootfs=${fs.rootfs}`, '--rootfs-overlay=1048576', '--mount-proc', ...ENV, '--', 'sh', '-c', 'echo new > /tmp/new; cat /tmp/new; id -u; grep " / " /proc/mounts | cut -d" " -f3']);
      assert.equal(r.code, 0, `${r.status} ${r.stderr}`);
      assert.deepEqual(r.stdout.trim().split('\n'), ['new', '0', 'overlay']);
      assert.equal(existsSync(join(fs.rootfs, 'tmp', 'new')), false);
    });

    test('a --mount target that does not exist is created inside the rootfs; a symlink pointing out stays inside', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', ...NS, `--rootfs=${fs.rootfs}`, '--rootfs-overlay=0', '--mount=:1000:/etc/hostname:/deep/dir/hostname:', ...ENV, '--', 'cat', '/deep/dir/hostname']);
      assert.equal(r.code, 0, r.status);
      assert.equal(r.stdout, readFileSync('/etc/hostname', 'utf8'));
      assert.equal(existsSync(join(fs.rootfs, 'deep')), false, 'the overlay took the new directory');
    });

    test('a failing mount step reports ERR after PID and leaves no mount in the caller', async () => {
      const before = readFileSync('/proc/self/mountinfo', 'utf8');
      const r = await runHelper(binOf(), ['--status-fd=3', ...NS, `--rootfs=${fs.rootfs}`, '--mount=nosuchfs:0:none:/t:', ...ENV, '--', 'true']);
      assert.match(r.status, /^PID \d+\nERR mount mount 19\n$/);
      assert.equal(r.code, 125);
      const missing = await runHelper(binOf(), ['--status-fd=3', ...NS, `--rootfs=${fs.scratch}/no-such-dir`, ...ENV, '--', 'true']);
      assert.match(missing.status, /^PID \d+\nERR rootfs mount 2\n$/);
      assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before);
    });

    test('--pid-file holds "PID STARTTIME" of the program once it runs; --cgroup puts it in the cgroup', async () => {
      const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
      const cg = v2 ? `/sys/fs/cgroup/linuxns-helper-test-${process.pid}` : `/sys/fs/cgroup/pids/linuxns-helper-test-${process.pid}`;
      mkdirSync(cg);
      try {
        const pidFile = join(fs.scratch, 'pid');
        // Written by the program's parent once it exec'd: the program may start before it is.
        const r = await runHelper(binOf(), ['--status-fd=3', '--create=pid', `--pid-file=${pidFile}`, `--cgroup=${cg}/cgroup.procs`, '--', 'sh', '-c',
          `while [ ! -s ${pidFile} ]; do :; done; cat ${pidFile}; cat /proc/self/cgroup`]);
        const pid = Number(/^PID (\d+)\n$/.exec(r.status)[1]);
        const [recorded, ...cgroups] = r.stdout.trim().split('\n');
        const [p, start] = recorded.split(' ').map(Number);
        assert.equal(p, pid);
        assert.ok(start > 0);
        assert.ok(cgroups.some((l) => l.endsWith(`/linuxns-helper-test-${process.pid}`)), r.stdout);
      } finally {
        execFileSync('rmdir', [cg]);
      }
    });

    test('--pid-file stays empty after an ERR (exec, a mount step), whichever process forks the program', async () => {
      const USER = ['--create=user', '--uid-map=0:400000:65536', '--gid-map=0:400000:65536', '--userns-root'];
      const pin = join(fs.scratch, 'pin-net');
      for (const [opts, err] of [
        [[], /^PID \d+\nERR exec execvp 2\n$/],
        [USER, /^PID \d+\nERR exec execvp 2\n$/],
        [['--create=pid'], /^PID \d+\nERR exec execvp 2\n$/],
        // --fd targets over the low fds: the program's end of the helper's exec watch must not be one of them.
        [[...USER, '--create=pid', ...Array.from({ length: 9 }, (_, i) => `--fd=${i + 4}:1`)], /^PID \d+\nERR exec execvp 2\n$/],
        [['--create=net', `--pin=net:${pin}`], /^PID \d+\nERR exec execvp 2\n$/],
        [[...NS, `--rootfs=${fs.rootfs}`, '--mount=nosuchfs:0:none:/t:'], /^PID \d+\nERR mount mount 19\n$/],
      ]) {
        const pidFile = join(fs.scratch, 'pid-err');
        writeFileSync(pidFile, 'stale\n');
        const r = await runHelper(binOf(), ['--status-fd=3', ...opts, `--pid-file=${pidFile}`, '--', '/no/such/program']);
        assert.match(r.status, err, opts.join(' '));
        assert.equal(r.code, 125);
        assert.equal(readFileSync(pidFile, 'utf8'), '', `${opts.join(' ') || 'no namespace'}: the pid file names a program that never ran`);
        assert.equal(existsSync(pin), false);
      }
    });

    test('--pid-file: written by the time the channel ends, of the program exec\'d in its rootfs', async () => {
      for (const opts of [[], ['--create=user', '--uid-map=0:400000:65536', '--gid-map=0:400000:65536', '--userns-root'], ['--create=pid']]) {
        const pidFile = join(fs.scratch, 'pid-run');
        const child = spawn(binOf(), ['--status-fd=3', ...opts, '--create=mnt', `--rootfs=${fs.rootfs}`, `--pid-file=${pidFile}`, ...ENV, '--', 'sh', '-c', 'read x'],
          { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
        let status = '';
        let stderr = '';
        child.stderr.setEncoding('latin1').on('data', (d) => (stderr += d));
        child.stdio[3].setEncoding('latin1').on('data', (d) => (status += d));
        await once(child.stdio[3], 'end');
        const recorded = readFileSync(pidFile, 'utf8');
        const pid = /^PID (\d+)\n$/.exec(status)?.[1];
        let exe;
        try {
          exe = readlinkSync(`/proc/${pid}/exe`);
        } catch {
          /* gone */
        }
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        child.stdin.end('\n');
        await once(child, 'close');
        assert.ok(pid, `${opts}: ${status} ${stderr}`);
        assert.equal(recorded, `${pid} ${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}\n`, opts.join(' '));
        assert.equal(exe, '/bin/busybox', 'the program, in its rootfs');
        if (binOf() === sanitizedHelperPath) assert.doesNotMatch(stderr, SANITIZER_REPORT, stderr);
      }
    });

    test('read-only binds are read-only on every mount under them: an rbind --mount, --readonly-path, the /sys of a user namespace', async () => {
      const src = join(fs.scratch, `rbind-${Math.random().toString(36).slice(2)}`);
      mkdirSync(join(src, 'sub'), { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(src, 'sub')]);
      // Each path must refuse a write with EROFS; every mount under /mnt/rbind and /sys must be ro (and there are some).
      const check = (paths) => `for p in ${paths}; do touch $p/w 2>&1 | grep -q "Read-only" || echo "writable: $p"; done; ` +
        `awk '$2 ~ /^\\/(mnt\\/rbind|sys)(\\/|$)/ { n++; if ($4 !~ /^ro(,|$)/) print "rw: " $2 } END { print n " mounts" }' /proc/mounts`;
      try {
        const r = await runHelper(binOf(), ['--status-fd=3', ...NS, `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-sys', `--mount=:500f:${src}:/mnt/rbind:`,
          '--mount=:500f:/sys/fs/cgroup:/sys/fs/cgroup:', '--mount=tmpfs:0:tmpfs:/tmp/ro/sub:', '--readonly-path=/tmp/ro', ...ENV, '--',
          'sh', '-c', check('/mnt/rbind /mnt/rbind/sub /tmp/ro /tmp/ro/sub /sys/fs/cgroup')]);
        assert.equal(r.code, 0, `${r.status} ${r.stderr}`);
        const lines = r.stdout.trim().split('\n');
        assert.equal(lines.length, 1, r.stdout);
        assert.ok(Number(lines[0].split(' ')[0]) >= 3, r.stdout);
        // No sysfs in a user namespace without its own net namespace: the caller's /sys, bound recursively.
        const u = await runHelper(binOf(), ['--status-fd=3', '--create=user', '--uid-map=0:400000:65536', '--gid-map=0:400000:65536', '--userns-root', ...NS,
          `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-sys', ...ENV, '--', 'sh', '-c', `grep -q "^sysfs /sys sysfs" /proc/mounts && ${check('/sys /sys/fs/cgroup')}`]);
        assert.equal(u.code, 0, `${u.status} ${u.stderr}`);
        assert.match(u.stdout, /^\d+ mounts\n$/);
      } finally {
        execFileSync('umount', [join(src, 'sub')]);
      }
    });

    test('--mount-dev: /dev a 64 MiB tmpfs, /dev/shm mode 1777, /dev/ptmx the ptmx of a new devpts on /dev/pts', async () => {
      for (const opts of [[], ['--create=user', '--uid-map=0:400000:65536', '--gid-map=0:400000:65536', '--userns-root']]) {
        const r = await runHelper(binOf(), ['--status-fd=3', ...opts, ...NS, `--rootfs=${fs.rootfs}`, '--mount-proc', '--mount-dev', ...ENV, '--', 'sh', '-c',
          'stat -c %a /dev/shm; stat -L -c "%F %a" /dev/ptmx; grep -E " /dev(/pts)? " /proc/mounts | cut -d" " -f1-4']);
        assert.equal(r.code, 0, `${r.status} ${r.stderr}`);
        const [shm, ptmx, ...mounts] = r.stdout.trim().split('\n');
        assert.equal(shm, '1777', opts.join(' '));
        assert.equal(ptmx, 'character special file 666');
        assert.match(mounts[0], /^tmpfs \/dev tmpfs .*size=65536k/);
        assert.match(mounts[1], /^devpts \/dev\/pts devpts rw,nosuid,noexec,.*mode=620,ptmxmode=666/);
      }
    });
  });
}

describe('linuxns-helper container options', { skip }, () => {
  cases('release build', () => helperPath);
  describe('under AddressSanitizer and UBSan', () => {
    before(buildSanitized);
    cases('the same cases', () => sanitizedHelperPath);
  });
});
