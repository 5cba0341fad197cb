#!/usr/bin/env node
// Builds bin/linuxns-helper from src/*.c with the system C compiler: C11,
// libc only, warnings are errors, statically linked so that the binary runs
// anywhere on linux-x64. `--sanitize` builds bin/linuxns-helper-asan with
// AddressSanitizer and UBSan instead (dynamic: the sanitizers need it).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const sanitize = process.argv.includes('--sanitize');
const sources = readdirSync(join(dir, 'src')).filter((f) => f.endsWith('.c')).map((f) => join(dir, 'src', f));
const out = join(dir, 'bin', sanitize ? 'linuxns-helper-asan' : 'linuxns-helper');
mkdirSync(join(dir, 'bin'), { recursive: true });
const cc = process.env.CC || 'cc';
const flags = ['-std=c11', '-O2', '-g', '-Wall', '-Wextra', '-Werror', '-Wshadow', '-Wformat=2'];
const link = sanitize ? ['-fsanitize=address,undefined', '-fno-omit-frame-pointer'] : ['-static'];
try {
  execFileSync(cc, [...flags, ...link, '-o', out, ...sources], { stdio: 'inherit' });
} catch {
  console.error(`helper-c: building ${out} failed; a C compiler (cc, e.g. Debian's gcc) is needed: apt-get install gcc`);
  process.exit(1);
}
chmodSync(out, 0o755);
console.log(`helper-c: built ${out}`);
