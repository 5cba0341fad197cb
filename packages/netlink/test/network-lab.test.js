// docs/network-lab.md's programs, run exactly as the guide shows them: each ```js block is
// written next to this package (so that @linuxns/core and @linuxns/netlink resolve as they do
// for a user) and run with node as root; what it prints is checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';

const notRoot = process.getuid() !== 0 && 'the lab creates network namespaces and needs root (CAP_SYS_ADMIN)';
const GUIDE = fileURLToPath(new URL('../../../docs/network-lab.md', import.meta.url));
const blocks = [...readFileSync(GUIDE, 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const dir = mkdtempSync(join(fileURLToPath(new URL('..', import.meta.url)), '.doc-examples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs guide block `i`; its stdout, trimmed (a failure shows its stderr). */
function runBlock(i, env = {}) {
  const file = join(dir, `block${i}.mjs`);
  writeFileSync(file, blocks[i]);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  assert.equal(r.status, 0, `block ${i} of docs/network-lab.md failed:\n${r.stderr}`);
  return r.stdout.trim();
}

describe('docs/network-lab.md', { skip: notRoot }, () => {
  test('the guide has its two programs', () => assert.equal(blocks.length, 2));

  test('the routed lab: the client reaches the server through the router, which sees the client\'s address', () => {
    assert.equal(runBlock(0), '200 hello from the server, 10.1.0.2');
  });

  test('the bridged star: every leaf reaches the hub', () => {
    assert.equal(runBlock(1, { LEAVES: '20' }), '20 of 20 leaves reached the hub');
  });
});
