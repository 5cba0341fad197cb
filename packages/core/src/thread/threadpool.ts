/**
 * libuv's threadpool, started from the right thread (see {@link startThreadpool}).
 *
 * @module
 */
import { access } from 'node:fs';

let threadpoolStarted = false;
/**
 * libuv creates its threadpool (async fs, dns.lookup, crypto, zlib) on first
 * use, from whichever thread asks first, and its threads keep that thread's
 * namespaces forever. Make sure that happens now, from here, before any
 * thread enters another namespace.
 */
export function startThreadpool(): void {
  if (threadpoolStarted) return;
  threadpoolStarted = true;
  access('/', () => {});
}
