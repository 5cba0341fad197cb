#!/usr/bin/env node
// Type-checks every ```ts block inside the typedoc comments of packages/*/src
// and of the root README,
// against the built packages, so that each documented @example compiles.
// Run after the build (pnpm run docs does both).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = (await import('node:module')).createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

let total = 0;
let failed = false;
for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  try {
    statSync(src);
  } catch {
    continue;
  }
  const outDir = join(root, 'packages', pkg, '.examples');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files = [];
  for (const file of walk(src)) {
    const text = readFileSync(file, 'utf8');
    for (const comment of text.match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
      const body = comment.split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '')).join('\n');
      for (const m of body.matchAll(/```ts\n([\s\S]*?)```/g)) {
        const name = `ex${files.length}.ts`;
        const origin = `${relative(root, file)}`;
        writeFileSync(join(outDir, name), `// from ${origin}\n${m[1]}\nexport {};\n`);
        files.push(name);
      }
    }
  }
  // The root README's examples are compiled with core's (the package they start from).
  if (pkg === 'core') {
    for (const m of readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)) {
      const name = `ex${files.length}.ts`;
      writeFileSync(join(outDir, name), `// from README.md\n${m[1]}\nexport {};\n`);
      files.push(name);
    }
  }
  if (files.length === 0) continue;
  total += files.length;
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../../tsconfig.base.json',
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false, noUnusedLocals: false, incremental: false },
      include: ['*.ts'],
    }),
  );
  const r = spawnSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
  if (r.status !== 0) {
    failed = true;
    process.stderr.write(`examples of packages/${pkg} do not compile:\n${r.stdout}${r.stderr}`);
  } else {
    rmSync(outDir, { recursive: true, force: true });
  }
}
if (failed) process.exit(1);
console.log(`check-examples: ${total} @example blocks compile`);
