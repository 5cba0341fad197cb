// Paths of what this package builds (see build.js). @linuxns/core checks on
// first use that the helper exists and is executable; @linuxns/userns-cache
// loads the library.
import { fileURLToPath } from 'node:url';

/** Absolute path of the linuxns-helper binary. */
export const helperPath = fileURLToPath(new URL('./bin/linuxns-helper', import.meta.url));

/** Absolute path of liblinuxns.so, the in-process half (userns dummies, the new mount API), loaded through koffi. */
export const libraryPath = fileURLToPath(new URL('./bin/liblinuxns.so', import.meta.url));

/** Absolute path of the AddressSanitizer/UBSan build (`node build.js --sanitize`). */
export const sanitizedHelperPath = fileURLToPath(new URL('./bin/linuxns-helper-asan', import.meta.url));

/** Absolute path of the sanitized driver of liblinuxns (`node build.js --sanitize`, test/lib-check.c). */
export const sanitizedLibraryCheckPath = fileURLToPath(new URL('./bin/liblinuxns-check-asan', import.meta.url));

/** The command that builds the helper, for error messages. */
export const buildCommand = `node ${fileURLToPath(new URL('./build.js', import.meta.url))}`;
