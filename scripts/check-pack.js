#!/usr/bin/env node
// Packaging check: `pnpm pack` @linuxns/core, @linuxns/helper-c and
// @linuxns/userns-cache, install the tarballs into a fresh temporary project
// with pnpm (which runs no build script of a dependency), spawn a command
// through the installed helper and make a user namespace through the
// installed liblinuxns.so. The helper tarball must carry the prebuilt static
// helper with its exec bit (node-pty#850 is the trap this guards against) and
// the prebuilt library.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'linuxns-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
try {
  for (const pkg of ['helper-c', 'core', 'userns-cache']) run('pnpm', ['pack', '--pack-destination', dir], join(root, 'packages', pkg));
  const tgz = (name) => join(dir, readdirSync(dir).find((f) => f.startsWith(`linuxns-${name}-`) && f.endsWith('.tgz')));
  const project = join(dir, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'pack-check', private: true, type: 'module', dependencies: { '@linuxns/core': `file:${tgz('core')}`, '@linuxns/helper-c': `file:${tgz('helper-c')}`, '@linuxns/userns-cache': `file:${tgz('userns-cache')}` } }, null, 2),
  );
  writeFileSync(
    join(project, 'pnpm-workspace.yaml'),
    `allowBuilds:\n  koffi: false\npmOnFail: ignore\noverrides:\n  '@linuxns/helper-c': 'file:${tgz('helper-c')}'\n  '@linuxns/core': 'file:${tgz('core')}'\n`,
  );
  run('pnpm', ['install', '--no-frozen-lockfile'], project);
  const script = `
    import { spawn } from '@linuxns/core';
    import { helperPath } from '@linuxns/helper-c';
    import { statSync } from 'node:fs';
    if (!(statSync(helperPath).mode & 0o111)) { console.error('helper not executable: ' + helperPath); process.exit(1); }
    const r = await spawn('sh', ['-c', 'exit 3'], { create: ['uts'], hostname: 'packed', stdio: 'ignore' });
    if (r.isErr()) { console.error(r.error.message); process.exit(1); }
    const s = await r.value.exited;
    if (s.code !== 3) { console.error('unexpected exit ' + JSON.stringify(s)); process.exit(1); }
    const { UsernsCache } = await import('@linuxns/userns-cache');
    const cache = new UsernsCache();
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const u = await cache.get({ uidMappings: map, gidMappings: map });
    if (u.isErr()) { console.error(u.error.message); process.exit(1); }
    u.value.close();
    cache.release();
    console.log('ok ' + helperPath);`;
  writeFileSync(join(project, 'check.mjs'), script);
  const out = run(process.execPath, ['check.mjs'], project);
  console.log(`check-pack: installed tarballs spawn through ${out.trim().slice(3)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
