// The error unions narrow on `kind` for TypeScript users: types/narrowing.ts compiles, with its
// @ts-expect-error lines still errors. Needs no root.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const tsc = createRequire(new URL('../../../package.json', import.meta.url)).resolve('typescript/bin/tsc');

test('narrowing an error union on kind gives that kind\'s fields, in core and in the packages that compose with it', () => {
  const r = spawnSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('./types/tsconfig.json', import.meta.url))], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
});
