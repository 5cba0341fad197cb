/**
 * Crash points for the tests: with `LINUXNS_CONTAINER_CRASH_AT=N` in the
 * environment, the Nth {@link checkpoint} reached by this process kills it
 * with SIGKILL, as a crash would, between two steps of create or start;
 * `N+MS` kills it MS milliseconds after the Nth (the event loop, and a helper
 * it started, go on meanwhile). `LINUXNS_CONTAINER_CRASH_COUNT=1` prints the
 * number of checkpoints reached to stderr at exit.
 *
 * @internal
 * @module
 */
const [at, later] = (process.env.LINUXNS_CONTAINER_CRASH_AT ?? '0').split('+').map(Number);
let reached = 0;
if (process.env.LINUXNS_CONTAINER_CRASH_COUNT) process.once('exit', () => process.stderr.write(`checkpoints ${reached}\n`));

/** @internal Between two steps that a crash may separate. */
export function checkpoint(): void {
  if (++reached !== at) return;
  if (later === undefined) process.kill(process.pid, 'SIGKILL');
  else setTimeout(() => process.kill(process.pid, 'SIGKILL'), later);
}
