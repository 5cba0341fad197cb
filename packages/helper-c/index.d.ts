/** Absolute path of the linuxns-helper binary. */
export declare const helperPath: string;
/** Absolute path of liblinuxns.so, the in-process half (userns dummies), loaded through koffi. */
export declare const libraryPath: string;
/** Absolute path of the AddressSanitizer/UBSan build (`node build.js --sanitize`). */
export declare const sanitizedHelperPath: string;
/** Absolute path of the sanitized driver of liblinuxns (`node build.js --sanitize`, test/lib-check.c). */
export declare const sanitizedLibraryCheckPath: string;
/** The command that builds the helper, for error messages. */
export declare const buildCommand: string;
