#!/usr/bin/env node
// Runs every node:test suite of the workspace (packages/*/test/**/*.test.js)
// against the built packages, on the node that runs this script. linuxns
// tests create real namespaces and need root; as another user they skip with
// that reason, but never in CI. Every skipped or todo test is listed at the
// end (scripts/skipped-reporter.js); in CI any of them fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSystemPackages } from './system-packages.js';

const root = new URL('..', import.meta.url).pathname;
console.log(`scripts/test.js: node ${process.version} (${process.execPath})`);
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
/**
 * Runs `list` with node:test (spec output, and the skipped-test reporter) and
 * `env` added; its status and the skipped or todo tests (undefined when the
 * runner ended before its reporters started).
 */
function runSuite(list, env = {}) {
  const scratch = mkdtempSync(join(tmpdir(), 'linuxns-test-'));
  const skippedFile = join(scratch, 'skipped.jsonl');
  try {
    const run = spawnSync(
      process.execPath,
      [
        '--test',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${new URL('./skipped-reporter.js', import.meta.url).href}`,
        `--test-reporter-destination=${skippedFile}`,
        '--test-timeout=120000',
        ...list,
      ],
      { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } },
    );
    const skipped = existsSync(skippedFile) ? readFileSync(skippedFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : undefined;
    return { status: run.status, skipped };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const runs = [runSuite(selected)];
// spawn has two ways to start a command that needs no helper step (an in-process clone, or
// child_process from a thread that joined) and the helper: the spawn suites run again with every
// spawn sent to the helper (LINUXNS_SPAWN=helper), so that both paths pass the same tests.
// (spawn-clone and spawn-direct test the paths without the helper: not again.)
const spawnSuites = selected.filter((f) => /core\/test\/spawn-[^/]*\.test\.js$/.test(f) && !/spawn-(clone|direct)\.test\.js$/.test(f));
if (spawnSuites.length) {
  console.log(`\nscripts/test.js: the ${spawnSuites.length} spawn suites again, every spawn through the helper (LINUXNS_SPAWN=helper)`);
  runs.push(runSuite(spawnSuites, { LINUXNS_SPAWN: 'helper' }));
}
for (const r of runs) {
  if (r.skipped === undefined) {
    // The runner ended before its reporters started: its own status says why.
    console.error('scripts/test.js: the test runner wrote no report of skipped tests');
    process.exit(r.status || 1);
  }
}
const skipped = runs.flatMap((r) => r.skipped);
if (skipped.length) {
  console.error(`\n${skipped.length} skipped or todo:`);
  for (const s of skipped) console.error(`  ${s.what}: ${s.name} (${s.file?.slice(root.length) ?? '?'}:${s.line ?? '?'})${s.reason ? `: ${s.reason}` : ''}`);
  if (process.env.CI) {
    console.error('FAIL: in CI every test must run: a skipped or todo test is a test that did not run.');
    process.exit(1);
  }
}
const failed = runs.find((r) => r.status !== 0);
process.exit(failed ? failed.status || 1 : 0);
