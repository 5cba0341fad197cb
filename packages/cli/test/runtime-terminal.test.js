// linuxns-runtime with a terminal, driven directly as conmon and containerd's
// shim drive it: `process.terminal` with `--console-socket` on create and on
// exec. A receiver (core's test fixture console-receiver: Node cannot receive an fd
// on a unix socket) listens on the socket, gets the pty master with
// SCM_RIGHTS, writes a line to it and reads what comes back: the line reaches
// the program, whose stdio and controlling terminal are the slave, the
// container's own /dev/pts/N (a devpts instance of its own, not the host's),
// sized by process.consoleSize. The same bundle under runc gives the same
// output. A socket nobody listens on fails the create (in runc's words) and
// leaves nothing; runc 1.1's rules between a terminal and --console-socket
// are checked with runc's texts, compared with runc's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBundle, runcBinary } from '../../container/test/fixtures/bundle.js';
import { consoleReceiver as receiver } from '../../core/test/fixtures/console-receiver.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { cgroupsNamed, mountsWith, ownFds, processesWith, runToFiles, runtimeBinary, waitFor } from './fixtures/runtime.js';

const skip = skipReason();
// runc, the peer (scripts/system-packages.js installs it); by its path when it is not on PATH.
const RUNC = runcBinary();
const TAG = `lrtty-${process.pid}`;
/** Reads a line from the terminal, then says what its terminal is; $0 is the test's tag. */
// (the shell's fds listed by ls, without a pipe or a substitution: either would give the shell fds of its own meanwhile)
const PROBE = ['sh', '-c', 'read line; echo "got:$line"; tty; stty size; stat -c %d /dev/pts/ptmx; ls /proc/$$/fd; ls -l /dev/console | cut -c1', TAG];
const WAITER = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done', TAG];

describe('linuxns-runtime with a terminal (--console-socket)', { skip }, () => {
  let fs;
  let tmp;
  let root;
  let bin;
  let fdsBefore;
  let ttyBundle;
  let plainBundle;
  const hostPts = () => statSync('/dev/pts').dev;
  const rt = (args, options) => runToFiles(bin, ['--root', root, ...args], tmp.dir, options);
  const runc = (args, options) => runToFiles(RUNC, ['--root', join(tmp.dir, 'runc-root'), ...args], tmp.dir, options);
  /** The message of the last error line a runtime wrote to stderr (runc's logrus text). */
  const message = (stderr) => /msg="((?:[^"\\]|\\.)*)"/.exec(stderr.trim().split('\n').at(-1) ?? '')?.[1];

  before(() => {
    fdsBefore = ownFds();
    bin = runtimeBinary();
    fs = makeRootfs('linuxns-runtime-tty-');
    tmp = tempDir('runtime-tty');
    root = join(tmp.dir, 'root');
    // runc refuses a rootfs that is a symlink: root.path is the tree itself.
    const edit = (terminal, args) => (spec) => {
      spec.root.path = fs.root;
      spec.process.terminal = terminal;
      spec.process.args = args;
      if (terminal) spec.process.consoleSize = { height: 31, width: 77 };
    };
    ttyBundle = makeBundle(join(tmp.dir, 'tty'), fs.root, PROBE, edit(true, PROBE));
    plainBundle = makeBundle(join(tmp.dir, 'plain'), fs.root, WAITER, edit(false, WAITER));
  });
  after(() => {
    fs?.remove();
    tmp?.remove();
  });

  /** create --console-socket and start with `run` (ours or runc's); the receiver's report. */
  const createAndStart = async (run, id) => {
    const socket = join(tmp.dir, `${id}-${run === rt ? 'ours' : 'runc'}.sock`);
    const { report } = await receiver(socket, 'hello\n');
    try {
      const c = run(['create', '--bundle', ttyBundle, '--console-socket', socket, id]);
      assert.equal(c.status, 0, c.stderr);
      assert.equal(run(['start', id]).status, 0);
      return await report;
    } finally {
      run(['delete', '--force', id]);
    }
  };

  test('create --console-socket: the master comes to the socket, the line written to it reaches the program, whose terminal is the container\'s /dev/pts/N', async () => {
    const r = await createAndStart(rt, 'tty1');
    assert.deepEqual([r.name, r.fds], ['/dev/ptmx', 1], 'one fd, named as runc names it');
    const lines = r.output.split('\r\n');
    assert.equal(lines[0], 'hello', 'the terminal echoed the line written to the master');
    assert.equal(lines[1], 'got:hello', 'the program read it from its terminal');
    assert.equal(lines[2], `/dev/pts/${r.ptn}`, 'its stdin is the slave of the master received');
    assert.equal(lines[3], '31 77', 'process.consoleSize (height, width)');
    assert.equal(Number(lines[4]), r.dev, 'the pty is of the container\'s devpts...');
    assert.notEqual(r.dev, hostPts(), '...an instance of its own, not the host\'s');
    assert.deepEqual(lines[5].trim().split(/\s+/), ['0', '1', '2'], 'the program has stdio alone: no socket, no master');
    assert.equal(lines[6], 'c', '/dev/console is the terminal, as with runc');
  });

  test('the same bundle under runc gives the same terminal', { skip: RUNC ? false : 'runc is not installed (scripts/system-packages.js installs it)' }, async () => {
    const ours = await createAndStart(rt, 'tty2');
    const theirs = await createAndStart(runc, 'tty2');
    const same = (r) => ({ ...r, dev: undefined, output: r.output.replace(/^\d+\r$/m, 'DEV\r') });
    assert.deepEqual(same(ours), same(theirs));
  });

  test('exec -t --console-socket, and exec --process with terminal and consoleSize, in a running container', async (t) => {
    t.after(() => rt(['delete', '--force', 'tty3']));
    assert.equal(rt(['run', '-d', '--bundle', plainBundle, 'tty3']).status, 0);
    const dev = Number(rt(['exec', 'tty3', 'stat', '-c', '%d', '/dev/pts/ptmx']).stdout);
    for (const how of ['flags', 'process']) {
      const socket = join(tmp.dir, `exec-${how}.sock`);
      const { report } = await receiver(socket, 'hi\n');
      const procFile = join(tmp.dir, 'process.json');
      writeFileSync(procFile, JSON.stringify({ terminal: true, consoleSize: { height: 12, width: 34 }, args: PROBE, env: ['PATH=/bin'], cwd: '/' }));
      const args = how === 'flags' ? ['-t', 'tty3', ...PROBE] : ['--process', procFile, 'tty3'];
      const pidFile = join(tmp.dir, 'exec.pid');
      const e = rt(['exec', '-d', '--pid-file', pidFile, '--console-socket', socket, ...args]);
      assert.equal(e.status, 0, e.stderr);
      const r = await report;
      const lines = r.output.split('\r\n');
      assert.deepEqual(lines.slice(0, 3), ['hi', 'got:hi', `/dev/pts/${r.ptn}`], `exec by ${how}`);
      if (how === 'process') assert.equal(lines[3], '12 34', 'consoleSize of the process JSON');
      assert.equal(r.dev, dev, 'the exec\'d process\'s pty is of the container\'s devpts');
      assert.deepEqual(lines[5].trim().split(/\s+/), ['0', '1', '2']);
    }
  });

  test('a console socket nobody listens on: create fails in runc\'s words and leaves no container, process, cgroup, mount or fd', async (t) => {
    t.after(() => rt(['delete', '--force', 'tty4']));
    const socket = join(tmp.dir, 'nobody.sock');
    const log = join(tmp.dir, 'tty4.log');
    const r = runToFiles(bin, ['--root', root, '--log', log, '--log-format', 'json', 'create', '--bundle', ttyBundle, '--console-socket', socket, 'tty4'], tmp.dir);
    assert.equal(r.status, 1);
    const logged = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1));
    assert.deepEqual([logged.level, logged.msg], ['error', `linuxns-runtime create failed: dial unix ${socket}: connect: no such file or directory`], 'the error in the log, as runc writes it');
    if (RUNC) assert.equal(message(runc(['create', '--bundle', ttyBundle, '--console-socket', socket, 'tty4']).stderr), `runc create failed: dial unix ${socket}: connect: no such file or directory`);
    assert.equal(rt(['list', '-q']).stdout.split('\n').includes('tty4'), false, 'no container');
    assert.deepEqual(existsSync(root) ? readdirSync(root).filter((n) => n.includes('tty4')) : [], [], 'no state directory');
    assert.ok(await waitFor(() => processesWith(TAG).length === 0), `processes left: ${processesWith(TAG)}`);
    assert.deepEqual(cgroupsNamed('tty4'), []);
    assert.deepEqual(mountsWith(tmp.dir), []);
    // exec likewise: no process left in the running container.
    t.after(() => rt(['delete', '--force', 'tty5']));
    assert.equal(rt(['run', '-d', '--bundle', plainBundle, 'tty5']).status, 0);
    const before = rt(['ps', '--format', 'json', 'tty5']).stdout;
    const e = rt(['exec', '-d', '-t', '--console-socket', socket, 'tty5', 'sh']);
    assert.equal(e.status, 255, 'runc\'s status of a failed exec');
    assert.equal(message(e.stderr), `exec failed: dial unix ${socket}: connect: no such file or directory`, 'runc\'s words');
    assert.equal(rt(['ps', '--format', 'json', 'tty5']).stdout, before, 'no process was added to the container');
  });

  test("runc 1.1's rules between a terminal and --console-socket, in runc's words", () => {
    const socket = join(tmp.dir, 'unused.sock');
    const cases = [
      [['create', '--bundle', ttyBundle, 'tty6'], 'create failed: cannot allocate tty if runc will detach without setting console socket'],
      [['create', '--bundle', plainBundle, '--console-socket', socket, 'tty6'], 'create failed: cannot use console socket if runc will not detach or allocate tty'],
      [['run', '--bundle', plainBundle, '--console-socket', socket, 'tty6'], 'run failed: cannot use console socket if runc will not detach or allocate tty'],
      [['run', '-d', '--bundle', ttyBundle, 'tty6'], 'run failed: cannot allocate tty if runc will detach without setting console socket'],
    ];
    for (const [args, text] of cases) {
      const r = rt(args);
      assert.deepEqual([r.status, message(r.stderr)], [1, `linuxns-runtime ${text}`], args.join(' '));
      if (RUNC) {
        const theirs = runc(args);
        assert.deepEqual([theirs.status, message(theirs.stderr)], [1, `runc ${text}`], `runc ${args.join(' ')}`);
      }
      rt(['delete', '--force', 'tty6']);
      if (RUNC) runc(['delete', '--force', 'tty6']);
    }
    assert.equal(rt(['list', '-q']).stdout, '', 'no container was left by a refusal');
  });

  test('exec: -d -t without a console socket, and a console socket without -t, refused as runc refuses them', (t) => {
    t.after(() => {
      rt(['delete', '--force', 'tty7']);
      if (RUNC) runc(['delete', '--force', 'tty7']);
    });
    assert.equal(rt(['run', '-d', '--bundle', plainBundle, 'tty7']).status, 0);
    if (RUNC) assert.equal(runc(['run', '-d', '--bundle', plainBundle, 'tty7']).status, 0);
    const socket = join(tmp.dir, 'unused.sock');
    const cases = [
      [['exec', '-d', '-t', 'tty7', 'true'], 'exec failed: cannot allocate tty if runc will detach without setting console socket'],
      [['exec', '-d', '--console-socket', socket, 'tty7', 'true'], 'exec failed: cannot use console socket if runc will not detach or allocate tty'],
      [['exec', '-t', '--console-socket', socket, 'tty7', 'true'], 'exec failed: cannot use console socket if runc will not detach or allocate tty'],
    ];
    for (const [args, text] of cases) {
      const r = rt(args);
      assert.deepEqual([r.status, message(r.stderr)], [255, text], args.join(' '));
      if (RUNC) {
        const theirs = runc(args);
        assert.deepEqual([theirs.status, message(theirs.stderr)], [255, text], `runc ${args.join(' ')}`);
      }
    }
  });

  test('run and exec in the foreground relay the terminal to the command\'s own (util-linux script gives it one), as runc', (t) => {
    const quote = (a) => `'${a.replace(/'/g, "'\\''")}'`;
    // The line is written a second after the start, once the relay has made the terminal raw (before, the outer
    // terminal would echo it too); the lines that echo it are left out of the comparison.
    const underTerminal = (runtime, args) => {
      const cmd = `stty rows 40 cols 120; ${[runtime, '--root', runtime === bin ? root : join(tmp.dir, 'runc-root'), ...args].map(quote).join(' ')}; echo "status=$?"`;
      const r = spawnSync('sh', ['-c', `(sleep 1; echo hello) | script -qec ${quote(cmd)} /dev/null`], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\r\n').filter((l) => l !== 'hello');
    };
    const probe = ['sh', '-c', 'read line; echo "got:$line"; tty; stty size; ls /proc/$$/fd; exit 3'];
    const fg = makeBundle(join(tmp.dir, 'fg'), fs.root, probe, (spec) => {
      spec.root.path = fs.root;
      spec.process.terminal = true;
    });
    const expected = (status) => ['got:hello', /^\/dev\/pts\/\d+$/, '40 120', /^0 +1 +2$/, `status=${status}`, ''];
    const check = (lines, status, what) => {
      const want = expected(status);
      assert.equal(lines.length, want.length, `${what}: ${JSON.stringify(lines)}`);
      want.forEach((w, i) => (typeof w === 'string' ? assert.equal(lines[i], w, what) : assert.match(lines[i], w, what)));
    };
    const ours = underTerminal(bin, ['run', '--bundle', fg, 'tty8']);
    check(ours, 3, 'run: the program\'s status, its terminal sized as ours');
    t.after(() => {
      rt(['delete', '--force', 'tty9']);
      if (RUNC) runc(['delete', '--force', 'tty9']);
    });
    assert.equal(rt(['run', '-d', '--bundle', plainBundle, 'tty9']).status, 0);
    const execProbe = ['sh', '-c', probe[2].replace('exit 3', 'exit 4')];
    const ourExec = underTerminal(bin, ['exec', '-t', 'tty9', ...execProbe]);
    check(ourExec, 4, 'exec -t');
    assert.equal(rt(['list', '-q']).stdout, 'tty9\n', 'the foreground run deleted its container');
    if (RUNC) {
      assert.deepEqual(ours, underTerminal(RUNC, ['run', '--bundle', fg, 'tty8']), 'run as with runc');
      assert.equal(runc(['run', '-d', '--bundle', plainBundle, 'tty9']).status, 0);
      assert.deepEqual(ourExec, underTerminal(RUNC, ['exec', '-t', 'tty9', ...execProbe]), 'exec -t as with runc');
    }
  });

  test('nothing is left: no process, cgroup, mount or fd of the test', async () => {
    assert.equal(rt(['list', '-q']).stdout, '');
    assert.ok(await waitFor(() => processesWith(TAG).length === 0), `processes left: ${processesWith(TAG)}`);
    assert.deepEqual(mountsWith(tmp.dir), []);
    assert.deepEqual(ownFds(), fdsBefore);
  });
});
