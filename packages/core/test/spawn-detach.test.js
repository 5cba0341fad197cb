// spawn's `detach` and `gateFd` against the real kernel: a command that outlives
// spawn and its caller, waiting at a FIFO another process opens later (an OCI
// runtime's create, then start), reparented to the caller's child subreaper
// (conmon, a containerd shim), which reaps it and sees its exit status; a
// command that cannot run refused at create; the options' rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ok } from 'neverthrow';
import { helperPath } from '@linuxns/helper-c';
import { spawn, validateSpawnOptions } from '../dist/index.js';
import { errorOf, tempDir, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'spawn with new namespaces needs root';

/** The state letter and parent of `pid` from /proc/PID/stat, or undefined once it is gone. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

async function until(check, what, ms = 5000) {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A FIFO at `path` (made), opened read-write: the gate the command holds. */
function fifoGate(path) {
  execFileSync('mkfifo', ['-m', '0600', path]);
  return openSync(path, constants.O_RDWR);
}

describe('spawn detach with a gate of the caller', { skip: notRoot }, () => {
  test('the command waits at the FIFO once spawn resolves, the helper gone and the pid file written; a byte written by another process later lets it exec', async () => {
    const tmp = tempDir('linuxns-detach-');
    const gate = fifoGate(join(tmp.dir, 'gate'));
    let pid;
    try {
      const pidFile = join(tmp.dir, 'pid');
      const out = join(tmp.dir, 'out');
      const child = unwrap(
        await spawn('sh', ['-c', `echo $$ > ${out}; exec sleep 60`], { create: ['pid', 'mnt'], pidFile, gateFd: gate, detach: true, stdio: 'ignore' }),
      );
      pid = child.pid;
      closeSync(gate); // the command holds the FIFO now, both ends
      assert.deepEqual(await child.exited, { code: 0, signal: null }, 'the helper exits 0 once the command waits');
      assert.match(readFileSync(pidFile, 'utf8'), new RegExp(`^${pid} \\d+\\n$`), 'the pid file names the waiting command');
      assert.equal(readlinkSync(`/proc/${pid}/exe`), helperPath, 'it has not exec\'d: it waits at the gate');
      assert.equal(stat(pid).ppid, 1, 'the helper above it is gone: reparented (no subreaper here but init)');
      // Another process opens the gate, as a runtime's start does.
      const start = spawnSync('sh', ['-c', `printf G > ${join(tmp.dir, 'gate')}`], { timeout: 5000 });
      assert.equal(start.status, 0);
      await until(() => readlinkSync(`/proc/${pid}/exe`) !== helperPath, 'the command exec\'d');
      await until(() => { try { return readFileSync(out, 'utf8') === '1\n'; } catch { return false; } }, 'it ran as pid 1');
    } finally {
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      tmp.remove();
    }
  });

  test("the command is reparented to the caller's child subreaper, which reaps it and sees its own exit status", { skip: !existsPython() && 'python3 is not installed' }, () => {
    const tmp = tempDir('linuxns-detach-');
    try {
      // A subreaper (as conmon and containerd-shim are) runs a Node caller that spawns detached and exits; the command
      // then exits 7 after its gate is opened: the subreaper, not the helper, must reap it with that status.
      const caller = join(tmp.dir, 'caller.mjs');
      writeFileSync(caller, `
        import { constants, openSync } from 'node:fs';
        import { spawn } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
        const gate = openSync(${JSON.stringify(join(tmp.dir, 'gate'))}, constants.O_RDWR);
        const r = await spawn('sh', ['-c', 'exit 7'], { create: ['pid', 'mnt'], pidFile: ${JSON.stringify(join(tmp.dir, 'pid'))}, gateFd: gate, detach: true, stdio: 'ignore' });
        if (r.isErr()) { console.error(r.error.message); process.exit(1); }
        console.log(r.value.pid);
      `);
      execFileSync('mkfifo', [join(tmp.dir, 'gate')]);
      const reaper = `
import ctypes, os, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
r = subprocess.run([sys.argv[1], sys.argv[2]], capture_output=True, text=True)
if r.returncode != 0: print('caller failed', r.stderr); sys.exit(1)
pid = int(r.stdout.strip())
with open(sys.argv[3], 'w') as g: g.write('G')
while True:
    got, status = os.waitpid(-1, 0)
    if got == pid: break
print(pid, os.waitstatus_to_exitcode(status))
`;
      const r = spawnSync('python3', ['-c', reaper, process.execPath, caller, join(tmp.dir, 'gate')], { encoding: 'utf8', timeout: 30000 });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const [pid, code] = r.stdout.trim().split(' ').map(Number);
      assert.equal(readFileSync(join(tmp.dir, 'pid'), 'utf8').split(' ')[0], String(pid));
      assert.equal(code, 7, 'the subreaper reaped the command itself, with its exit status');
    } finally {
      tmp.remove();
    }
  });

  test('without a gate the helper goes once the command has exec\'d; the command lives on without a parent-death signal', async () => {
    const tmp = tempDir('linuxns-detach-');
    let pid;
    try {
      const pidFile = join(tmp.dir, 'pid');
      const child = unwrap(await spawn('sleep', ['60'], { create: ['pid'], pidFile, detach: true, stdio: 'ignore' }));
      pid = child.pid;
      assert.deepEqual(await child.exited, { code: 0, signal: null });
      assert.match(readFileSync(pidFile, 'utf8'), new RegExp(`^${pid} \\d+\\n$`));
      assert.match(readlinkSync(`/proc/${pid}/exe`), /sleep$/);
      assert.doesNotMatch(readFileSync(`/proc/${pid}/status`, 'utf8'), /^State:\s+[ZX]/m, 'it runs on after the helper exited');
    } finally {
      if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      tmp.remove();
    }
  });

  test('a command that cannot be found is refused before the gate (nobody would hear of it after): spawn-setup-failed at exec, the pid file empty', async () => {
    const tmp = tempDir('linuxns-detach-');
    const gate = fifoGate(join(tmp.dir, 'gate'));
    try {
      const pidFile = join(tmp.dir, 'pid');
      const e = errorOf(await spawn('no-such-command-here', [], { create: ['pid', 'mnt'], pidFile, gateFd: gate, detach: true, stdio: 'ignore' }), 'spawn-setup-failed');
      assert.equal(e.step, 'exec');
      assert.equal(e.code, 'ENOENT');
      assert.equal(readFileSync(pidFile, 'utf8'), '');
    } finally {
      closeSync(gate);
      tmp.remove();
    }
  });
});

function existsPython() {
  return spawnSync('sh', ['-c', 'command -v python3'], { stdio: 'ignore' }).status === 0;
}

describe('spawn detach and gateFd: the rules', () => {
  const option = (o) => {
    const r = validateSpawnOptions(o);
    return r.isErr() ? r.error.option : undefined;
  };
  test('detach needs pidFile and excludes pin, parentDeathSignal and beforeExec; gateFd excludes beforeExec', () => {
    assert.equal(option({ create: ['pid'], detach: true }), 'detach');
    assert.equal(option({ create: ['pid', 'net'], detach: true, pidFile: '/run/x', pin: { net: '/run/y' } }), 'detach');
    assert.equal(option({ create: ['pid'], detach: true, pidFile: '/run/x', parentDeathSignal: 'SIGKILL' }), 'detach');
    assert.equal(option({ create: ['pid'], detach: true, pidFile: '/run/x', beforeExec: () => ok(undefined) }), 'detach');
    assert.equal(option({ create: ['pid'], gateFd: 5, beforeExec: () => ok(undefined) }), 'gateFd');
    assert.equal(option({ create: ['pid'], gateFd: 5, detach: true, pidFile: '/run/x' }), undefined);
    assert.throws(() => validateSpawnOptions({ gateFd: -1 }), TypeError);
    assert.throws(() => validateSpawnOptions({ detach: 'yes', pidFile: '/run/x' }), TypeError);
  });
});
