// The dummy process behind UsernsCache: it dies with a caller that crashes
// half-way (PR_SET_PDEATHSIG), and a caller without privilege gets the
// kernel's refusal as userns-setup-failed, with no process left behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { distFile, fixture, notRoot, procStat, processesWithParent, runNode, runNodeAs, sleep } from './fixtures/helpers.js';

const PR_SET_CHILD_SUBREAPER = 36;
const WNOHANG = 1;
const WALL = 0x40000000;

describe('a dummy dies with its caller', { skip: notRoot }, () => {
  let libc;
  before(() => {
    // This process becomes a child subreaper: the crashed fixture's dummy is then re-parented to
    // us instead of pid 1, so the test can reap it and learn how it ended (pid 1 of this machine
    // does not reap orphans: without this the dummy would stay a zombie of pid 1 forever).
    libc = koffi.load('libc.so.6');
    libc.prctl = libc.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)');
    libc.waitpid = libc.func('int waitpid(int pid, _Out_ int *status, int options)');
    assert.equal(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  });
  after(() => {
    libc?.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    libc?.unload();
  });

  test('the caller is SIGKILLed with its dummy stopped: the dummy dies too', async (t) => {
    const r = await runNode([fixture('crash-with-dummy.js')]);
    assert.equal(r.signal, 'SIGKILL', `the fixture should have killed itself: ${r.err}`);
    const info = JSON.parse(r.out);
    // Before the crash the dummy was alive, stopped under ptrace, in a namespace with the map.
    assert.equal(info.state, 't', `dummy state before the crash: ${info.state}`);
    assert.deepEqual(info.uidMap.trim().split(/\s+/).map(Number), [0, 100000, 65536]);
    const pid = info.pid;
    let seen;
    let status;
    try {
      const deadline = Date.now() + 5000;
      for (;;) {
        // Reap it once it has died (it was re-parented to this subreaper); WNOHANG: never block.
        const st = [0];
        const w = libc.waitpid(pid, st, WNOHANG | WALL);
        if (w === pid) {
          status = st[0];
          break;
        }
        seen = procStat(pid);
        if (seen === undefined) break; // gone: reaped elsewhere
        if (Date.now() > deadline) break;
        await sleep(10);
      }
      // The outcome, in order of strength: we reaped it and it was killed by SIGKILL (its
      // PDEATHSIG), or at least it is gone or dead; never running, sleeping or stopped.
      if (status !== undefined) {
        // Two endings race, both fine: the PDEATHSIG SIGKILL, or - the kernel detaches a tracee
        // when its tracer dies and resumes it - the dummy going on past its SIGSTOP to its own
        // exit(0). What must never be seen is a live dummy (R, S, T, t).
        const termsig = status & 0x7f;
        const exitCode = (status >> 8) & 0xff;
        t.diagnostic(termsig ? `dummy ${pid} reaped: killed by signal ${termsig}` : `dummy ${pid} reaped: exited with ${exitCode}`);
        assert.ok(termsig === 9 || (termsig === 0 && exitCode === 0), `the dummy ended with wait status ${status}`);
      } else {
        t.diagnostic(`dummy ${pid} not reaped here; state ${seen?.state ?? 'gone'}`);
        assert.ok(seen === undefined || seen.state === 'Z' || seen.state === 'X', `dummy ${pid} is still alive in state ${seen?.state} five seconds after its caller died`);
      }
    } finally {
      // Whatever happened, leave nothing: a surviving dummy is killed and reaped.
      if (procStat(pid) !== undefined && status === undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 100 && libc.waitpid(pid, [0], WNOHANG | WALL) === 0; i++) await sleep(10);
      }
    }
    assert.equal(procStat(pid), undefined, 'reaped');
    assert.deepEqual(processesWithParent(process.pid), []);
  });
});

describe('a caller without the right to a mapping', { skip: notRoot }, () => {
  test('as uid 65534: a foreign uid map is refused at uid_map with EPERM, a foreign gid map at gid_map; own ids work; no dummy left', async () => {
    // Run from a temp dir uid 65534 can read (the checkout may be under /root, mode 0700), removed after.
    const { out, err, code, dir, leaked } = await runNodeAs({ uid: 65534, gid: 65534, groups: [] }, fixture('unprivileged-get.js'), [], { NODE_NO_WARNINGS: '1' });
    assert.equal(code, 0, err);
    assert.deepEqual(leaked, [], 'the binds were made in our mount namespace');
    assert.equal(existsSync(dir), false, 'the temp dir is left');
    const r = JSON.parse(out);
    assert.equal(r.uid, 65534);
    assert.equal(r.gid, 65534);

    const e = r.foreign.error;
    assert.ok(e, `a foreign mapping was granted: ${out}`);
    assert.equal(e.kind, 'userns-setup-failed');
    assert.equal(e.step, 'uid_map');
    assert.equal(e.code, 'EPERM');
    assert.equal(e.syscall, 'write');
    assert.match(e.message, /CAP_SETUID/);
    // The dummy was made (that is how the kernel is asked), then killed and reaped; nothing held.
    assert.deepEqual(r.afterForeign, { dummies: 1, size: 0, children: [] });

    const g = r.foreignGid.error;
    assert.ok(g, `a foreign gid map was granted: ${out}`);
    assert.equal(g.kind, 'userns-setup-failed');
    assert.equal(g.step, 'gid_map');
    assert.equal(g.code, 'EPERM');

    assert.ok(r.own.ok?.startsWith('user:['), `own ids: ${out}`);
    assert.deepEqual(r.ownRead, {
      uidMappings: [{ containerID: 0, hostID: 65534, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: 65534, size: 1 }],
    });
    assert.deepEqual(r.end, { dummies: 3, size: 1, children: [] });
  });
});

/** Why the strace case cannot run here, or false; in CI strace must be there (scripts/system-packages.js installs it). */
function noStrace() {
  if (spawnSync('strace', ['-V']).status === 0) return false;
  if (process.env.CI) throw new Error('strace is not on PATH in CI: scripts/system-packages.js installs it (apt-get install strace)');
  return 'strace is not installed: apt-get install strace (pnpm test installs it as root)';
}

describe('a dummy that cannot stop under ptrace', { skip: notRoot || noStrace() }, () => {
  test('under strace -f its PTRACE_TRACEME fails: userns-setup-failed at step traceme with EPERM, nothing left', async () => {
    // strace -f follows the dummy's clone and traces it: the dummy's own PTRACE_TRACEME gets EPERM.
    const script = `
      import { UsernsCache } from ${JSON.stringify(distFile('index.js'))};
      const cache = new UsernsCache();
      const r = await cache.get({ uidMappings: [{ containerID: 0, hostID: 100000, size: 10 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 10 }] });
      console.log(JSON.stringify({ error: r.isErr() ? r.error : undefined, size: cache.size }));
    `;
    const r = await runNode(['-f', '-o', '/dev/null', process.execPath, '--input-type=module', '-e', script], { command: 'strace' });
    assert.equal(r.code, 0, r.err);
    const { error, size } = JSON.parse(r.out);
    assert.ok(error, `the dummy stopped under strace -f: ${r.out}`);
    assert.equal(error.kind, 'userns-setup-failed');
    assert.equal(error.step, 'traceme');
    assert.equal(error.syscall, 'ptrace');
    assert.equal(error.code, 'EPERM');
    assert.match(error.message, /strace -f/);
    assert.equal(size, 0);
  });
});
