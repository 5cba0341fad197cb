// A command line copied from util-linux works: each spelling of unshare's
// and nsenter's that `linuxns run` and `linuxns exec` take (short options,
// grouped ones, --mount, -S/-G, -R/-w, -r/-w/-W, --propagation,
// --kill-child...) runs the same command line through the real tool and
// through linuxns, and compares what the command saw. unshare's comma maps
// need /etc/subuid, so they are in exec-run.test.js (one file changes it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BUSYBOX, makeRootfs } from '../../container/test/fixtures/rootfs.js';
import { BIN, PROBE, assertOk, background, linuxns, normalize, notRoot, runTool, sleepers, tempDir } from './fixtures/cli.js';

/** Asserts the tool and linuxns both succeeded and printed the same (new namespaces normalized). */
function same(ours, theirs, what) {
  assertOk(theirs, `util-linux: ${what}`);
  assertOk(ours, `linuxns: ${what}`);
  assert.equal(normalize(ours.stdout), normalize(theirs.stdout), what);
}

/** Why a test that needs a busybox rootfs cannot run, else false (CI has busybox-static). */
function noBusybox() {
  if (existsSync(BUSYBOX)) return false;
  assert.ok(!process.env.CI, `no ${BUSYBOX} in CI`);
  return `no ${BUSYBOX}: apt-get install busybox-static`;
}

describe('run takes unshare\'s spellings, with their meaning', { skip: notRoot }, () => {
  const both = (args, command, what = args.join(' ')) => same(linuxns(['run', ...args, '--', ...command]), runTool('unshare', [...args, ...command]), what);

  test('short type options, alone and grouped, -f, and --mount', () => {
    for (const args of [['-n', '-u', '-i'], ['-nuimpf'], ['-m', '-C'], ['-U'], ['-T'], ['-p', '-f'], ['-mpf'], ['--mount'], ['--fork', '--pid']]) {
      both(args, ['sh', '-c', PROBE]);
    }
  });

  test('-r, -c, --map-user and --map-group, by number and by name', () => {
    for (const args of [['-r'], ['-c'], ['--map-current-user'], ['--map-user=games', '--map-group=users'], ['--map-user=1000'], ['--map-group=0'], ['--map-user=0', '--map-group=0'], ['-U', '--map-user', 'nobody']]) {
      both(args, ['sh', '-c', PROBE]);
    }
    // The last of -r and --map-user says the uid, as with unshare.
    both(['--map-user=5', '-r'], ['sh', '-c', PROBE]);
    both(['-r', '--map-user=5'], ['sh', '-c', PROBE]);
  });

  test('-S and -G: the ids the command runs as, supplementary groups dropped by -G', () => {
    for (const args of [['-S', '5', '-G', '100'], ['--setuid=5'], ['--setgid', '100'], ['-rS0'], ['-S7', '-G7', '-n']]) {
      both(args, ['sh', '-c', PROBE]);
    }
    // root's supplementary groups cannot be dropped once setgroups is denied: both refuse.
    const r = linuxns(['run', '-r', '-G', '0', '--', 'true']);
    assert.equal(r.status, runTool('unshare', ['-r', '-G', '0', 'true']).status);
    assert.match(r.stderr, /setgroups gave EPERM/);
  });

  describe('-R and -w', { skip: noBusybox() }, () => {
    let fs;
    before(() => {
      fs = makeRootfs('linuxns-cli-spell-');
      mkdirSync(join(fs.root, 'sub'));
    });
    after(() => fs?.remove());

    test('-R DIR -w DIR, with a new pid namespace and its /proc inside DIR', () => {
      const script = 'echo $$; pwd; ls /; ls /proc | grep -c "^[0-9]"; readlink /proc/self/ns/pid';
      both(['-R', fs.root, '-w', '/sub', '-p', '-f', '--mount-proc'], ['/bin/sh', '-c', script]);
      both([`--root=${fs.root}`, '--wd=/sub', '-pf', '--mount-proc=/proc'], ['/bin/sh', '-c', script]);
      both(['-R', fs.root], ['/bin/sh', '-c', 'pwd; ls /']);
      both(['-w', '/etc', '-n'], ['sh', '-c', 'pwd']);
    });
  });

  test('--propagation of the new mount namespace', () => {
    // Inside a mount namespace whose mounts are shared, each mode shows in mountinfo's optional fields.
    const script = `for mode in slave shared private unchanged; do
      echo "== $mode"; unshare -m --propagation $mode sh -c "$PROBE_MOUNTS"; echo "-- $mode"; "$@" run -m --propagation $mode -- sh -c "$PROBE_MOUNTS"
    done`;
    const r = runTool('unshare', ['-m', '--propagation', 'shared', 'sh', '-c', script, 'sh', process.execPath, BIN], {
      env: { ...process.env, PROBE_MOUNTS: "awk '{ print $5, $7 }' /proc/self/mountinfo" },
    });
    assertOk(r, 'the shared mount namespace');
    for (const part of r.stdout.split('== ').slice(1)) {
      const [theirs, ours] = part.split(/^-- \w+\n/m);
      assert.equal(ours, theirs.replace(/^\w+\n/, ''), `--propagation ${part.split('\n')[0]}`);
    }
    assert.match(r.stdout, /master:\d+/, 'slave shows its master');
  });

  test('--kill-child: the command ends when the tool is killed; without it, it stays', async () => {
    const tag = `28.${process.pid}`;
    const running = () => sleepers(tag);
    const outcome = async (file, args) => {
      const child = spawn(file, args, { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      for (let i = 0; i < 400 && running().length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(running().length, 1, `${args.join(' ')} started sleep`);
      child.kill('SIGKILL');
      await exited;
      for (let i = 0; i < 200 && running().length > 0; i++) await new Promise((r) => setTimeout(r, 5));
      const left = running();
      for (const pid of left) process.kill(Number(pid), 'SIGKILL');
      return left.length === 0 ? 'killed' : 'left';
    };
    try {
      for (const [mine, util] of [
        [['--kill-child'], ['--kill-child']],
        [['--kill-child=TERM', '-n'], ['--kill-child=TERM', '-n']],
        [['-p', '--kill-child'], ['-pf', '--kill-child']],
        [[], ['-f']],
      ]) {
        const ours = await outcome(process.execPath, [BIN, 'run', ...mine, '--', 'sleep', tag]);
        const theirs = await outcome('unshare', [...util, 'sleep', tag]);
        assert.equal(ours, theirs, mine.join(' '));
        assert.equal(ours, mine.length > 0 ? 'killed' : 'left', mine.join(' '));
      }
    } finally {
      for (const pid of running()) process.kill(Number(pid), 'SIGKILL');
    }
  });
});

describe('exec takes nsenter\'s spellings, with their meaning', { skip: notRoot }, () => {
  // The target: root of a user namespace mapping 0-65535 to 100000, with net, uts and mount
  // namespaces, its working directory on a tmpfs that only its mount namespace has.
  let target;
  let tmp;
  let inside;
  before(async () => {
    tmp = tempDir('spell');
    chmodSync(tmp.dir, 0o755);
    inside = join(tmp.dir, 'in');
    const script = `mount -t tmpfs spell ${tmp.dir} && mkdir ${inside} && touch ${inside}/marker && cd ${inside} && exec sleep 30`;
    target = await background(process.execPath, [BIN, 'run', '--map-users=0:100000:65536', '--map-groups=0:100000:65536', '-S', '0', '-G', '0', '-num', '--', 'sh', '-c', script]);
  });
  after(async () => {
    await target?.stop();
    tmp?.remove();
  });

  const both = (args, command, what = args.join(' ')) => same(linuxns(['exec', ...args, '--', ...command]), runTool('nsenter', [...args, ...command]), what);
  const t = () => String(target.pid);

  test('short type options, -a, --mount, and a path attached to a short option', () => {
    for (const args of [['-t', t(), '-n', '-u'], ['-t', t(), '-U', '-n', '-m'], [`-t${t()}`, '--mount', '-i'], ['-t', t(), '-a'], ['-at', t()]]) {
      both(args, ['sh', '-c', `${PROBE}; pwd`]);
    }
    both([`-n/proc/${t()}/ns/net`, `-u/proc/${t()}/ns/uts`], ['sh', '-c', PROBE]);
    both(['-t', t(), `--mount=/proc/${t()}/ns/mnt`], ['sh', '-c', `${PROBE}; pwd`]);
  });

  test('-S and -G: instead of root in the entered user namespace, or with --preserve-credentials', () => {
    for (const args of [['-t', t(), '-U', '-n', '-S', '1000', '-G', '100'], ['-t', t(), '-a', '--setuid=5', '--setgid', '5'], ['-t', t(), '-U', '-S5'], ['-t', t(), '-U', '--preserve-credentials', '-S', '7', '-n'], ['-t', t(), '-n', '-G', '100']]) {
      both(args, ['sh', '-c', PROBE]);
    }
  });

  test('-w and -r, bare (the target\'s) and with a directory; -W inside', () => {
    for (const args of [['-t', t(), '-m', '-w'], ['-t', t(), '-m', '-r', '-w'], ['-t', t(), '-a', '-r', '-w'], ['-t', t(), '-U', '-m', '-W', inside], ['-t', t(), '-n', '--wd=/etc'], ['-t', t(), '-n', '-w/etc']]) {
      both(args, ['sh', '-c', 'pwd; ls']);
    }
    // Without its mount namespace, the target's directory is reached through /proc/PID/cwd: its
    // path is not ours, its content is.
    both(['-t', t(), '-n', '-w'], ['ls']);
    both(['-t', t(), '-n', '-r'], ['ls', '/']);
  });

  describe('-r DIR', { skip: noBusybox() }, () => {
    let fs;
    before(() => {
      fs = makeRootfs('linuxns-cli-spell-');
      writeFileSync(join(fs.root, 'tmp', 'here'), '');
    });
    after(() => fs?.remove());

    test('--root=DIR and -rDIR with -W: the new root, the directory inside it', () => {
      both(['-t', t(), '-n', `--root=${fs.root}`, '-W', '/tmp'], ['/bin/sh', '-c', 'pwd; ls; ls /']);
      both(['-t', t(), '-n', `-r${fs.root}`, '--wdns=/bin'], ['/bin/sh', '-c', 'pwd; ls / | head -3']);
      // Without a working directory, nsenter leaves it outside the new root, linuxns at its /.
      both(['-t', t(), '-U', '-n', `-r${fs.root}`], ['/bin/ls', '/']);
    });
  });
});
