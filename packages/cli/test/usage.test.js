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

  test('run --help documents the order of --map-users against util-linux', () => {
    const r = linuxns(['run', '--help']);
    assert.match(r.stdout, /--map-users=INNER:OUTER:COUNT/);
    assert.match(r.stdout, /unshare --map-users=100000,0,65536\s+is linuxns run --map-users=0:100000:65536/);
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
    assertRefused(linuxns(['run', '--map-users=0,100000,65536', 'true']), /INNER:OUTER:COUNT/);
    assertRefused(linuxns(['run', '--setgroups=maybe', '--user', 'true']), /allow or deny/);
    assertRefused(linuxns(['run', '--monotonic=soon', 'true']), /whole number of seconds/);
    assertRefused(linuxns(['run', '--mount-proc', 'true']), /add --pid/);
    assertRefused(linuxns(['exec', '--net', 'true']), /--net without a path needs --target PID/);
    assertRefused(linuxns(['exec', '--all', 'true']), /--all needs --target PID/);
    assertRefused(linuxns(['mount', '/a', '/b']), /--target PID is missing/);
  });
});
