/**
 * The `console` option of {@link spawn}: the command's terminal, a pty made
 * where the command's mounts are, its master sent to a unix socket, as an OCI
 * runtime's `--console-socket` (runc's, which conmon and containerd's shim
 * listen on).
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import { invalidOption } from './invalid.js';
import type { HelperRequest } from './protocol.js';

/**
 * A terminal for the command (spawn's `console`): the helper connects to the unix stream socket
 * at `socket` first thing, from this process's namespaces and with its privileges (a missing
 * socket is `spawn-setup-failed` at step `console`, before anything is made). The command, once
 * its mounts are made (a `rootfs` pivoted into, a joined mount namespace), opens `/dev/ptmx`
 * as it sees it — a container's own devpts, so that `tty` says `/dev/pts/N` of it — sends the
 * master on that socket with `SCM_RIGHTS` (one message whose data is `/dev/ptmx`, as runc
 * sends it), leads a session of its own with the slave as its controlling terminal and its
 * stdin, stdout and stderr (`stdio` then reaches the helper only), and keeps neither the socket
 * nor the master. With a `rootfs` the slave is also bound on `/dev/console`, as runc does.
 *
 * Without `socket`, the master goes to the helper instead, which relays it to its own stdin and
 * stdout (spawn's `stdio`: `'inherit'` gives it this process's terminal) until the command ends,
 * as runc relays a foreground container's terminal: stdin is made raw while it is a terminal
 * (and restored), and the pty's size follows stdin's, at the start and on SIGWINCH. Excludes
 * `detach`.
 *
 * @example
 * ```ts
 * import { spawn, type SpawnConsole } from '@linuxns/core';
 * // A listener at /run/box-console.sock receives the master (recvmsg, SCM_RIGHTS) and talks to sh through it.
 * const terminal: SpawnConsole = { socket: '/run/box-console.sock', height: 24, width: 80 };
 * const r = await spawn('sh', [], { create: ['mnt', 'pid'], console: terminal });
 * if (r.isErr()) console.error(r.error.message); // ...failed at step console: connect gave ENOENT, without a listener
 * ```
 */
export interface SpawnConsole {
  /** The absolute path of a listening unix stream socket (an engine's console socket); none: the helper relays the terminal. */
  readonly socket?: string;
  /** Rows of the terminal (OCI's `process.consoleSize.height`), set with TIOCSWINSZ; with `width`. */
  readonly height?: number;
  /** Columns of the terminal (`process.consoleSize.width`); with `height`. */
  readonly width?: number;
}

/** The longest path a unix socket address holds (sun_path, its terminating NUL excluded). */
const SUN_PATH_MAX = 107;

/** The helper fields of `console` (with `detach`, which a relay excludes); or the error. Throws a TypeError for a value of the wrong type. */
export function consoleSettings(console: SpawnConsole | undefined, detach: boolean | undefined): Result<Partial<HelperRequest>, NsError> {
  if (console === undefined) return ok({});
  if (typeof console !== 'object' || console === null) throw new TypeError('console must be an object { socket?, height?, width? }');
  const { socket, height, width } = console;
  if (socket !== undefined && typeof socket !== 'string') throw new TypeError(`console.socket must be a string, got ${typeof socket}`);
  if (socket === undefined && detach === true) return err(invalidOption('console', 'a console without a socket is relayed by the helper, which detach lets go: give console.socket'));
  if (socket !== undefined && (!socket.startsWith('/') || socket.includes('\0'))) return err(invalidOption('console', `console.socket must be an absolute path, got ${JSON.stringify(socket)}`));
  if (socket !== undefined && Buffer.byteLength(socket) > SUN_PATH_MAX) return err(invalidOption('console', `console.socket is longer than a unix socket address holds (${SUN_PATH_MAX} bytes)`));
  if ((height === undefined) !== (width === undefined)) return err(invalidOption('console', 'console.height and console.width go together'));
  for (const [k, v] of [['height', height], ['width', width]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 0xffff)) return err(invalidOption('console', `console.${k} must be an integer from 0 to 65535, got ${String(v)}`));
  }
  return ok({ ...(socket !== undefined ? { console: socket } : { consoleRelay: true }), ...(height !== undefined && width !== undefined ? { consoleSize: [height, width] as const } : {}) });
}
