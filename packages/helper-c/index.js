// Paths of what this package builds (see build.js). @linuxns/core checks on
// first use that the helper exists and is executable.
import { fileURLToPath } from 'node:url';

/** Absolute path of the linuxns-helper binary. */
export const helperPath = fileURLToPath(new URL('./bin/linuxns-helper', import.meta.url));

/** Absolute path of the AddressSanitizer/UBSan build (`node build.js --sanitize`). */
export const sanitizedHelperPath = fileURLToPath(new URL('./bin/linuxns-helper-asan', import.meta.url));

/** The command that builds the helper, for error messages. */
export const buildCommand = `node ${fileURLToPath(new URL('./build.js', import.meta.url))}`;
