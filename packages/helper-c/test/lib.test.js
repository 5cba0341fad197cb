// liblinuxns under AddressSanitizer and UBSan: the sanitized driver test/lib-check.c
// links the library's sources and makes real dummies (good and bad maps). The
// library as node loads it is tested through @linuxns/userns-cache.
import { execFileSync, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sanitizedLibraryCheckPath } from '../index.js';

const buildScript = fileURLToPath(new URL('../build.js', import.meta.url));
const notRoot = process.getuid() !== 0 && !process.env.CI ? 'creating user namespaces with 65536-id maps needs root' : false;

describe('liblinuxns under AddressSanitizer and UBSan', { skip: notRoot }, () => {
  before(() => {
    execFileSync(process.execPath, [buildScript, '--sanitize'], { stdio: 'pipe' });
    assert.ok(existsSync(sanitizedLibraryCheckPath));
  });

  it('makes and reaps dummies, refuses bad maps, and reports no memory or UB error', () => {
    const r = spawnSync(sanitizedLibraryCheckPath, { encoding: 'utf8' });
    assert.equal(r.status, 0, `driver failed:\n${r.stdout}\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /ERROR: AddressSanitizer|runtime error:/);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.length >= 10, r.stdout);
    assert.ok(lines.every((l) => l.startsWith('ok ')), r.stdout);
  });
});
