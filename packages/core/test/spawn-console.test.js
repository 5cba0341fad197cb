// spawn's `console` against the real kernel: the command's terminal is a pty
// whose master goes to a unix socket (SCM_RIGHTS), as an OCI runtime's
// --console-socket. A receiver (fixtures/console-receiver.py) gets the master,
// writes a line to it and reads what comes back: the line reaches the
// command, whose stdin, stdout, stderr and controlling terminal are the slave
// and which holds no other fd of it; a new mount namespace with its own devpts
// gives a pty of that instance. A socket nobody listens on is a setup failure
// before anything runs; the option's values are checked.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, validateSpawnOptions } from '../dist/index.js';
import { consoleReceiver } from './fixtures/console-receiver.js';
import { makeScratch, ociSkip } from './fixtures/oci-probe.js';
import { errorOf, tempDir, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'spawn with new namespaces needs root';
/** Reads a line, then says what its terminal is: the line, the tty, its size, its session and terminal's process group, its fds. */
// (/proc/PID/stat's fields 6 and 8: the session and the terminal's foreground process group; ls not last: sh would exec it)
const PROBE = 'read line; echo "got:$line"; tty; stty size; cut -d" " -f6,8 /proc/$$/stat; ls /proc/$$/fd; true';

describe('spawn: console', { skip: notRoot }, () => {
  test('the master comes to the socket; the line written to it reaches the command, whose terminal is the slave, sized', async () => {
    const tmp = tempDir('linuxns-console-');
    try {
      const socket = join(tmp.dir, 'console.sock');
      const { report } = await consoleReceiver(socket, 'hello\n');
      const child = unwrap(await spawn('sh', ['-c', PROBE], { create: ['pid', 'mnt'], mountProc: true, console: { socket, height: 24, width: 100 }, stdio: 'pipe' }));
      let piped = '';
      child.stdout.on('data', (d) => (piped += d));
      assert.deepEqual(await child.exited, { code: 0, signal: null });
      const r = await report;
      assert.deepEqual([r.name, r.fds], ['/dev/ptmx', 1], 'one fd, in one message named as runc names it');
      const lines = r.output.split('\r\n');
      assert.deepEqual(lines.slice(0, 4), ['hello', 'got:hello', `/dev/pts/${r.ptn}`, '24 100'], 'echo, the line read, the slave of the master received, the size');
      const [sid, tpgid] = lines[4].trim().split(/\s+/).map(Number);
      assert.equal(sid, 1, 'the command leads its session (pid 1 of its pid namespace)');
      assert.equal(tpgid, 1, 'its controlling terminal is the slave, whose foreground process group is its own');
      assert.deepEqual(lines[5].trim().split(/\s+/), ['0', '1', '2'], 'stdio alone: neither the socket nor the master');
      assert.equal(piped, '', 'spawn\'s stdio reached the helper only');
    } finally {
      tmp.remove();
    }
  });

  test('a devpts of its own (a rootfs with mountDev): the slave is its /dev/pts/N, not the host\'s', { skip: ociSkip() }, async () => {
    const scratch = makeScratch('linuxns-console-');
    try {
      const socket = join(scratch.base, 'console.sock');
      const { report } = await consoleReceiver(socket, 'x\n');
      // A busybox rootfs: mountDev gives it a /dev of its own (a tmpfs, a new devpts, /dev/ptmx a link to pts/ptmx).
      const child = unwrap(await spawn('sh', ['-c', 'read l; tty; stat -c %d /dev/pts/ptmx; ls -l /dev/console | cut -c1'], {
        create: ['pid', 'mnt', 'ipc', 'uts'], rootfs: { path: scratch.root }, mountDev: true, mountProc: true, envMode: 'replace', env: { PATH: '/bin' },
        console: { socket }, stdio: 'ignore',
      }));
      assert.deepEqual(await child.exited, { code: 0, signal: null });
      const r = await report;
      const lines = r.output.split('\r\n');
      assert.equal(lines[1], `/dev/pts/${r.ptn}`);
      assert.equal(Number(lines[2]), r.dev, 'the pty is of the command\'s devpts');
      assert.notEqual(r.dev, statSync('/dev/pts/ptmx').dev, 'an instance of its own');
      assert.equal(lines[3], 'c', 'with a rootfs the slave is bound on /dev/console, as runc does');
    } finally {
      scratch.remove();
    }
  });

  test('a socket nobody listens on: spawn-setup-failed at step console, before anything runs; no fd left', async () => {
    const before = readdirSync('/proc/self/fd').length;
    const tmp = tempDir('linuxns-console-');
    try {
      const r = await spawn('sh', ['-c', 'echo ran'], { create: ['pid', 'mnt'], console: { socket: join(tmp.dir, 'nobody.sock') }, stdio: 'pipe' });
      const e = errorOf(r, 'spawn-setup-failed');
      assert.deepEqual([e.step, e.syscall, e.code], ['console', 'connect', 'ENOENT']);
    } finally {
      tmp.remove();
    }
    assert.equal(readdirSync('/proc/self/fd').length, before);
  });

  test('the option is checked: an absolute path a socket address holds, height and width together, each 0 to 65535; no socket, no detach', () => {
    const bad = (console, text) => {
      const e = errorOf(validateSpawnOptions({ console }), 'invalid-option');
      assert.equal(e.option, 'console');
      assert.match(e.message, text);
    };
    bad({ socket: 'relative.sock' }, /absolute path/);
    bad({ socket: `/${'x'.repeat(110)}` }, /longer than a unix socket address/);
    bad({ socket: '/run/c.sock', height: 24 }, /go together/);
    bad({ socket: '/run/c.sock', height: 24, width: 70000 }, /width must be an integer from 0 to 65535/);
    assert.throws(() => validateSpawnOptions({ console: { socket: 3 } }), TypeError);
    assert.throws(() => validateSpawnOptions({ console: '/run/c.sock' }), TypeError);
    assert.deepEqual(unwrap(validateSpawnOptions({ console: { socket: '/run/c.sock', height: 24, width: 80 } })).settings, { console: '/run/c.sock', consoleSize: [24, 80] });
    // Without a socket the helper relays the terminal to its own stdio: it must stay, so detach is refused.
    assert.deepEqual(unwrap(validateSpawnOptions({ console: {} })).settings, { consoleRelay: true });
    const e = errorOf(validateSpawnOptions({ console: {}, detach: true, pidFile: '/run/c.pid' }), 'invalid-option');
    assert.equal(e.option, 'console');
  });
});
