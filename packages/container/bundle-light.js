#!/usr/bin/env node
// Builds dist/light.cjs: `@linuxns/container/light` (dist/light.js and the modules it imports,
// core's `@linuxns/core/light` included) as one CommonJS file, for processes whose start-up
// counts: Node starts a CommonJS file about as fast as `node -e 0`, while each ES module costs
// its own resolution, read and link (an OCI runtime's `state` loads 24 of them). Run after tsc.
//
// It takes tsc's output as it is (one module per file, static `import { a as b } from '...'`,
// `export function|class|const`, `export { a } from '...'`), keeps each module in a function
// of its own (no name clashes), exports as getters (live bindings), and `require`s what is not
// ours: Node's modules and neverthrow (the same instance as the ES modules get, from this
// package's node_modules). It refuses what would make the light path heavy again: a static
// import of another package (core's index, netlink, userns-cache), an import cycle, or a form
// it does not know. Dynamic imports (the steps that start processes) stay dynamic, pointed at
// the real files of dist/, which load as ES modules when used.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const out = join(dist, 'light.cjs');
const require = createRequire(import.meta.url);

/** Bare specifiers inlined (ES modules of ours), by the file they resolve to. */
const INLINE = { '@linuxns/core/light': fileURLToPath(import.meta.resolve('@linuxns/core/light')) };
/** Bare specifiers left to `require`: Node's own modules and neverthrow. */
const REQUIRED = (spec) => spec.startsWith('node:') || spec === 'neverthrow';

const modules = new Map(); // absolute path -> { id, code, deps }
const idOf = (file) => relative(here, file).replace(/^\.\.\//, '').replace(/\\/g, '/');

function resolveSpec(spec, from) {
  if (spec.startsWith('.')) return resolve(dirname(from), spec);
  if (Object.hasOwn(INLINE, spec)) return INLINE[spec];
  return undefined;
}

/** Rewrites one ES module of tsc's into the body of a function (exports, __load). */
function transform(file) {
  let src = readFileSync(file, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '');
  const head = [];
  const deps = [];
  const exported = [];
  const load = (spec) => {
    if (REQUIRED(spec)) return `require(${JSON.stringify(spec)})`;
    const target = resolveSpec(spec, file);
    if (target === undefined) throw new Error(`${idOf(file)}: a static import of ${spec} would load it on the light path`);
    deps.push(target);
    return `__load(${JSON.stringify(idOf(target))})`;
  };
  const names = (list) => list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^(\w+)(?:\s+as\s+(\w+))?$/.exec(s);
    if (!m) throw new Error(`${idOf(file)}: cannot read the name list '${list}'`);
    return [m[1], m[2] ?? m[1]];
  });
  // Static imports and re-exports (tsc writes each on one line, or spread over several).
  src = src.replace(/^import\s+\{([^}]*)\}\s+from\s+'([^']+)';\n?/gm, (_, list, spec) => {
    head.push(`const { ${names(list).map(([a, b]) => (a === b ? a : `${a}: ${b}`)).join(', ')} } = ${load(spec)};`);
    return '';
  });
  src = src.replace(/^import\s+\*\s+as\s+(\w+)\s+from\s+'([^']+)';\n?/gm, (_, ns, spec) => {
    head.push(`const ${ns} = ${load(spec)};`);
    return '';
  });
  src = src.replace(/^export\s+\{([^}]*)\}\s+from\s+'([^']+)';\n?/gm, (_, list, spec) => {
    const v = `__re${head.length}`;
    head.push(`const ${v} = ${load(spec)};`);
    for (const [a, b] of names(list)) exported.push([b, `${v}.${a}`]);
    return '';
  });
  src = src.replace(/^export\s+((?:async\s+)?function\*?|class|const|let|var)\s+(\w+)/gm, (_, kind, name) => {
    exported.push([name, name]);
    return `${kind} ${name}`;
  });
  const leftover = /^(import\s|export\s)/m.exec(src);
  if (leftover) throw new Error(`${idOf(file)}: a form the bundler does not know: ${src.slice(leftover.index).split('\n')[0]}`);
  // Dynamic imports: of ours, the real file beside this bundle (relative to __dirname); of another package, as is.
  src = src.replace(/\bimport\((['"])([^'"]+)\1\)/g, (whole, _q, spec) => {
    if (!spec.startsWith('.')) return `import(${JSON.stringify(spec)})`;
    const target = relative(dist, resolve(dirname(file), spec));
    return `import(__url(${JSON.stringify(target)}))`;
  });
  src = src.replace(/\bimport\.meta\.url\b/g, `__url(${JSON.stringify(relative(dist, file))})`);
  const getters = exported.map(([name, expr]) => `  Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => ${expr} });`);
  const body = [...getters, ...head.map((l) => `  ${l}`), src.trim().split('\n').map((l) => (l ? `  ${l}` : l)).join('\n')].join('\n');
  return { id: idOf(file), body, deps };
}

function visit(file, stack = []) {
  if (stack.includes(file)) throw new Error(`import cycle: ${[...stack, file].map(idOf).join(' -> ')}`);
  if (modules.has(file)) return;
  const m = transform(file);
  modules.set(file, m);
  for (const d of m.deps) visit(d, [...stack, file]);
}

visit(join(dist, 'light.js'));
// neverthrow must be the very copy the ES modules of this package import: check it resolves from here.
require.resolve('neverthrow');

const parts = [
  '// Generated by bundle-light.js from dist/light.js and what it imports: do not edit.',
  "'use strict';",
  "const __path = require('node:path');",
  "const __url = (file) => require('node:url').pathToFileURL(__path.join(__dirname, file)).href;",
  'const __defs = Object.create(null);',
  'const __done = Object.create(null);',
  'function __load(id) {',
  '  if (id in __done) return __done[id];',
  '  const exports = (__done[id] = {});',
  '  __defs[id](exports);',
  '  return exports;',
  '}',
];
for (const m of modules.values()) parts.push(`__defs[${JSON.stringify(m.id)}] = function (exports) {\n${m.body}\n};`);
parts.push(`module.exports = __load(${JSON.stringify(idOf(join(dist, 'light.js')))});`, '');
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, parts.join('\n'));
renameSync(tmp, out);
console.log(`container: bundled ${modules.size} modules into ${out}`);
