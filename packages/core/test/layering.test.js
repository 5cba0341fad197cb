// Core's folders form layers, each importing only from itself and the layers below:
//   types.ts, proc-stat.ts ← errors ← ffi ← namespace ← thread, introspect ← lifecycle, socket, helper ← index.ts
// Checked on the sources (static imports and worker/module URLs), without root.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const LAYER = { 'types.ts': 0, 'proc-stat.ts': 0, errors: 1, ffi: 2, namespace: 3, seccomp: 3, thread: 4, introspect: 4, lifecycle: 5, socket: 5, helper: 5, 'index.ts': 6, 'light.ts': 6 };

function files(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The layer of a source file: its folder's, or its own name's at the top of src/. */
const layerOf = (file) => relative(SRC, file).split('/')[0];

test("no file of core imports from a layer above its own (errors ← ffi ← namespace ← thread/introspect ← lifecycle/socket/helper)", () => {
  const wrong = [];
  let seen = 0;
  for (const file of files(SRC)) {
    const from = layerOf(file);
    assert.ok(from in LAYER, `${relative(SRC, file)} is in no known layer: add it to LAYER`);
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g), ...text.matchAll(/new URL\('(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
    for (const spec of specs) {
      seen++;
      const to = layerOf(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      if (LAYER[to] > LAYER[from]) wrong.push(`${relative(SRC, file)} imports ${spec} (${to} is above ${from})`);
    }
  }
  assert.ok(seen > 50, `only ${seen} imports found: the pattern no longer matches the sources`);
  assert.deepEqual(wrong, []);
});
