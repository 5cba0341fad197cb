/**
 * A container under a factory's root: its state read from disk every time
 * (so two processes, or a new Factory after a crash, see the same thing;
 * the config, which never changes after create, is the one read by
 * `create` or `load`), its init started by the helper (one process, fully
 * set up before exec), processes exec'd into its namespaces, and its
 * destruction. Each step is a module of this folder; the class keeps what
 * only this object knows: the init it started. The steps that start a
 * process (start, exec, createInit) are loaded on first use, so that a
 * short-lived process that only reads the state, signals, starts a created
 * init or deletes (an OCI runtime's hot commands) loads none of spawn.
 *
 * @module
 */
import { ResultAsync, type Result } from 'neverthrow';
import type { ExitStatus, NsChild } from '@linuxns/core';
import type { ProcessIo } from '../config/spawn-options.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- NetworkConfig is only named by a {@link}: imported so typedoc resolves it
import type { NetworkConfig } from '../config/network-types.js';
import type { ProcessConfig } from '../config/types.js';
import type { ContainerFailure } from '../errors.js';
import { ContainerBase } from './container-base.js';
import type { InitOptions } from './create-init.js';
import { destroyContainer } from './destroy.js';
import type { ExecOptions } from './exec.js';
import { checkStdio } from './io.js';
import { signalInit, waitInit } from './signal.js';
import { startInit } from './start-init.js';
import { snapshot, type ContainerState } from './state.js';

/**
 * A container made by {@link Factory.create} or found by
 * {@link Factory.load}. Its state lives in files under the factory's root;
 * the object keeps only what a crash may lose anyway (the init's exit status,
 * when this process started it).
 *
 * @example
 * ```ts
 * import { ok, safeTry } from 'neverthrow';
 * import { Factory } from '@linuxns/container';
 * const f = new Factory('/run/linuxns-containers');
 * const done = await safeTry(async function* () {
 *   const c = yield* f.create('demo', {
 *     rootfs: { path: '/srv/busybox', readonly: true },
 *     namespaces: [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'net' }],
 *     hostname: 'demo', process: { args: ['sh', '-c', 'hostname; echo $$'] },
 *   });
 *   const exit = yield* c.run();
 *   const { status } = yield* c.state();
 *   yield* c.destroy();
 *   return ok({ exit, status });
 * });
 * done.match(
 *   ({ exit, status }) => console.log(exit, status), // { code: 0, signal: null } 'stopped'
 *   (e) => console.error(`${e.kind}: ${e.message}`),
 * );
 * ```
 */
export class Container extends ContainerBase {
  #child: NsChild | undefined;

  /**
   * The state, read from disk (state.json, init.pid, the init's process;
   * the config is {@link Container.config}, read once by `create` or `load`:
   * config.json never changes after create, so a container loaded while
   * config.json was missing stays `creating` until loaded again):
   * `creating` if config.json or state.json is
   * missing (a create that never finished), else `created` until the helper
   * wrote the init's pid, then `running` while that process (same pid, same
   * start time) lives, `stopped` after.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * new Factory('/run/linuxns-containers').load('demo').andThen((c) => c.state()).match(
   *   (s) => console.log(s.status, s.pid), // 'running' 12345
   *   (e) => console.error(`${e.kind}: ${e.message}`),
   * );
   * ```
   */
  state(): Result<ContainerState, ContainerFailure> {
    return snapshot(this).map((s) => s.state);
  }

  /**
   * Starts the init: `process`, or the config's. One process set up by the
   * helper before exec — namespaces, id maps, cgroup, rootfs (bind or
   * overlay), /proc, /dev, /sys, mounts, masked and read-only paths,
   * pivot_root, hostname, rlimits, session, capabilities, ids, cwd, env — so
   * that it never runs half set up; an id-mapped rootfs is mounted first,
   * and the config's `network` is set up before the init starts (without a
   * new user namespace) or while it waits before its exec (with one: see
   * {@link NetworkConfig}). Resolves once it runs; the container is then
   * `running`. Only from `created`, and one at a time: the `starting` claim
   * is taken first, so a second start meanwhile (or while processes of a
   * crashed earlier start are in its cgroup) is `container-wrong-status`. A
   * cgroup directory that exists with processes in it is refused
   * (`container-config-invalid`). A failure leaves nothing running, removes
   * the cgroup it made, and leaves the container `created`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const init = await new Factory('/run/linuxns-containers').load('demo')
   *   .asyncAndThen((c) => c.start({ args: ['sleep', '60'] }, { stdio: 'ignore' }));
   * init.match(
   *   (child) => console.log(child.pid), // 12345
   *   (e) => console.error(`${e.kind}: ${e.message}`), // container-wrong-status: ... it is running
   * );
   * ```
   */
  start(process?: ProcessConfig, io: ProcessIo = {}): ResultAsync<NsChild, ContainerFailure> {
    checkStdio(io);
    return ResultAsync.fromSafePromise(import('./start.js'))
      .andThen(({ startContainer }) => startContainer(this, process, io))
      .map((child) => {
        this.#child = child;
        return child;
      });
  }

  /**
   * The first half of {@link Container.start}, as an OCI runtime's `create` does it: starts the
   * init (`process`, or the config's) set up completely — namespaces, id maps, cgroup, rootfs,
   * pivot_root, ids, capabilities, fds — and waiting at its gate, `exec.fifo` in the container's
   * directory, before it execs its program. Resolves with its pid once it waits there: the
   * container is `created` with that pid, `init.pid` written. The init outlives this process: it
   * is reparented to this process's nearest child subreaper (conmon or a containerd shim, which
   * reap it and see its exit status), or to init; it keeps the stdio given (the engine's pipes).
   * A program that cannot be found or run is refused now, not after the gate. Then
   * {@link Container.startInit}, from this process or any other, lets it exec. Only from `created`
   * without an init; a failure leaves nothing running and gives the cgroup and the gate back.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const f = new Factory('/run/linuxns-containers');
   * const pid = await f.load('demo').asyncAndThen((c) => c.createInit(undefined, { stdio: 'inherit' }));
   * pid.match(
   *   (p) => console.log(`init ${p} waits: start it from any process`), // then c.startInit()
   *   (e) => console.error(`${e.kind}: ${e.message}`),
   * );
   * ```
   */
  createInit(process?: ProcessConfig, options: InitOptions = {}): ResultAsync<number, ContainerFailure> {
    checkStdio(options);
    return ResultAsync.fromSafePromise(import('./create-init.js')).andThen(({ createInit }) => createInit(this, process, options));
  }

  /**
   * The second half of {@link Container.start}, as an OCI runtime's `start` does it: lets the init
   * that {@link Container.createInit} left waiting at its gate (from this process or another,
   * earlier) exec its program, and resolves once it has (or has ended): the container is then
   * `running`. `container-wrong-status` unless it is `created` with an init (`stopped` when the
   * init died meanwhile).
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const started = await new Factory('/run/linuxns-containers').load('demo').asyncAndThen((c) => c.startInit());
   * if (started.isErr()) console.error(started.error.message); // e.g. cannot start container demo: it is running (...)
   * ```
   */
  startInit(): ResultAsync<void, ContainerFailure> {
    return startInit(this);
  }

  /**
   * Starts the init and waits for it: its exit code or signal.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const status = await new Factory('/run/linuxns-containers').load('demo').asyncAndThen((c) => c.run({ args: ['true'] }));
   * if (status.isOk()) console.log(status.value); // { code: 0, signal: null }
   * else console.error(status.error.message);
   * ```
   */
  run(process?: ProcessConfig, io: ProcessIo = {}): ResultAsync<ExitStatus, ContainerFailure> {
    return this.start(process, io).andThen(() => this.wait());
  }

  /**
   * Sends a signal to the init. As pid 1 of a new pid namespace it ignores
   * those it has no handler for, except SIGKILL. While `running`, `paused`
   * (the signal waits for the resume, SIGKILL aside), or `created` with an
   * init waiting at its gate (SIGKILL ends it). An
   * unknown signal name throws a TypeError, a number outside 0..64 a
   * RangeError.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const sent = new Factory('/run/linuxns-containers').load('demo').andThen((c) => c.signal('SIGKILL'));
   * if (sent.isErr()) console.error(sent.error.message); // e.g. cannot signal container demo: it is stopped (...)
   * ```
   */
  signal(signal: NodeJS.Signals | number = 'SIGTERM'): Result<void, ContainerFailure> {
    return signalInit(this, signal);
  }

  /**
   * Waits until the init has exited. Its exit status is known when this
   * object started it; for a container started elsewhere (another process, a
   * previous Factory), `{ code: null, signal: null }` once it is gone.
   * `container-wrong-status` while `created` or `creating`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const status = await new Factory('/run/linuxns-containers').load('demo').asyncAndThen((c) => c.wait());
   * status.match(
   *   (s) => console.log(s), // { code: null, signal: null }: started by another process
   *   (e) => console.error(e.message),
   * );
   * ```
   */
  wait(): ResultAsync<ExitStatus, ContainerFailure> {
    return waitInit(this, this.#child);
  }

  /**
   * Runs `process` inside the running container: every namespace of the init
   * joined by handle (opened from `/proc/PID/ns`, with the init's start time
   * checked after, so a reused pid is never joined; the user namespace last,
   * becoming root in it), in its cgroup, with the process's own env, cwd,
   * ids, rlimits and capabilities.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const p = await new Factory('/run/linuxns-containers').load('demo')
   *   .asyncAndThen((c) => c.exec({ args: ['hostname'] }, { stdio: ['ignore', 'pipe', 'inherit'] }));
   * if (p.isOk()) p.value.stdout?.pipe(process.stdout);
   * else console.error(p.error.message);
   * ```
   */
  exec(process: ProcessConfig, io: ExecOptions = {}): ResultAsync<NsChild, ContainerFailure> {
    checkStdio(io);
    return ResultAsync.fromSafePromise(import('./exec.js')).andThen(({ execIn }) => execIn(this, process, io));
  }

  /**
   * Destroys the container: its network undone outside (moved links moved
   * back, host routes and host-side veth ends deleted), every process of it
   * killed (the init SIGKILLed, which ends a pid namespace; the exec'd
   * processes recorded by {@link Container.exec}; its cgroup and every cgroup
   * below it emptied) and waited for, its pins unmounted, its cgroup (the
   * one a start recorded; none if never started) removed children first, an
   * id-mapped rootfs unmounted, its directory deleted. Works from every
   * status, `creating` included; a second call finds nothing and says
   * `container-not-found`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const gone = await new Factory('/run/linuxns-containers').load('demo').asyncAndThen((c) => c.destroy());
   * if (gone.isErr()) console.error(gone.error.kind); // 'container-not-found' once it is gone
   * ```
   */
  destroy(): ResultAsync<void, ContainerFailure> {
    return destroyContainer(this, () => this.#child);
  }
}
