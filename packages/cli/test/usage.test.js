// The command line itself: --help on every subcommand, --version, and
// misuse answered with one line and exit status 1. Needs no privilege.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertRefused, linuxns } from './fixtures/cli.js';

const SUBCOMMANDS = [['ls'], ['tree'], ['exec'], ['run'], ['pin'], ['unpin'], ['netns'], ['netns', 'add'], ['netns', 'del'], ['netns', 'list'], ['netns', 'exec'], ['mount'], ['umount'], ['container'], ...['create', 'start', 'run', 'state', 'list', 'kill', 'delete', 'exec'].map((c) => ['container', c])];

describe('usage', () => {
  test('linuxns --help lists every command and exits 0', () => {
    const r = linuxns(['--help']);
    assert.equal(r.status, 0);
    for (const c of ['ls', 'tree', 'exec', 'run', 'pin', 'unpin', 'netns', 'mount', 'umount', 'container']) assert.match(r.stdout, new RegExp(`^ ${c} `, 'm'));
  });

  test('every subcommand has --help, which exits 0 with a Usage text', () => {
    for (const words of SUBCOMMANDS) {
      const r = linuxns([...words, '--help']);
      assert.equal(r.status, 0, `${words.join(' ')} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage:\n linuxns /, words.join(' '));
      assert.equal(r.stderr, '');
    }
  });

  test('every --help fits in 80 columns', () => {
    for (const words of [[], ...SUBCOMMANDS]) {
      const r = linuxns([...words, '--help']);
      for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `linuxns ${words.join(' ')} --help has a line of ${line.length} columns: ${line}`);
    }
  });

  test('run --help documents both orders of --map-users: unshare\'s with commas, inside first with colons', () => {
    const r = linuxns(['run', '--help']);
    assert.match(r.stdout, /--map-users=OUTER,INNER,COUNT/);
    assert.match(r.stdout, /--map-users=INNER:OUTER:COUNT/);
    assert.match(r.stdout, /--map-users=100000,0,65536 is\s+--map-users=0:100000:65536/);
    assert.match(r.stdout, /-S, --setuid UID .*\n.*\n.*uid 65534 \(nobody\) there: -S 0 makes it root/);
  });

  test('util-linux options linuxns cannot honour are refused with the reason, in one line', () => {
    assertRefused(linuxns(['run', '--keep-caps', 'true']), /^linuxns: run: option '--keep-caps' is not supported: linuxns run sets no capabilities/);
    assertRefused(linuxns(['run', '--map-auto', 'true']), /option '--map-auto' is not supported: linuxns does not read \/etc\/subuid/);
    assertRefused(linuxns(['run', '--map-users=auto', 'true']), /--map-users=auto is not supported: linuxns does not read \/etc\/subuid/);
    assertRefused(linuxns(['exec', '-F', '-t', '1', '-n', 'true']), /option '-F' is not supported: linuxns starts the command as a new process/);
    assertRefused(linuxns(['exec', '--no-fork', 'true']), /option '--no-fork' is not supported/);
    assertRefused(linuxns(['exec', '-Z', 'true']), /option '-Z' is not supported: linuxns sets no SELinux context/);
    assertRefused(linuxns(['exec', '--follow-context', 'true']), /option '--follow-context' is not supported/);
    // nsenter opens --root=DIR and --wd=DIR before it enters a mount namespace; linuxns cannot.
    assertRefused(linuxns(['exec', '-t', '1', '-m', '-r/tmp', 'true']), /--root=DIR with a mount namespace entered: nsenter opens DIR before it enters/);
    assertRefused(linuxns(['exec', '-t', '1', '--mount', '--wd=/tmp', 'true']), /--wd=DIR with a mount namespace entered/);
    assertRefused(linuxns(['exec', '-t', '1', '--mnt=/proc/1/ns/mnt', '-w', 'true']), /a bare --wd is the target's directory, which linuxns finds only in the target's own mount namespace/);
    assertRefused(linuxns(['exec', '-t', '1', '-n', '-r/tmp', '-w', 'true']), /--wd with --root: nsenter leaves the working directory outside the new root/);
  });

  test('--version prints the package version', () => {
    const r = linuxns(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^linuxns from @linuxns\/cli \d+\.\d+\.\d+\n$/);
  });

  test('an unknown command, a missing one, and unknown options are refused with a pointer to --help', () => {
    assertRefused(linuxns(['frobnicate']), /unknown command 'frobnicate' \(see 'linuxns --help'\)/);
    assertRefused(linuxns([]), /missing a command/);
    assertRefused(linuxns(['ls', '--frob']), /^linuxns: ls: unknown option '--frob' \(see 'linuxns ls --help'\)/);
    assertRefused(linuxns(['exec', '--target']), /option '--target' needs a value/);
    assertRefused(linuxns(['mount', '--ro=yes', '-t', '1', '/a', '/b']), /option '--ro' takes no value/);
    assertRefused(linuxns(['netns', 'frob']), /unknown subcommand 'frob'/);
    // Names of Object.prototype are no subcommands either.
    assertRefused(linuxns(['netns', 'toString']), /unknown subcommand 'toString'/);
    assertRefused(linuxns(['netns', 'constructor', 'x']), /unknown subcommand 'constructor'/);
    assertRefused(linuxns(['netns', '__proto__']), /unknown subcommand '__proto__'/);
    assertRefused(linuxns(['netns', 'hasOwnProperty', 'x']), /unknown subcommand 'hasOwnProperty'/);
    assertRefused(linuxns(['pin', 'net']), /missing PID PATH/);
  });

  test('malformed values are refused before anything is done', () => {
    assertRefused(linuxns(['ls', '-p', 'abc']), /--task must be a process id/);
    assertRefused(linuxns(['run', '--map-users=0:100000', 'true']), /--map-users takes OUTER,INNER,COUNT as unshare \(e\.g\. 100000,0,65536\) or INNER:OUTER:COUNT/);
    assertRefused(linuxns(['run', '--map-groups=100000;0;1', 'true']), /--map-groups takes OUTER,INNER,COUNT/);
    assertRefused(linuxns(['run', '--map-user=no-such-user-here', 'true']), /--map-user takes a number or a name in \/etc\/passwd, got 'no-such-user-here'/);
    assertRefused(linuxns(['run', '--map-group=no-such-group-here', 'true']), /--map-group takes a number or a name in \/etc\/group/);
    assertRefused(linuxns(['run', '-S', 'root', 'true']), /--setuid takes a number from 0 to 4294967294, got 'root'/);
    assertRefused(linuxns(['exec', '-t', '1', '-n', '-G', '-1', 'true']), /--setgid takes a number/);
    assertRefused(linuxns(['run', '-S']), /option '-S' needs a value/);
    assertRefused(linuxns(['run', '-nX', 'true']), /unknown option '-X'/);
    assertRefused(linuxns(['run', '--propagation=bogus', '-m', 'true']), /--propagation takes slave, shared, private or unchanged, got 'bogus'/);
    assertRefused(linuxns(['run', '--kill-child=15', 'true']), /--kill-child takes a signal name/);
    assertRefused(linuxns(['run', '-p', '--mount-proc=/mnt', 'true']), /--mount-proc mounts the new \/proc on \/proc only/);
    assertRefused(linuxns(['exec', '-t', '1', '-n', '-w', '-W', '/', 'true']), /--wd and --wdns exclude each other/);
    assertRefused(linuxns(['exec', '-n/proc/1/ns/net', '-r', 'true']), /a bare --root means the target's directory: give --target PID/);
    assertRefused(linuxns(['run', '--setgroups=maybe', '--user', 'true']), /allow or deny/);
    assertRefused(linuxns(['run', '--monotonic=soon', 'true']), /whole number of seconds/);
    assertRefused(linuxns(['run', '--mount-proc', 'true']), /add --pid/);
    assertRefused(linuxns(['exec', '--net', 'true']), /--net without a path needs --target PID/);
    assertRefused(linuxns(['exec', '--all', 'true']), /--all needs --target PID/);
    assertRefused(linuxns(['mount', '/a', '/b']), /--target PID is missing/);
  });
});
