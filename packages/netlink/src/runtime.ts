/**
 * LinuxKit's runtime `prepareProcess`: the `runtime.json` of a
 * container, applied once its process exists: directories, network
 * interfaces (created, or moved in, by pid) and namespace pins.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { err, ok, okAsync, errAsync, Result, type ResultAsync } from 'neverthrow';
import { fsError, pin, type NamespaceType, type NsError } from '@linuxns/core';
import { applyNetwork } from './network/apply.js';
import type { NetworkSpec } from './network/spec.js';
import type { NetlinkError } from './errors.js';

/** One interface of a runtime config (LinuxKit's `Interface`). */
export interface RuntimeInterface {
  /** Name of the interface inside the container. Required. */
  readonly name: string;
  /** Kind of link to create (`'veth'`, `'dummy'`, `'bridge'`...); absent: move an existing interface of that name. */
  readonly add?: string;
  /** A veth's other end, left in the caller's namespace. Setting it without `add` means `add: 'veth'`. */
  readonly peer?: string;
  /** Create the link in the caller's namespace, then move it in (a veth always is). */
  readonly createInRoot?: boolean;
}

/** Where to pin the container's namespaces (LinuxKit's `Namespaces`); empty or absent: not pinned. */
export interface RuntimeBindNS {
  readonly cgroup?: string;
  readonly ipc?: string;
  readonly mnt?: string;
  readonly net?: string;
  readonly pid?: string;
  readonly user?: string;
  readonly uts?: string;
}

/** A runtime config: the shape of linuxkit's `runtime.json` (LinuxKit's `Runtime`). */
export interface Runtime {
  /** Directories to create (with their parents, mode 0755). */
  readonly mkdir?: readonly string[];
  readonly interfaces?: readonly RuntimeInterface[];
  readonly bindNS?: RuntimeBindNS;
}

/** What {@link applyRuntime} did, in order. */
export interface AppliedRuntime {
  readonly directories: string[];
  /** Each interface, with what happened to it: `'created'` inside, `'created-and-moved'`, or `'moved'`. */
  readonly interfaces: { readonly name: string; readonly kind: string | undefined; readonly action: 'created' | 'created-and-moved' | 'moved' }[];
  readonly pins: { readonly type: NamespaceType; readonly path: string }[];
}

/** Pin order of LinuxKit. */
const BIND_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'user', 'uts'] as const;

function invalid(field: string, message: string): NsError | NetlinkError {
  return { kind: 'invalid-runtime', field, message };
}

/** The value of `key` in `obj`, matched without regard to case as Go's encoding/json does. */
function field(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const k = Object.keys(obj).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optString(obj: Record<string, unknown>, key: string, where: string): Result<string | undefined, NsError | NetlinkError> {
  const v = field(obj, key);
  if (v === undefined || v === null) return ok(undefined);
  return typeof v === 'string' ? ok(v) : err(invalid(`${where}.${key}`, `${where}.${key} must be a string, got ${JSON.stringify(v)}`));
}

function parseInterface(v: unknown, i: number): Result<RuntimeInterface, NsError | NetlinkError> {
  const where = `interfaces[${i}]`;
  if (!isObject(v)) return err(invalid(where, `${where} must be an object, got ${JSON.stringify(v)}`));
  const strings = Result.combine([optString(v, 'name', where), optString(v, 'add', where), optString(v, 'peer', where)]);
  if (strings.isErr()) return err(strings.error);
  const cir = field(v, 'createInRoot');
  if (cir !== undefined && cir !== null && typeof cir !== 'boolean') return err(invalid(`${where}.createInRoot`, `${where}.createInRoot must be a boolean, got ${JSON.stringify(cir)}`));
  const [n = '', add = '', p = ''] = strings.value;
  let kind = add;
  if (n === '') return err(invalid(`${where}.name`, `interface requires a name (${where})`));
  if (p !== '' && kind === '') kind = 'veth'; // a peer means a veth, as in LinuxKit
  if (kind === 'veth' && p === '') return err(invalid(`${where}.peer`, `veth requires a peer: creating the veth pair ${JSON.stringify(n)} requires a peer to be set (${where})`));
  return ok({ name: n, ...(kind !== '' ? { add: kind } : {}), ...(p !== '' ? { peer: p } : {}), createInRoot: cir === true });
}

/**
 * Checks a runtime config — JSON text of linuxkit's `runtime.json`, or the
 * parsed object — and returns it in canonical form: keys matched without
 * regard to case and unknown keys ignored (as Go's `encoding/json` does),
 * empty strings and nulls dropped, `add: 'veth'` filled in where only a
 * peer is given. Every rule of LinuxKit is checked here, so that
 * {@link applyRuntime} refuses a bad config before it changes anything:
 * `invalid-runtime` with `field` for "interface requires a name", "veth
 * requires a peer", bad JSON or a value of the wrong type.
 *
 * @example
 * ```ts
 * import { parseRuntime } from '@linuxns/netlink';
 * const r = parseRuntime('{"interfaces":[{"name":"eth0","peer":"veth-c1"}],"bindNS":{"net":"/run/netns/c1"}}');
 * if (r.isOk()) console.log(r.value.interfaces?.[0]?.add); // 'veth'
 * const bad = parseRuntime({ interfaces: [{ add: 'veth' }] });
 * if (bad.isErr()) console.log(bad.error.message); // interface requires a name (interfaces[0])
 * ```
 */
export function parseRuntime(json: unknown): Result<Runtime, NsError | NetlinkError> {
  let v: unknown = json;
  if (typeof json === 'string') {
    try {
      v = JSON.parse(json);
    } catch (e) {
      return err(invalid('', `cannot parse runtime config: ${(e as Error).message}`));
    }
  }
  if (v === null) return ok({});
  if (!isObject(v)) return err(invalid('', `a runtime config must be a JSON object, got ${JSON.stringify(v)}`));
  const out: { mkdir?: string[]; interfaces?: RuntimeInterface[]; bindNS?: RuntimeBindNS } = {};
  const mkdir = field(v, 'mkdir');
  if (mkdir !== undefined && mkdir !== null) {
    if (!Array.isArray(mkdir) || mkdir.some((d) => typeof d !== 'string' && d !== null)) return err(invalid('mkdir', `mkdir must be a list of paths, got ${JSON.stringify(mkdir)}`));
    out.mkdir = (mkdir as (string | null)[]).filter((d): d is string => d !== null && d !== '');
  }
  const ifs = field(v, 'interfaces');
  if (ifs !== undefined && ifs !== null) {
    if (!Array.isArray(ifs)) return err(invalid('interfaces', `interfaces must be a list, got ${JSON.stringify(ifs)}`));
    const list: RuntimeInterface[] = [];
    for (let i = 0; i < ifs.length; i++) {
      const r = parseInterface(ifs[i], i);
      if (r.isErr()) return err(r.error);
      list.push(r.value);
    }
    out.interfaces = list;
  }
  const bind = field(v, 'bindNS');
  if (bind !== undefined && bind !== null) {
    if (!isObject(bind)) return err(invalid('bindNS', `bindNS must be an object, got ${JSON.stringify(bind)}`));
    const b: Record<string, string> = {};
    for (const t of BIND_TYPES) {
      const s = optString(bind, t, 'bindNS');
      if (s.isErr()) return err(s.error);
      if (s.value) b[t] = s.value;
    }
    out.bindNS = b;
  }
  return ok(out);
}

/** Options of {@link applyRuntime}. */
export interface ApplyRuntimeOptions {
  /** Timeout of each netlink request, in ms: a positive integer. Default 5000. */
  readonly timeoutMs?: number;
}

/** The options checked as `openNetlink` checks its own: misuse throws before anything is done. */
function checkApplyOptions(options: unknown): { timeoutMs?: number } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const t = (options as ApplyRuntimeOptions).timeoutMs;
  if (t === undefined) return {};
  if (typeof t !== 'number') throw new TypeError(`timeoutMs must be a positive integer, got ${typeof t}`);
  if (!Number.isInteger(t) || t <= 0) throw new RangeError(`timeoutMs must be a positive integer, got ${String(t)}`);
  return { timeoutMs: t };
}

/**
 * LinuxKit's `prepareProcess` (with the `mkdir` of its
 * `prepareFilesystem`): applies a runtime config to the process `pid`
 * before it runs. In order:
 *
 * - `mkdir`: each directory, with its parents (0755); empty entries are
 *   skipped.
 * - `interfaces`: an `add` with a `peer` (or a `peer` alone) is a veth pair
 *   whose `name` end is in the process's network namespace and whose peer
 *   is in the caller's. LinuxKit makes both ends outside and moves one in;
 *   here the inside end is made inside in the same request, which reaches
 *   the same state without clashing with a link of that name outside (the
 *   host's `eth0`); `createInRoot: true` keeps LinuxKit's way. Another
 *   `add` kind is created directly inside (`IFLA_NET_NS_PID`), or outside
 *   then moved in with `createInRoot`; no `add` moves the caller's existing
 *   interface `name` in.
 *   Moves are plain, as in LinuxKit: the kernel drops the addresses.
 * - `bindNS`: each namespace of the process with a path is pinned there
 *   (core's `pin`, parents created), in LinuxKit's order.
 *
 * `options` is checked first: one that is not an object, or a `timeoutMs`
 * that is not a positive integer, throws a `TypeError` or `RangeError` at
 * the call. Then the config ({@link parseRuntime}): a bad one changes
 * nothing. Later steps stop at the first error, as LinuxKit does, leaving
 * the earlier ones done; the error names the interface or path.
 *
 * @example
 * ```ts
 * import { applyRuntime } from '@linuxns/netlink';
 * const r = await applyRuntime(1234, {
 *   mkdir: ['/run/c1'],
 *   interfaces: [{ name: 'eth0', peer: 'veth-c1' }, { name: 'dummy0', add: 'dummy' }],
 *   bindNS: { net: '/run/netns/c1' },
 * });
 * if (r.isErr()) console.error(r.error.kind, r.error.message);
 * else console.log(r.value.interfaces);
 * ```
 */
export function applyRuntime(pid: number, runtime: Runtime | string, options: ApplyRuntimeOptions = {}): ResultAsync<AppliedRuntime, NsError | NetlinkError> {
  if (!Number.isInteger(pid) || pid <= 0) throw new TypeError(`pid must be a positive integer, got ${String(pid)}`);
  const netlinkOptions = checkApplyOptions(options);
  const parsed = parseRuntime(runtime);
  if (parsed.isErr()) return errAsync(parsed.error);
  const rt = parsed.value;
  const done: AppliedRuntime = { directories: [], interfaces: [], pins: [] };

  for (const dir of rt.mkdir ?? []) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      done.directories.push(dir);
    } catch (e) {
      const base = fsError(e, { path: dir });
      return errAsync({ ...base, message: `cannot create directory ${dir}: ${base.message}` });
    }
  }

  const ifaces = rt.interfaces ?? [];
  // The one set-up path (network/apply.ts), as LinuxKit does it: nothing set up, no addresses, plain moves.
  const spec: NetworkSpec = {
    loopback: false,
    interfaces: ifaces.map((x) => ({ name: x.name, ...(x.add !== undefined ? { add: x.add } : {}), ...(x.peer !== undefined ? { peer: x.peer } : {}), createInRoot: x.createInRoot === true, up: false })),
  };
  const interfaces: ResultAsync<void, NsError | NetlinkError> =
    ifaces.length === 0 ? okAsync(undefined) : applyNetwork(pid, spec, netlinkOptions).map((applied) => void done.interfaces.push(...applied.interfaces));

  return interfaces.andThen(() => {
    for (const type of BIND_TYPES) {
      const path = rt.bindNS?.[type];
      if (!path) continue;
      const r = pin({ pid, type }, path);
      if (r.isErr()) return errAsync<AppliedRuntime, NsError | NetlinkError>({ ...r.error, message: `failed to bind ${type} namespace at ${path}: ${r.error.message}` });
      done.pins.push({ type, path });
    }
    return okAsync(done);
  });
}
