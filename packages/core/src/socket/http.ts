/**
 * HTTP clients whose connections are made inside a network namespace: an
 * `http.Agent`/`https.Agent` for `http.get` and friends, and an undici
 * dispatcher for `fetch` (Node's own `fetch` is undici). Each connection is a
 * {@link connectIn}: only its `socket()` runs inside the namespace; the
 * rest, TLS included, runs on the event loop as usual.
 *
 * @module
 */
import { lookup as dnsLookup } from 'node:dns';
import type { Agent as HttpAgent, AgentOptions as HttpAgentOptions, ClientRequestArgs } from 'node:http';
import type { Agent as HttpsAgent, AgentOptions as HttpsAgentOptions } from 'node:https';
import { createRequire } from 'node:module';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type * as Undici from 'undici';
import type { NsError } from '../errors/ns-error.js';
import type { TargetValue } from '../thread/target.js';
import { connectIn } from './socket.js';


/**
 * node:http, node:https and node:tls, loaded by the first client made here:
 * importing @linuxns/core does not pay for TLS (~6 ms) in programs that
 * never make one.
 */
const builtin = createRequire(import.meta.url);
const http = (): typeof import('node:http') => builtin('node:http') as typeof import('node:http');
const https = (): typeof import('node:https') => builtin('node:https') as typeof import('node:https');
const tlsConnect = (options: TlsOptions): ReturnType<typeof import('node:tls').connect> => (builtin('node:tls') as typeof import('node:tls')).connect(options);
/** How a host name is turned into an address: `dns.lookup`'s shape (one address). */
export type HostLookup = (hostname: string, callback: (err: Error | null, address: string) => void) => void;

/** Options the HTTP clients of a namespace add to their agent's own. */
export interface NamespaceClientOptions {
  /** Give up on a connect after this many ms (`ETIMEDOUT`). Default 10000, as {@link connectIn}. */
  readonly connectTimeoutMs?: number;
  /**
   * Resolves host names that are not IP literals. Default `dns.lookup`, which
   * asks the resolver of the calling process (its `/etc/hosts` and
   * `/etc/resolv.conf`, its network namespace): a namespace has no resolver
   * of its own. Give one that knows the namespace's names when they differ.
   */
  readonly lookup?: HostLookup;
}

/** An `Error` for a failed connect, with the {@link NsError} as `cause` and its errno code as `code`. */
export class NamespaceConnectError extends Error {
  /** The errno name, e.g. `'ECONNREFUSED'`, as Node's own connect errors have it. */
  readonly code: string;
  constructor(readonly error: NsError) {
    super(error.message, { cause: error });
    this.name = 'NamespaceConnectError';
    this.code = 'code' in error && typeof error.code === 'string' ? error.code : error.kind;
  }
}

function checkTarget(netns: TargetValue): void {
  if (typeof netns !== 'string' && typeof netns !== 'number' && (typeof netns !== 'object' || netns === null)) {
    throw new TypeError(`netns must be a path, a pid or a NamespaceHandle, got ${netns === null ? 'null' : typeof netns}`);
  }
}

const defaultLookup: HostLookup = (hostname, cb) => dnsLookup(hostname, (e, address) => cb(e, address));

/** Connects inside `netns` to `host:port`, resolving `host` first when it is a name. */
function connectTo(netns: TargetValue, host: string, port: number, options: NamespaceClientOptions, cb: (err: Error | null, socket?: Socket) => void): void {
  const go = (address: string): void => {
    let pending;
    try {
      pending = connectIn(netns, { host: address, port }, options.connectTimeoutMs !== undefined ? { timeoutMs: options.connectTimeoutMs } : {});
    } catch (e) {
      cb(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    void pending.match(
      (s) => cb(null, s),
      (e) => cb(new NamespaceConnectError(e)),
    );
  };
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) go(bare);
  else (options.lookup ?? defaultLookup)(bare, (e, address) => (e ? cb(e) : go(address)));
}

function portOf(p: unknown, fallback: number): number {
  const n = typeof p === 'string' ? Number(p) : typeof p === 'number' ? p : fallback;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * An `http.Agent` whose connections are made inside `netns` (a path such as
 * `/run/netns/blue`, a pid, or a {@link NamespaceHandle}, which must stay
 * open while the agent is used). Use it like any agent: `http.get(url, {
 * agent })`, or `new http.Agent` options in `options` (`keepAlive`...).
 * A failed connect reaches the request's `'error'` as a
 * {@link NamespaceConnectError} (`code` `'ECONNREFUSED'`, the
 * {@link NsError} as `cause`).
 *
 * @example
 * ```ts
 * import { get } from 'node:http';
 * import { httpAgentIn } from '@linuxns/core';
 * const agent = httpAgentIn('/run/netns/blue', { keepAlive: true, connectTimeoutMs: 2000 });
 * get('http://10.0.0.2:8080/', { agent }, (res) => res.pipe(process.stdout)).on('error', (e) => console.error(e.message));
 * ```
 */
export function httpAgentIn(netns: TargetValue, options: HttpAgentOptions & NamespaceClientOptions = {}): HttpAgent {
  checkTarget(netns);
  const agent = new (http().Agent)(options);
  agent.createConnection = (req: ClientRequestArgs, cb?: (err: Error | null, stream: Duplex) => void): Duplex => {
    connectTo(netns, req.host ?? req.hostname ?? 'localhost', portOf(req.port, 80), options, (e, s) => cb?.(e, s as Duplex));
    // Node's agent takes the socket from the callback when none is returned here.
    return undefined as unknown as Duplex;
  };
  return agent;
}

/**
 * An `https.Agent` whose connections are made inside `netns`; TLS runs over
 * them as usual (`ca`, `rejectUnauthorized`, `servername`... in `options`
 * or per request). See {@link httpAgentIn}.
 *
 * @example
 * ```ts
 * import { get } from 'node:https';
 * import { httpsAgentIn } from '@linuxns/core';
 * const agent = httpsAgentIn('/run/netns/blue', { rejectUnauthorized: true });
 * get('https://10.0.0.2:8443/', { agent, servername: 'service.lab' }, (res) => res.resume());
 * ```
 */
export function httpsAgentIn(netns: TargetValue, options: HttpsAgentOptions & NamespaceClientOptions = {}): HttpsAgent {
  checkTarget(netns);
  const agent = new (https().Agent)(options);
  agent.createConnection = (req: ClientRequestArgs & TlsOptions, cb?: (err: Error | null, stream: Duplex) => void): Duplex => {
    const host = req.host ?? req.hostname ?? 'localhost';
    connectTo(netns, host, portOf(req.port, 443), options, (e, raw) => {
      if (e || !raw) return cb?.(e, raw as Duplex);
      const servername = req.servername ?? (isIP(host.replace(/^\[|\]$/g, '')) ? undefined : host);
      const tls = tlsConnect({ ...options, ...req, socket: raw, ...(servername !== undefined ? { servername } : {}) });
      cb?.(null, tls);
    });
    return undefined as unknown as Duplex;
  };
  return agent;
}

const require = createRequire(import.meta.url);
let undici: typeof Undici | undefined;

/**
 * An undici dispatcher whose connections are made inside `netns`, for
 * `fetch(url, { dispatcher })` — Node's own `fetch`, which is undici, or
 * undici's — and for undici's `request`. https works (TLS over the
 * namespace's socket, `connect` options in `options.connect`). undici is
 * loaded on the first call. Close it with `await dispatcher.close()`.
 *
 * @example
 * ```ts
 * import { dispatcherIn } from '@linuxns/core';
 * const dispatcher = dispatcherIn('/run/netns/blue');
 * const res = await fetch('http://10.0.0.2:8080/health', { dispatcher });
 * console.log(res.status, await res.text());
 * await dispatcher.close();
 * ```
 */
export function dispatcherIn(netns: TargetValue, options: Omit<Undici.Agent.Options, 'connect'> & NamespaceClientOptions & { readonly connect?: TlsOptions } = {}): FetchDispatcher {
  checkTarget(netns);
  undici ??= require('undici') as typeof Undici;
  const tlsOptions = options.connect ?? {};
  const agent = new undici.Agent({
    ...options,
    connect: (opts, cb) => {
      const https = opts.protocol === 'https:';
      connectTo(netns, opts.hostname, portOf(opts.port, https ? 443 : 80), options, (e, raw) => {
        if (e || !raw) return cb(e ?? new Error('no socket'), null);
        if (!https) return cb(null, raw);
        const servername = opts.servername ?? (isIP(opts.hostname.replace(/^\[|\]$/g, '')) ? undefined : opts.hostname);
        // host: what the certificate is checked against (an IP literal included).
        const tls = tlsConnect({ ...tlsOptions, socket: raw, host: opts.hostname.replace(/^\[|\]$/g, ''), ...(servername ? { servername } : {}) });
        const onError = (x: Error): void => cb(x, null);
        tls.once('error', onError);
        tls.once('secureConnect', () => {
          tls.off('error', onError);
          cb(null, tls);
        });
      });
    },
  });
  // Typed as what Node's own fetch takes (its types may come from another undici version).
  return agent as unknown as FetchDispatcher;
}

/**
 * The dispatcher {@link dispatcherIn} returns: what `fetch(url, {
 * dispatcher })` takes (an undici `Agent` underneath), closed with
 * `close()`.
 */
export type FetchDispatcher = NonNullable<RequestInit['dispatcher']> & { close(): Promise<void> };
