/** Absolute path of the linuxns-helper binary. */
export declare const helperPath: string;
/** Absolute path of the AddressSanitizer/UBSan build (`node build.js --sanitize`). */
export declare const sanitizedHelperPath: string;
/** The command that builds the helper, for error messages. */
export declare const buildCommand: string;
