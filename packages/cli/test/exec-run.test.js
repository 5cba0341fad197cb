// `linuxns exec` against `nsenter` and `linuxns run` against `unshare`, for
// the same requests: the same namespaces entered (by identity), the same id
// maps, setgroups, hostname and ids; new namespaces made where unshare makes
// them; the command's exit status passed on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { helperPath } from '../../helper-c/index.js';
import { BIN, PROBE, TYPES, assertOk, assertRefused, background, linuxns, mountinfo, mountsMentioning, noNewuidmap, normalize, notRoot, nsLink, runTool, sleepers, tempDir, tool, withSubids } from './fixtures/cli.js';


describe('exec, like nsenter', { skip: notRoot }, () => {
  let target;
  before(async () => {
    target = await background('unshare', ['--user', '--map-root-user', '--net', '--uts', '--ipc', 'sleep', '30']);
  });
  after(() => target?.stop());

  const same = (ours, theirs, what) => {
    assertOk(theirs, `nsenter ${what}`);
    assertOk(ours, `linuxns exec ${what}`);
    assert.equal(ours.stdout, theirs.stdout, what);
  };

  test('bare --TYPE options enter the target pid\'s namespaces, as nsenter -t PID does', () => {
    const t = String(target.pid);
    same(linuxns(['exec', '-t', t, '--net', '--uts', '--', 'sh', '-c', PROBE]), runTool('nsenter', ['-t', t, '--net', '--uts', 'sh', '-c', PROBE]), '--net --uts');
    same(linuxns(['exec', '--target', t, '--user', '--net', '--ipc', '--', 'sh', '-c', PROBE]), runTool('nsenter', ['-t', t, '--user', '--net', '--ipc', 'sh', '-c', PROBE]), '--user --net --ipc');
    const r = linuxns(['exec', '-t', t, '--net', '--', 'readlink', '/proc/self/ns/net']);
    assert.equal(r.stdout.trim(), nsLink(target.pid, 'net'));
  });

  test('--all enters every namespace that differs, as nsenter --all', () => {
    const t = String(target.pid);
    same(linuxns(['exec', '-t', t, '--all', '--', 'sh', '-c', PROBE]), runTool('nsenter', ['-t', t, '--all', 'sh', '-c', PROBE]), '--all');
  });

  test('--all skips a namespace type whose link the target lacks (a kernel without time namespaces)', () => {
    // In a mount namespace of its own, a target (new net, uts and mnt namespaces: its mount
    // namespace must be younger than ours to be bound) gets its /proc/PID/ns covered by a tmpfs
    // holding bind mounts of its namespace files except time: what a kernel without time
    // namespaces shows. (util-linux 2.38's nsenter --all fails there: 'cannot open .../ns/time'.)
    // "Younger" is by namespace id, which the kernel (6.18) hands out from per-CPU batches: a mount
    // namespace made later on another CPU can have the lower id, and binding its file then fails
    // with EINVAL (mnt_ns_loop). Both are made on one CPU, where the ids only grow.
    const cpu = /^Cpus_allowed_list:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1];
    const pins = tempDir('no-time');
    const script = `set -e; P=$1; shift
      unshare --net --uts --mount sleep 30 &
      T=$!
      trap 'kill $T' EXIT
      i=0; until [ "$(cat /proc/$T/comm)" = sleep ]; do i=$((i+1)); [ $i -lt 500 ]; sleep 0.01; done
      readlink /proc/$T/ns/net /proc/$T/ns/uts /proc/$T/ns/mnt
      for t in cgroup ipc mnt net pid user uts; do touch "$P/$t"; mount --bind "/proc/$T/ns/$t" "$P/$t"; done
      mount -t tmpfs linuxns-no-time "/proc/$T/ns"
      for t in cgroup ipc mnt net pid user uts; do touch "/proc/$T/ns/$t"; mount --bind "$P/$t" "/proc/$T/ns/$t"; done
      test ! -e "/proc/$T/ns/time"
      PROBE='readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/mnt /proc/self/ns/time'
      echo ---; "$@" exec -t $T --all -- sh -c "$PROBE" || echo "linuxns failed: $?"`;
    try {
      const r = runTool('taskset', ['-c', cpu, 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', pins.dir, process.execPath, BIN]);
      assertOk(r, 'the covered target');
      const [target, ours] = r.stdout.split('---\n').map((part) => part.trim().split('\n'));
      assert.equal(target.length, 3, r.stdout);
      // The target's net, uts and mnt namespaces; time stays ours.
      assert.deepEqual(ours, [...target, nsLink('self', 'time')], `linuxns exec --all: ${r.stderr}`);
    } finally {
      pins.remove();
    }
  });

  test('--TYPE=PATH enters the namespace at a path, as nsenter --TYPE=PATH', () => {
    const net = `/proc/${target.pid}/ns/net`;
    const uts = `/proc/${target.pid}/ns/uts`;
    same(linuxns(['exec', `--net=${net}`, `--uts=${uts}`, '--', 'sh', '-c', PROBE]), runTool('nsenter', [`--net=${net}`, `--uts=${uts}`, 'sh', '-c', PROBE]), '--net=PATH');
  });

  test('the exit status is the command\'s, and 128+signal when it is killed', () => {
    const t = String(target.pid);
    assert.equal(linuxns(['exec', '-t', t, '--net', '--', 'sh', '-c', 'exit 7']).status, 7);
    assert.equal(runTool('nsenter', ['-t', t, '--net', 'sh', '-c', 'exit 7']).status, 7);
    assert.equal(linuxns(['exec', '-t', t, '--net', '--', 'sh', '-c', 'kill -KILL $$']).status, 128 + 9);
    assert.equal(linuxns(['exec', '-t', t, '--net', '--', '/nonexistent/command']).status, runTool('nsenter', ['-t', t, '--net', '/nonexistent/command']).status);
  });

  test('bad input: no such pid, a path that is not a namespace, a namespace of another type', () => {
    assertRefused(linuxns(['exec', '-t', '999999999', '--net', 'true']), /no process with pid 999999999/);
    assertRefused(linuxns(['exec', '--net=/etc/hostname', 'true']), /\/etc\/hostname' is a regular file, not a namespace file/);
    assertRefused(linuxns(['exec', `--net=/proc/${target.pid}/ns/uts`, 'true']));
    assertRefused(linuxns(['exec', '-t', String(process.pid), '--all', 'true']), /nothing to enter/);
  });
});

describe('run, like unshare', { skip: notRoot }, () => {
  const compare = (ours, theirs, what) => {
    assertOk(theirs, `unshare ${what}`);
    assertOk(ours, `linuxns run ${what}`);
    assert.equal(normalize(ours.stdout), normalize(theirs.stdout), what);
  };

  test('new namespaces of each type where unshare makes them', () => {
    for (const [mine, util] of [
      [['--net', '--uts', '--ipc'], ['--net', '--uts', '--ipc']],
      [['--mnt', '--cgroup'], ['--mount', '--cgroup']],
      [['--pid'], ['--pid', '--fork']],
      [['--time'], ['--time']],
    ]) {
      compare(linuxns(['run', ...mine, '--', 'sh', '-c', PROBE]), runTool('unshare', [...util, 'sh', '-c', PROBE]), mine.join(' '));
    }
  });

  test('--map-root-user: the same maps, setgroups and ids as unshare --map-root-user', () => {
    compare(linuxns(['run', '--map-root-user', '--', 'sh', '-c', PROBE]), runTool('unshare', ['--map-root-user', 'sh', '-c', PROBE]), '--map-root-user');
    compare(linuxns(['run', '--user', '--', 'sh', '-c', PROBE]), runTool('unshare', ['--user', 'sh', '-c', PROBE]), '--user');
  });

  test('--map-users/--map-groups=INNER:OUTER:COUNT, inside first, are repeatable; unshare\'s OUTER,INNER,COUNT for one range is the same', (t) => {
    const r = linuxns(['run', '--map-users=0:100000:1000', '--map-users=1000:101000:10', '--map-groups=0:100000:65536', '--setgroups=allow', '--', 'sh', '-c', PROBE]);
    assertOk(r, 'run --map-users');
    const lines = r.stdout.split('\n').slice(TYPES.length);
    const fields = (l) => l.trim().split(/\s+/).map(Number);
    assert.deepEqual(lines.slice(0, 3).map(fields), [[0, 100000, 1000], [1000, 101000, 10], [0, 100000, 65536]]);
    assert.equal(lines[3], 'allow');
    const missing = noNewuidmap();
    if (missing) return t.skip(`${missing}: compared with the kernel maps only`);
    // util-linux 2.38 keeps only the last --map-users: compare a one-range request (ours is repeatable, checked above).
    withSubids(() => {
      const one = linuxns(['run', '--map-users=0:100000:1000', '--map-groups=0:100000:65536', '--setgroups=allow', '--', 'sh', '-c', PROBE]);
      const u = runTool('unshare', ['--user', '--map-users=100000,0,1000', '--map-groups=100000,0,65536', '--setgroups=allow', 'sh', '-c', PROBE]);
      compare(one, u, '--map-users');
    });
  });

  test("unshare's OUTER,INNER,COUNT, --map-user/-r beside it, -S/-G for root inside: the same maps and ids as unshare", (t) => {
    const range = ['--map-users=100000,0,65536', '--map-groups=100000,0,65536'];
    // util-linux 2.38 keeps only the last --map-users; ours are repeatable, in either form.
    const r = linuxns(['run', '--map-users=100000,0,1000', '--map-users=1000:101000:10', '--', 'cat', '/proc/self/uid_map']);
    assertOk(r, 'two ranges');
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)), [[0, 100000, 1000], [1000, 101000, 10]]);
    const missing = noNewuidmap();
    if (missing) return t.skip(missing);
    withSubids(() => {
      for (const [mine, util] of [
        // Our uid is not in the map: the command is nobody (65534) inside, as with unshare.
        [range, ['--user', ...range]],
        // -S 0 -G 0: root inside.
        [[...range, '-S', '0', '-G', '0'], ['--user', ...range, '-S', '0', '-G', '0']],
        [[...range, '--setuid', '1000', '--setgid=100'], ['--user', ...range, '--setuid', '1000', '--setgid=100']],
        // A single id beside a range: mapped first, and taken out of the range.
        [['--map-users=100000,0,65536', '--map-user=5'], ['--map-users=100000,0,65536', '--map-user=5']],
        [['-r', ...range], ['-r', ...range]],
        [['--map-users=100000,0,65536', '-r'], ['--map-users=100000,0,65536', '-r']],
      ]) {
        compare(linuxns(['run', ...mine, '--', 'sh', '-c', PROBE]), runTool('unshare', [...util, 'sh', '-c', PROBE]), mine.join(' '));
      }
      const root = linuxns(['run', ...range, '-S', '0', '-G', '0', '--', 'id']);
      assert.match(root.stdout, /^uid=0\(root\) gid=0\(root\)/);
    });
  });

  test('--hostname sets the name in a new uts namespace; our hostname stays', () => {
    const before = tool('hostname', []);
    compare(linuxns(['run', '--uts', '--hostname=box', '--', 'sh', '-c', PROBE]), runTool('unshare', ['--uts', 'sh', '-c', `hostname box && ${PROBE}`]), '--hostname');
    assert.equal(tool('hostname', []), before);
  });

  test('--pid --mount-proc: pid 1 and a /proc of its own, as unshare --fork --pid --mount-proc', () => {
    const script = 'echo $$; head -c 5 /proc/1/cmdline | tr "\\0" " "; echo; readlink /proc/self/ns/pid';
    compare(linuxns(['run', '--pid', '--mount-proc', '--', 'sh', '-c', script]), runTool('unshare', ['--fork', '--pid', '--mount-proc', 'sh', '-c', script]), '--mount-proc');
  });

  test('--monotonic and --boottime: the offsets unshare --time writes', () => {
    compare(
      linuxns(['run', '--time', '--monotonic=100', '--boottime=-20', '--', 'cat', '/proc/self/timens_offsets']),
      runTool('unshare', ['--time', '--monotonic', '100', '--boottime', '-20', 'cat', '/proc/self/timens_offsets']),
      '--monotonic --boottime',
    );
  });

  test('the exit status passes through: 7, 128+signal, 127 for no such command', () => {
    assert.equal(linuxns(['run', '--', 'sh', '-c', 'exit 7']).status, 7);
    assert.equal(linuxns(['run', '--net', '--', 'sh', '-c', 'exit 7']).status, runTool('unshare', ['--net', 'sh', '-c', 'exit 7']).status);
    assert.equal(linuxns(['run', '--pid', '--', 'sh', '-c', 'exit 9']).status, 9);
    assert.equal(linuxns(['run', '--', 'sh', '-c', 'kill -KILL $$']).status, 137);
    const missing = linuxns(['run', '--net', '--', '/nonexistent/command']);
    assert.equal(missing.status, runTool('unshare', ['--net', '/nonexistent/command']).status);
    assert.equal(missing.status, 127);
    assert.match(missing.stderr, /^linuxns: run: cannot execute '\/nonexistent\/command'/);
  });

  test('SIGTERM or SIGINT sent to linuxns while the helper sets up: the command gets it once it exists, is reaped, 128+signal', async () => {
    const tmp = tempDir('slowhelper');
    // core's LINUXNS_HELPER override: the real helper, started a second late (and LINUXNS_SPAWN=helper,
    // since a new uts namespace alone would be made in-process, without a helper).
    const slow = join(tmp.dir, 'slow-helper');
    writeFileSync(slow, `#!/bin/sh\nsleep 1\nexec ${helperPath} "$@"\n`);
    chmodSync(slow, 0o755);
    const duration = `29.${process.pid}`; // the command's cmdline tells it apart
    const commands = () => sleepers(duration);
    try {
      for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2]]) {
        const child = spawn(process.execPath, [BIN, 'run', '--uts', '--', 'sleep', duration], { stdio: 'ignore', env: { ...process.env, LINUXNS_HELPER: slow, LINUXNS_SPAWN: 'helper' } });
        const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
        // Wait for the helper (the slow script) to be started, then signal linuxns alone.
        // A thread of linuxns may end between the listing and the read (Node 24 and 26 start and end
        // threads of their own): its children file is then gone, and it had none of ours.
        const childrenOf = (pid) =>
          readdirSync(`/proc/${pid}/task`).flatMap((t) => {
            try {
              return readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1').split(' ').filter(Boolean);
            } catch (e) {
              if (e.code === 'ENOENT' || e.code === 'ESRCH') return [];
              throw e;
            }
          });
        for (let i = 0; i < 400 && childrenOf(child.pid).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        assert.ok(childrenOf(child.pid).length > 0, 'the helper was started');
        child.kill(signal);
        const { code, sig } = await exited;
        assert.deepEqual({ code, sig }, { code: 128 + number, sig: null }, `${signal}: linuxns passes the signal on and ends with 128+${number}`);
        assert.deepEqual(commands(), [], `${signal}: the command was killed and reaped`);
      }
    } finally {
      for (const pid of commands()) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      tmp.remove();
    }
  });

  test('--net=PIN leaves a pinned namespace that nsenter enters and unpin removes', () => {
    const tmp = tempDir('runpin');
    const pin = join(tmp.dir, 'net');
    try {
      const r = linuxns(['run', `--net=${pin}`, `--uts=${join(tmp.dir, 'uts')}`, '--', 'readlink', '/proc/self/ns/net']);
      assertOk(r, 'run --net=PIN');
      assert.equal(r.stdout.trim(), `net:[${statSync(pin).ino}]`);
      assert.equal(tool('nsenter', [`--net=${pin}`, 'readlink', '/proc/self/ns/net']), r.stdout);
      assert.ok(mountinfo().includes(` ${pin} `));
      assertOk(linuxns(['unpin', pin]), 'unpin');
      assertOk(linuxns(['unpin', join(tmp.dir, 'uts')]), 'unpin uts');
      assert.ok(!existsSync(pin));
      assert.ok(!mountinfo().includes(tmp.dir));
    } finally {
      runTool('umount', ['-l', pin]);
      runTool('umount', ['-l', join(tmp.dir, 'uts')]);
      tmp.remove();
    }
  });

  test('a pin that cannot be made leaves nothing: no mount, no file, no process', () => {
    const tmp = tempDir('runpinbad');
    try {
      const before = mountsMentioning(tmp.dir);
      assertRefused(linuxns(['run', `--net=${join(tmp.dir, 'missing', 'dir', 'net')}`, '--', 'true']));
      assert.deepEqual(mountsMentioning(tmp.dir), before);
      assert.deepEqual(runTool('ls', ['-A', tmp.dir]).stdout, '');
    } finally {
      tmp.remove();
    }
  });
});
