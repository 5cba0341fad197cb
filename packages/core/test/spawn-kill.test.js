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
import { test } from 'node:test';
import { DIST, processes } from './fixtures/spawn-helpers.js';
import { sleep } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && !process.env.CI ? 'spawn into new namespaces needs root' : false;

/** Every process of session `sid`: { pid, state, comm }. */
const sessionOf = (sid) => processes().filter((p) => p.session === sid).map(({ pid, state, comm }) => ({ pid, state, comm }));

const LOOP = `
import { spawn } from ${JSON.stringify(DIST)};
const kinds = [
  { create: ['uts', 'pid', 'mnt'], hostname: 'k', cwd: '/tmp', user: { uid: 1000, gid: 1000 } },
  { join: { net: '/proc/self/ns/net', mnt: '/proc/self/ns/mnt' } },
  { create: ['user', 'net', 'pid'], uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }], usernsRoot: true },
  { create: ['mnt', 'pid'], mountProc: true }, // through the helper
  {},
];
let n = 0;
for (;;) {
  // Several at once, none awaited to its exit: the kill finds children at every stage.
  await Promise.all(kinds.map(async (o) => {
    const r = await spawn('/bin/sleep', ['0.2'], { ...o, stdio: 'ignore' });
    if (r.isErr()) { console.error(JSON.stringify(r.error)); process.exit(3); }
  }));
  if (++n === 5) process.stdout.write('going\\n');
}`;

test('SIGKILL of a Node process that is spawning leaves no stopped, half-made or helper process behind', { skip: notRoot, timeout: 120_000 }, async () => {
  for (let round = 0; round < 8; round++) {
    const child = spawnProcess(process.execPath, ['--input-type=module', '-e', LOOP], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
    await new Promise((res, rej) => {
      child.stdout.once('data', res);
      child.once('exit', () => rej(new Error(`the spawning process ended first: ${err}`)));
    });
    await sleep(Math.floor(Math.random() * 40));
    const sid = child.pid;
    const during = sessionOf(sid);
    process.kill(child.pid, 'SIGKILL');
    assert.deepEqual(await exited, { code: null, signal: 'SIGKILL' });
    assert.ok(during.length > 1, 'children were being made when it was killed');
    // The commands it started sleep 0.2 s: give them 5 s to end; nothing else may stay.
    let left = sessionOf(sid);
    for (let i = 0; i < 250 && left.length > 0; i++) {
      assert.deepEqual(left.filter((p) => p.state === 'T' || p.state === 't'), [], `round ${round}: a stopped process`);
      await sleep(20);
      left = sessionOf(sid);
    }
    assert.deepEqual(left, [], `round ${round}: processes of the killed spawner's session stayed`);
  }
});
