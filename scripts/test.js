#!/usr/bin/env node
// Runs every node:test suite of the workspace (packages/*/test/**/*.test.js)
// against the built packages. linuxns tests create real namespaces and need
// root; as another user they skip with that reason, but never in CI.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSystemPackages } from './system-packages.js';

const root = new URL('..', import.meta.url).pathname;
if (process.getuid?.() !== 0) {
  const why = 'linuxns tests create real namespaces and need root (CAP_SYS_ADMIN)';
  if (process.env.CI) {
    console.error(`FAIL: ${why}; CI must run as root.`);
    process.exit(1);
  }
  console.error(`note: not root: privileged tests will skip (${why}).`);
}

// iproute2, util-linux, busybox-static, uidmap...: installed here when missing (as root).
const stillMissing = ensureSystemPackages();
if (stillMissing.length && process.env.CI) {
  console.error(`FAIL: CI lacks ${stillMissing.join(', ')}`);
  process.exit(1);
}

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'fixtures') collect(p, out);
    } else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const t = join(root, 'packages', pkg, 'test');
  try {
    if (statSync(t).isDirectory()) collect(t, files);
  } catch {
    /* package without tests */
  }
}
files.sort();
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-timeout=120000', ...selected], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
