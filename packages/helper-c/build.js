#!/usr/bin/env node
// Builds, with the system C compiler (C11, libc only, warnings are errors):
//   bin/linuxns-helper   from src/*.c, statically linked so that it runs anywhere on linux-x64;
//   bin/liblinuxns.so    from lib/*.c, the in-process half (userns dummies, spawn's clone),
//                        loaded through koffi; it needs only libc.
// `--sanitize` builds the AddressSanitizer + UBSan variants instead (dynamic: the sanitizers
// need it): bin/linuxns-helper-asan, and bin/liblinuxns-check-asan, the library linked into
// the small driver test/lib-check.c (a sanitized .so cannot be loaded into an unsanitized node).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const sanitize = process.argv.includes('--sanitize');
const sourcesOf = (sub) => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.c')).map((f) => join(dir, sub, f));
mkdirSync(join(dir, 'bin'), { recursive: true });
const cc = process.env.CC || 'cc';
const flags = ['-std=c11', '-O2', '-g', '-Wall', '-Wextra', '-Werror', '-Wshadow', '-Wformat=2'];
const sanitizers = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all'];

const targets = sanitize
  ? [
      { out: 'linuxns-helper-asan', args: [...sanitizers, ...sourcesOf('src')] },
      { out: 'liblinuxns-check-asan', args: [...sanitizers, `-I${join(dir, 'lib')}`, ...sourcesOf('lib'), join(dir, 'test', 'lib-check.c')] },
    ]
  : [
      { out: 'linuxns-helper', args: ['-static', ...sourcesOf('src')] },
      // -z nodelete: the library's reaping thread (lib/spawn.c) runs its code until the process
      // ends, so a dlclose (koffi unloads libraries as Node shuts down) must not unmap it.
      { out: 'liblinuxns.so', args: ['-shared', '-fPIC', '-fvisibility=hidden', '-Wl,-z,defs', '-Wl,-z,nodelete', ...sourcesOf('lib')] },
    ];

for (const { out, args } of targets) {
  const path = join(dir, 'bin', out);
  // Built beside and renamed into place: a concurrent build (two test files) or a running
  // copy never sees a half-written file.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    execFileSync(cc, [...flags, ...args, '-o', tmp], { stdio: 'inherit' });
  } catch {
    rmSync(tmp, { force: true });
    console.error(`helper-c: building ${path} failed; a C compiler (cc, e.g. Debian's gcc) is needed: apt-get install gcc`);
    process.exit(1);
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, path);
  console.log(`helper-c: built ${path}`);
}
