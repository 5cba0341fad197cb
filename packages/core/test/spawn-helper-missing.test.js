// spawn() without its C helper: a missing or non-executable LINUXNS_HELPER
// gives helper-not-found with the path and the command that builds it, and
// the helper the package builds is the one used by default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCommand } from '@linuxns/helper-c';
import { DIST, spawnTestSetup } from './fixtures/spawn-helpers.js';

const tmp = spawnTestSetup(before, after);

describe('a helper that is not there', () => {
  /** Runs spawn in a fresh node process with LINUXNS_HELPER set; the error it printed. */
  function errorWithHelper(path) {
    const script = `import { spawn } from ${JSON.stringify(DIST)};
const r = await spawn('true', [], { create: ['mnt', 'pid'], mountProc: true }); // needs the helper (a plain spawn, new namespaces or a hostname do not)
console.log(JSON.stringify(r.isErr() ? r.error : { ok: true }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, LINUXNS_HELPER: path } });
    return JSON.parse(out);
  }

  test('LINUXNS_HELPER=/nonexistent/helper gives helper-not-found naming the path and the build command', () => {
    const e = errorWithHelper('/nonexistent/helper');
    assert.equal(e.kind, 'helper-not-found');
    assert.equal(e.path, '/nonexistent/helper');
    assert.equal(e.fix, buildCommand);
    assert.ok(e.message.includes('/nonexistent/helper'), e.message);
    assert.ok(e.message.includes(buildCommand), e.message);
    assert.match(e.message, /missing/);
  });

  test('a helper file that is not executable gives helper-not-found saying so', () => {
    const file = join(tmp.dir, 'not-executable-helper');
    writeFileSync(file, '#!/bin/sh\n', { mode: 0o644 });
    const e = errorWithHelper(file);
    assert.equal(e.kind, 'helper-not-found');
    assert.equal(e.path, file);
    // Even for root, access(X_OK) needs at least one x bit, and 0644 has none.
    assert.match(e.message, /not executable/);
  });

  // A request only the helper serves (a sysctl), with a fork (a new user namespace): the command's parent is the helper.
  test('the helper the package builds is the one used when LINUXNS_HELPER is unset', () => {
    const helperPath = fileURLToPath(new URL('../../helper-c/bin/linuxns-helper', import.meta.url));
    assert.ok(existsSync(helperPath));
    const env = { ...process.env };
    delete env.LINUXNS_HELPER;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `import { spawn } from ${JSON.stringify(DIST)};
const c = (await spawn('sh', ['-c', 'cat /proc/$PPID/cmdline | tr "\\\\0" " "'], { create: ['user', 'net'], sysctl: { 'net.ipv4.ip_forward': '1' } }))._unsafeUnwrap();
let o = ''; c.stdout.on('data', (d) => (o += d)); await c.exited; console.log(o);`], { encoding: 'utf8', env });
    assert.ok(out.startsWith(`${realpathSync(helperPath)} `) || out.startsWith(`${helperPath} `), out);
  });
});
