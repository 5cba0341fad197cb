// linuxns-helper as a black box: argv in (the grammar of src/request.h), the
// status channel on fd 3, the exit status, and what the program did or did
// not do. Every case runs against the release build and again against the
// AddressSanitizer/UBSan build, which must not report anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helperPath, sanitizedHelperPath } from '../index.js';

const buildScript = fileURLToPath(new URL('../build.js', import.meta.url));
const SANITIZER_REPORT = /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error|SUMMARY: \w+Sanitizer/;

let scratch;
before(() => {
  scratch = mkdtempSync(join(tmpdir(), 'linuxns-helper-test-'));
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs the helper with `args`. `channel: true` (default) gives it a pipe as
 * fd 3, read to its end. Resolves to what came out: status text, stdout,
 * stderr, exit code or signal, and the helper's own pid. `extraFds` become
 * fds 4, 5... of the helper.
 */
function runHelper(bin, args, { channel = true, extraFds = [], timeoutMs = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe', ...(channel ? ['pipe'] : []), ...extraFds] });
    const out = { status: '', stdout: '', stderr: '', pid: child.pid };
    child.stdout.setEncoding('latin1').on('data', (d) => (out.stdout += d));
    child.stderr.setEncoding('latin1').on('data', (d) => (out.stderr += d));
    if (channel) child.stdio[3].setEncoding('latin1').on('data', (d) => (out.status += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`linuxns-helper ${args.join(' ')} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', reject);
    // 'close': every stdio stream (the status channel included) has ended and the process is reaped.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ...out, code, signal });
    });
  });
}

/** Field 22 of /proc/PID/stat (the start time), or undefined once PID is gone or a zombie. */
function liveStartTime(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
}

/** True once the process that was pid at start is gone (polling), false after timeoutMs. */
async function waitGone(pid, start, timeoutMs) {
  for (const end = Date.now() + timeoutMs; liveStartTime(pid) === start; ) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** A path in the scratch dir that a program would create; it must not exist yet. */
let markers = 0;
function marker() {
  const m = join(scratch, `marker-${++markers}`);
  assert.equal(existsSync(m), false);
  return m;
}

const EPARSE = /^ERR parse [^\n]+ 22\n$/;

/** Asserts a malformed request: ERR parse on the channel, exit 124, the program (touch MARKER) not run. */
function assertRefused(r, m, bin) {
  assert.match(r.status, EPARSE, `status channel: ${JSON.stringify(r.status)}`);
  assert.equal(r.code, 124);
  assert.equal(r.signal, null);
  assert.equal(existsSync(m), false, 'the program ran although the request was malformed');
  assertNoSanitizerReport(r, bin);
}

function assertNoSanitizerReport(r, bin) {
  if (bin === sanitizedHelperPath) assert.doesNotMatch(r.stderr, SANITIZER_REPORT, `sanitizer report:\n${r.stderr}`);
}

/** The pids of an NSpid line of /proc/PID/status, outermost first. */
function nsPids(line) {
  return /^NSpid:\s+(.*)$/m.exec(line)[1].trim().split(/\s+/).map(Number);
}

const MALFORMED = [
  ['a --join without a fd', ['--join=net']],
  ['a --join whose fd is not a number', ['--join=net:abc']],
  ['a --join of an unknown namespace type', ['--join=bogus:3']],
  ['a --join with an empty type', ['--join=:3']],
  ['a --join with a negative fd', ['--join=net:-1']],
  ['a --uid-map with two fields', ['--create=user', '--uid-map=1:2']],
  ['a --uid-map with a count of 0', ['--create=user', '--uid-map=1:2:0']],
  ['a --uid-map that is not numbers', ['--create=user', '--uid-map=a:b:c']],
  ['a --uid-map with four fields', ['--create=user', '--uid-map=1:2:3:4']],
  ['a --uid-map with a negative id', ['--create=user', '--uid-map=-1:0:1']],
  ['a --uid-map past 2^32', ['--create=user', '--uid-map=0:4294967296:1']],
  ['a --gid-map with two fields', ['--create=user', '--gid-map=1:2']],
  ['a --setgroups that is neither allow nor deny', ['--create=user', '--setgroups=maybe']],
  ['a --create of an unknown type', ['--create=bogus']],
  ['an id map without --create=user', ['--uid-map=0:0:1']],
  ['a hostname without --create=uts', ['--hostname=box']],
  ['an --env without =', ['--env=NOVALUE']],
  ['--mount-proc without new mnt and pid namespaces', ['--create=mnt', '--mount-proc']],
  ['time offsets without --create=time', ['--monotonic=5']],
  ['an --rlimit of a resource past RLIMIT_RTTIME', ['--rlimit=16:1:1']],
  ['an --rlimit with two fields', ['--rlimit=7:1']],
  ['a --propagation that is no propagation type', ['--create=mnt', '--propagation=sideways']],
  ['an --fd onto stdio', ['--fd=2:0']],
  ['an --fd without a source', ['--fd=5']],
  ['a capability mask that is not hex', ['--cap-bounding=zz']],
  ['an unknown capability set', ['--cap-sideways=1']],
  ['a --groups list with a word in it', ['--groups=1,x']],
  ['a --uid that is not a number', ['--uid=root']],
  ['a --pdeathsig of signal 0', ['--pdeathsig=0']],
  ['a --pin without --create of that type', ['--create=uts', '--pin=net:/tmp/linuxns-never']],
  ['a --pin with a relative path', ['--create=net', '--pin=net:run/net']],
  ['a --pin without a path', ['--create=net', '--pin=net']],
  ['a --pin of an unknown type', ['--create=net', '--pin=bogus:/tmp/linuxns-never']],
  ['two --pin of one type', ['--create=net', '--pin=net:/tmp/linuxns-never', '--pin=net:/tmp/linuxns-never2']],
  ['a --gate-fd below 3', ['--gate-fd=2']],
  ['a --gate-fd on the status channel', ['--gate-fd=3']],
  ['a --gate-fd that names no open fd', ['--gate-fd=9']],
  ['a --detach without --pid-file', ['--create=pid', '--detach']],
  ['a --detach with a --pin', ['--create=net', '--pid-file=/tmp/linuxns-never', '--pin=net:/tmp/linuxns-never2', '--detach']],
  ['a --detach with a --pdeathsig', ['--pid-file=/tmp/linuxns-never', '--pdeathsig=9', '--detach']],
];

/** The black-box cases, run once per binary. */
function protocolCases(label, binOf) {
  describe(`${label}`, () => {
    test('without --status-fd it exits 124 and says so on stderr', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--', 'touch', m], { channel: false });
      assert.equal(r.code, 124);
      assert.match(r.stderr, /missing --status-fd/);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });

    test('a --status-fd that names no open fd exits 124 and says so on stderr', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=3', '--', 'touch', m], { channel: false });
      assert.equal(r.code, 124);
      assert.match(r.stderr, /--status-fd is not open/);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });

    test('a --status-fd below 3 exits 124 and says so on stderr, nothing run', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=1', '--', 'touch', m]);
      assert.equal(r.code, 124);
      assert.equal(r.status, '');
      assert.match(r.stderr, /bad --status-fd/);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });

    test('an unknown option gives ERR parse … 22 and exit 124, and the program is not run', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=3', '--bogus', '--', 'touch', m]);
      assertRefused(r, m, binOf());
      assert.match(r.status, /^ERR parse unknown option 22\n$/);
    });

    for (const [what, opts] of MALFORMED) {
      test(`${what} (${opts.join(' ')}) gives ERR parse and runs nothing`, async () => {
        const m = marker();
        assertRefused(await runHelper(binOf(), ['--status-fd=3', ...opts, '--', 'touch', m]), m, binOf());
      });
    }

    test('a missing -- makes the program an unknown option: ERR parse, nothing run', async () => {
      const m = marker();
      assertRefused(await runHelper(binOf(), ['--status-fd=3', 'touch', m]), m, binOf());
    });

    test('a -- without a program gives ERR parse and exit 124', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--']);
      assert.match(r.status, /^ERR parse missing -- PROGRAM 22\n$/);
      assert.equal(r.code, 124);
      assertNoSanitizerReport(r, binOf());
    });

    test('a --join of an fd that is not open gives ERR join fcntl 9 (EBADF) and exit 125, nothing run', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=3', '--join=net:9', '--', 'touch', m]);
      assert.equal(r.status, 'ERR join fcntl 9\n');
      assert.equal(r.code, 125);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });

    test('success says PID n, where n is the program itself (it echoes $$ = n, the helper exec’d into it)', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--', 'sh', '-c', 'echo $$']);
      const m = /^PID (\d+)\n$/.exec(r.status);
      assert.ok(m, `status channel: ${JSON.stringify(r.status)}`);
      assert.equal(Number(m[1]), r.pid, 'without a fork the program has the helper’s pid');
      assert.equal(r.stdout, `${r.pid}\n`);
      assert.equal(r.code, 0);
      assertNoSanitizerReport(r, binOf());
    });

    test('with --create=user the PID line names the forked program, not the supervising helper', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--create=user', '--uid-map=0:0:1', '--gid-map=0:0:1', '--', 'sh', '-c', 'echo $$; id -u; readlink /proc/self/ns/user']);
      const m = /^PID (\d+)\n$/.exec(r.status);
      assert.ok(m, `status channel: ${JSON.stringify(r.status)}`);
      const [pid, uid, userns] = r.stdout.trim().split('\n');
      assert.equal(Number(pid), Number(m[1]));
      assert.notEqual(Number(m[1]), r.pid);
      assert.equal(uid, '0');
      assert.notEqual(userns, readlinkSync('/proc/self/ns/user'));
      assert.equal(r.code, 0);
      assertNoSanitizerReport(r, binOf());
    });

    test('with --create=pid the PID line is the outer pid of the program, which is 1 inside', async () => {
      // /proc is still the caller's: /proc/self/status of the exec'd grep tells both of its pids.
      const r = await runHelper(binOf(), ['--status-fd=3', '--create=pid', '--', 'sh', '-c', 'echo $$; exec grep NSpid /proc/self/status']);
      const m = /^PID (\d+)\n$/.exec(r.status);
      assert.ok(m, `status channel: ${JSON.stringify(r.status)}`);
      const [inner, nspid] = r.stdout.split('\n');
      assert.equal(inner, '1');
      assert.deepEqual(nsPids(nspid), [Number(m[1]), 1]);
      assert.notEqual(Number(m[1]), r.pid);
      assert.equal(r.code, 0);
      assertNoSanitizerReport(r, binOf());
    });

    for (const code of [0, 1, 7, 255]) {
      test(`exit code ${code} passes through, with and without a supervising fork`, async () => {
        for (const extra of [[], ['--create=user'], ['--create=pid']]) {
          const r = await runHelper(binOf(), ['--status-fd=3', ...extra, '--', 'sh', '-c', `exit ${code}`]);
          assert.match(r.status, /^PID \d+\n$/, `${extra}: ${JSON.stringify(r.status)}`);
          assert.deepEqual([r.code, r.signal], [code, null], `${extra.join(' ') || 'no fork'}`);
          assertNoSanitizerReport(r, binOf());
        }
      });
    }

    test('a program killed by SIGUSR1 or SIGTERM makes the helper end by the same signal, fork or not', async () => {
      for (const sig of ['USR1', 'TERM']) {
        for (const extra of [[], ['--create=user']]) {
          const r = await runHelper(binOf(), ['--status-fd=3', ...extra, '--', 'sh', '-c', `kill -${sig} $$`]);
          assert.deepEqual([r.code, r.signal], [null, `SIG${sig}`], extra.join(' ') || 'no fork');
          assertNoSanitizerReport(r, binOf());
        }
      }
    });

    test('a --cwd that does not exist: PID, then ERR cwd chdir 2, exit 125, nothing run', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=3', `--cwd=${scratch}/nowhere`, '--', 'touch', m]);
      assert.match(r.status, /^PID \d+\nERR cwd chdir 2\n$/);
      assert.equal(r.code, 125);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });

    test('a program that does not exist: ERR exec execvp 2 and exit 125, also from a supervising fork', async () => {
      for (const extra of [[], ['--create=user']]) {
        const r = await runHelper(binOf(), ['--status-fd=3', ...extra, '--', `${scratch}/no-such-program`]);
        assert.match(r.status, /^PID \d+\nERR exec execvp 2\n$/);
        assert.equal(r.code, 125);
        assertNoSanitizerReport(r, binOf());
      }
    });

    test('an ERR of a step after a fork always comes after the PID line (40 runs each: user, pid, user and pid)', async () => {
      for (const extra of [['--create=user'], ['--create=pid'], ['--create=user', '--create=pid']]) {
        const runs = await Promise.all(Array.from({ length: 40 }, () => runHelper(binOf(), ['--status-fd=3', ...extra, `--cwd=${scratch}/nowhere`, '--', 'true'])));
        for (const r of runs) {
          assert.match(r.status, /^PID \d+\nERR cwd chdir 2\n$/, extra.join(' '));
          assert.equal(r.code, 125);
          assertNoSanitizerReport(r, binOf());
        }
      }
    });

    test('overlapping uid ranges are refused by the kernel: ERR uid_map write 22, exit 125, nothing run', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=3', '--create=user', '--uid-map=0:0:10', '--uid-map=5:100:10', '--', 'touch', m]);
      assert.equal(r.status, 'ERR uid_map write 22\n');
      assert.equal(r.code, 125);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });

    test('--env-clear with --env gives the program exactly those variables', async () => {
      const r = await runHelper(binOf(), ['--status-fd=3', '--env-clear', '--env=A=1', '--env=B=x=y', '--', '/usr/bin/env']);
      assert.equal(r.stdout, 'A=1\nB=x=y\n');
      assert.equal(r.code, 0);
      assertNoSanitizerReport(r, binOf());
    });

    test('the program inherits no fd but stdio: the status channel and a joined fd close on exec', async () => {
      const ns = openSync('/proc/self/ns/uts', 'r');
      try {
        // Joining our own uts namespace is allowed; fd 4 is the namespace file handed to the helper.
        const script = 'for fd in 0 1 2 3 4; do [ -e /proc/$$/fd/$fd ] && echo $fd; done; true';
        const r = await runHelper(binOf(), ['--status-fd=3', '--join=uts:4', '--', 'sh', '-c', script], { extraFds: [ns] });
        assert.match(r.status, /^PID \d+\n$/);
        assert.equal(r.stdout, '0\n1\n2\n');
        assertNoSanitizerReport(r, binOf());
      } finally {
        closeSync(ns);
      }
    });

    test('--pin bind-mounts the new namespace (pid: the program’s own) where the caller sees it, before the channel ends', async () => {
      for (const [type, extra] of [['net', []], ['pid', []], ['user', ['--uid-map=0:0:1', '--gid-map=0:0:1']]]) {
        const path = marker();
        const r = await runHelper(binOf(), ['--status-fd=3', `--create=${type}`, ...extra, `--pin=${type}:${path}`, '--', 'readlink', `/proc/self/ns/${type}`]);
        try {
          assert.match(r.status, /^PID \d+\n$/, `${type}: ${JSON.stringify(r.status)}`);
          assert.equal(r.code, 0);
          assert.equal(`${type}:[${statSync(path).ino}]`, r.stdout.trim(), `${type}: the pin is what the program saw`);
          assertNoSanitizerReport(r, binOf());
        } finally {
          execFileSync('umount', [path]);
          rmSync(path);
        }
      }
    });

    test('a pin that cannot be made, or a step after it that fails, gives ERR and leaves no mount and no file (the keeper undoes them)', async () => {
      const before = readFileSync('/proc/self/mountinfo', 'utf8');
      for (const [args, status] of [
        [['--create=net', '--create=uts', `--pin=net:${marker()}`, `--pin=uts:${scratch}/missing/uts`, '--', 'true'], /^ERR pin open 2\n$/],
        [['--create=net', `--pin=net:${marker()}`, '--', `${scratch}/no-such-program`], /^PID \d+\nERR exec execvp 2\n$/],
        [['--create=pid', `--pin=pid:${marker()}`, `--cwd=${scratch}/nowhere`, '--', 'true'], /^PID \d+\nERR cwd chdir 2\n$/],
        [['--create=user', '--create=net', `--pin=net:${marker()}`, '--', `${scratch}/no-such-program`], /^PID \d+\nERR exec execvp 2\n$/],
      ]) {
        const r = await runHelper(binOf(), ['--status-fd=3', ...args]);
        assert.match(r.status, status, args.join(' '));
        assert.equal(r.code, 125);
        assert.equal(readFileSync('/proc/self/mountinfo', 'utf8'), before, `${args.join(' ')} left a mount`);
        assertNoSanitizerReport(r, binOf());
      }
      assert.deepEqual(readdirSync(scratch).filter((f) => f.startsWith('marker-')), [], 'a pin file was left');
    });

    test('a --pin on a path that is already a mount point gives ERR pin mount 16 (EBUSY) and leaves that mount alone', async () => {
      const path = marker();
      const first = await runHelper(binOf(), ['--status-fd=3', '--create=uts', `--pin=uts:${path}`, '--', 'true']);
      assert.match(first.status, /^PID \d+\n$/);
      try {
        const ino = statSync(path).ino;
        const m = marker();
        const r = await runHelper(binOf(), ['--status-fd=3', '--create=uts', `--pin=uts:${path}`, '--', 'touch', m]);
        assert.equal(r.status, 'ERR pin mount 16\n');
        assert.equal(r.code, 125);
        assert.equal(existsSync(m), false);
        assert.equal(statSync(path).ino, ino);
        assertNoSanitizerReport(r, binOf());
      } finally {
        execFileSync('umount', [path]);
        rmSync(path);
      }
    });

    test('with --userns-root a SIGKILLed helper takes the program with it (the id change cleared the parent-death signal)', async () => {
      for (const extra of [[], ['--create=pid']]) {
        const child = spawn(binOf(), ['--status-fd=3', '--create=user', ...extra, '--create=mnt', '--uid-map=0:100000:65536', '--gid-map=0:100000:65536',
          '--userns-root', '--', 'sleep', '777'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
        let status = '';
        let stderr = '';
        child.stderr.setEncoding('latin1').on('data', (d) => (stderr += d));
        child.stdio[3].setEncoding('latin1').on('data', (d) => (status += d));
        await once(child.stdio[3], 'end'); // the program runs
        const pid = Number(/^PID (\d+)\n$/.exec(status)?.[1]);
        const start = liveStartTime(pid);
        assert.ok(start, `${extra}: ${JSON.stringify(status)}`);
        child.kill('SIGKILL');
        await once(child, 'exit'); // not 'close': a surviving program holds stderr
        const gone = await waitGone(pid, start, 3000);
        if (!gone) process.kill(pid, 'SIGKILL');
        assert.ok(gone, `${extra.join(' ') || 'no pid namespace'}: the program outlived its helper`);
        assertNoSanitizerReport({ stderr }, binOf());
      }
    });

    test('--gate-fd: PID, then READY once the program is set up; it execs only after a byte on the gate, and end of file instead is ERR gate read 125', async () => {
      for (const fork of [[], ['--create=user', '--uid-map=0:0:1', '--gid-map=0:0:1', '--create=pid']]) {
        for (const open of [true, false]) {
          const m = marker();
          const child = spawn(binOf(), ['--status-fd=3', '--gate-fd=4', ...fork, '--', 'touch', m], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
          let status = '';
          let stderr = '';
          child.stderr.setEncoding('latin1').on('data', (d) => (stderr += d));
          child.stdio[3].setEncoding('latin1').on('data', (d) => (status += d));
          while (!status.includes('READY\n')) {
            assert.doesNotMatch(status, /ERR/);
            await new Promise((r) => setTimeout(r, 5));
          }
          assert.match(status, /^PID \d+\nREADY\n$/);
          const program = Number(/^PID (\d+)/.exec(status)[1]);
          assert.ok(existsSync(`/proc/${program}/fd/4`), 'the program holds the gate');
          if (program !== child.pid) assert.equal(existsSync(`/proc/${child.pid}/fd/4`), false, 'a supervisor keeps a copy of the gate');
          await new Promise((r) => setTimeout(r, 50));
          assert.equal(existsSync(m), false, 'the program ran before the gate opened');
          if (open) child.stdio[4].end('G');
          else child.stdio[4].destroy();
          const [code] = await once(child, 'close');
          if (open) {
            assert.equal(code, 0);
            assert.equal(existsSync(m), true);
            rmSync(m); // other cases count the markers left in the scratch dir
            assert.match(status, /^PID \d+\nREADY\n$/);
          } else {
            assert.equal(code, 125);
            assert.equal(existsSync(m), false);
            assert.match(status, /^PID \d+\nREADY\nERR gate read 125\n$/);
          }
          assertNoSanitizerReport({ stderr }, binOf());
        }
      }
    });

    test('with --pin, --pid-file and --gate-fd, --fd targets on the helper’s own fds still let a failed exec report: ERR, the pin undone, the pid file empty', async () => {
      // PROGRAM holds every fd the helper keeps until exec: the channel, the gate, the pin keeper's socket, the pid-file watch.
      const pin = marker();
      const pidFile = marker();
      const targets = Array.from({ length: 10 }, (_, i) => `--fd=${i + 3}:1`);
      const child = spawn(binOf(), ['--status-fd=3', '--gate-fd=4', '--create=net', `--pin=net:${pin}`, `--pid-file=${pidFile}`, ...targets, '--', `${scratch}/no-such-program`],
        { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
      let status = '';
      let stderr = '';
      child.stderr.setEncoding('latin1').on('data', (d) => (stderr += d));
      child.stdio[3].setEncoding('latin1').on('data', (d) => (status += d));
      while (!status.includes('READY\n')) {
        assert.doesNotMatch(status, /ERR/);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(existsSync(pin), 'the pin is made before READY');
      child.stdio[4].end('G');
      const [code] = await once(child, 'close');
      assert.match(status, /^PID \d+\nREADY\nERR exec execvp 2\n$/);
      assert.equal(code, 125);
      assert.equal(existsSync(pin), false, 'the keeper heard of the failure and undid the pin');
      assert.equal(readFileSync(pidFile, 'utf8'), '', 'the parent heard of the failure and left the pid file empty');
      rmSync(pidFile); // other cases count the markers left in the scratch dir
      assertNoSanitizerReport({ stderr }, binOf());
    });

    test('a --join of an fd that is open but no namespace gives ERR join setns 22 (EINVAL)', async () => {
      const m = marker();
      const r = await runHelper(binOf(), ['--status-fd=3', '--join=net:3', '--', 'touch', m]);
      assert.equal(r.status, 'ERR join setns 22\n');
      assert.equal(r.code, 125);
      assert.equal(existsSync(m), false);
      assertNoSanitizerReport(r, binOf());
    });
  });
}

protocolCases('linuxns-helper', () => helperPath);

describe('linuxns-helper under AddressSanitizer and UBSan', () => {
  before(() => {
    execFileSync(process.execPath, [buildScript, '--sanitize'], { stdio: 'pipe' });
    assert.ok(existsSync(sanitizedHelperPath));
  });
  protocolCases('the same cases', () => sanitizedHelperPath);
});
