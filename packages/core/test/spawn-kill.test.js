// A SIGKILL of the Node process while spawn is making children: a Node child
// (a session of its own) spawns in a loop, in-process (clone, a new user
// namespace whose child waits for its maps among them) and through the helper
// (mountProc), and is killed at a random point. Afterwards
// no process of its session may be left stopped or stuck half-made: the
// commands it started run on as orphans, as child_process's do, and end (they
// sleep 0.2 s), while a process stuck between clone and exec, a stopped dummy
// or a helper left waiting would stay in the session for good.
import assert from 'node:assert/strict';
import { spawn as spawnProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { DIST, processes } from './fixtures/spawn-helpers.js';
import { sleep } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'spawn into new namespaces needs root' : false;

/** Every process of session `sid`: { pid, state, comm }. */
const sessionOf = (sid) => processes().filter((p) => p.session === sid).map(({ pid, state, comm }) => ({ pid, state, comm }));

/** A spawner: `kinds` of options, started together in a loop, none awaited to its exit; 'going' once it runs. */
const loop = (kinds, command = '/bin/sleep', args = ['0.2']) => `
import { spawn } from ${JSON.stringify(DIST)};
const kinds = ${JSON.stringify(kinds)};
let n = 0;
for (;;) {
  await Promise.all(kinds.map(async (o) => {
    const r = await spawn(${JSON.stringify(command)}, ${JSON.stringify(args)}, { ...o, stdio: 'ignore' });
    if (r.isErr()) { console.error(JSON.stringify(r.error)); process.exit(3); }
  }));
  if (++n === 5) process.stdout.write('going\\n');
}`;

const range = [{ containerID: 0, hostID: 100000, size: 65536 }];
const LOOPS = [
  // Every path at once: the kill finds children at every stage.
  loop([
    { create: ['uts', 'pid', 'mnt'], hostname: 'k', cwd: '/tmp', user: { uid: 1000, gid: 1000 } },
    { join: { net: '/proc/self/ns/net', mnt: '/proc/self/ns/mnt' } },
    { create: ['user', 'net', 'pid'], uidMappings: range, gidMappings: range, usernsRoot: true },
    { create: ['mnt', 'pid'], mountProc: true }, // through the helper
    {},
  ]),
  // New user namespaces alone: the spawner is stopped while a child waits for its maps, and killed there.
  loop([{ create: ['user'], mapRootUser: true }], '/bin/true', []),
];

/** The spawner's children not yet exec'd: still running Node's image (they share its memory until their exec). */
function halfMade(spawner) {
  return processes().filter((p) => {
    if (p.ppid !== spawner) return false;
    try {
      return readlinkSync(`/proc/${p.pid}/exe`) === readlinkSync(`/proc/${spawner}/exe`);
    } catch {
      return false; // gone, or a zombie
    }
  });
}

/** Stops `pid` (SIGSTOP) and waits for it to be stopped. */
async function stop(pid) {
  process.kill(pid, 'SIGSTOP');
  while (processes().find((p) => p.pid === pid)?.state !== 'T') await sleep(1);
}

test('SIGKILL of a Node process that is spawning leaves no stopped, half-made or helper process behind', { skip: notRoot, timeout: 180_000 }, async () => {
  let caughtHalfMade = 0;
  for (let round = 0; round < 8; round++) {
    const mixed = round % 2 === 0;
    const child = spawnProcess(process.execPath, ['--input-type=module', '-e', LOOPS[mixed ? 0 : 1]], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
    await new Promise((res, rej) => {
      child.stdout.once('data', res);
      child.once('exit', () => rej(new Error(`the spawning process ended first: ${err}`)));
    });
    const sid = child.pid;
    let during;
    if (mixed) {
      await sleep(Math.floor(Math.random() * 40));
      during = sessionOf(sid);
    } else {
      // Stopped at random points until it is caught with a child not yet exec'd (one waiting for its maps): the
      // kill then lands exactly there, where a child that kept the maps pipe open would wait for ever.
      for (let i = 0; i < 400; i++) {
        await stop(child.pid);
        if (halfMade(child.pid).length > 0) {
          caughtHalfMade++;
          break;
        }
        process.kill(child.pid, 'SIGCONT');
        await sleep(Math.floor(Math.random() * 3));
      }
    }
    process.kill(child.pid, 'SIGKILL');
    assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' });
    if (mixed) assert.ok(during.length > 1, 'children were being made when it was killed');
    // The commands it started sleep 0.2 s at most: give them 5 s to end (and init to reap them); nothing else may stay.
    let left = sessionOf(sid);
    for (let i = 0; i < 250 && left.length > 0; i++) {
      assert.deepEqual(left.filter((p) => p.state === 'T' || p.state === 't'), [], `round ${round}: a stopped process`);
      await sleep(20);
      left = sessionOf(sid);
    }
    assert.deepEqual(left, [], `round ${round}: processes of the killed spawner's session stayed`);
  }
  assert.ok(caughtHalfMade > 0, 'at least one kill landed while a child was not yet exec\'d');
});
