/**
 * {@link NsChild}: a command {@link spawn} started, whoever started it (the
 * direct path or the helper), and how its end is seen: {@link NsChild.exited}
 * waits for the exit and for all of the output, which is kept until it is
 * read.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';

/** How a command ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A command started by {@link spawn}. */
export interface NsChild {
  /** The command's pid, as this process's pid namespace numbers it. */
  readonly pid: number;
  /** The command's stdin, with stdio `'pipe'`; else null. */
  readonly stdin: Writable | null;
  /**
   * The command's stdout, with stdio `'pipe'`; else null. It keeps what the command wrote until
   * it is read, also after {@link NsChild.exited}. While the command runs, output nobody reads
   * fills the pipe and the command waits, as with `child_process`; once it has exited, the rest
   * is read in, whatever its size. Destroying the stream drops the rest of the output (the pipe
   * is drained, so a writer does not get EPIPE) and `exited` no longer waits for it.
   */
  readonly stdout: Readable | null;
  /** The command's stderr, with stdio `'pipe'`, as {@link NsChild.stdout}; else null. */
  readonly stderr: Readable | null;
  /**
   * Sends a signal (to the command; through the helper when it supervises one). As pid 1 of a
   * new pid namespace the command ignores signals it has no handler for, as under
   * `unshare --fork`: `'SIGKILL'` always works (it ends the helper, and the command dies with it).
   */
  kill(signal?: NodeJS.Signals | number): boolean;
  /**
   * Resolves once the command has ended and been reaped (with it, the helper that supervised
   * it, if any) and everything it wrote to a `'pipe'` stdout and stderr has come in: like Node's
   * `'close'` event, not `'exit'`. A `'data'` listener attached before `exited` is read has been
   * given all of the output when it resolves (each read of `exited` gives a promise that settles
   * after what is already queued, such as the start of that listener's flow), and a stream read
   * only afterwards still holds all of it. Every pipe linuxns made for the command is closed by
   * then, but for a stream the caller destroyed, which is not waited for.
   *
   * It waits for end of file on stdout and stderr, so a process the command left behind that
   * still holds one (a daemon started in the background with the same stdout) delays `exited`
   * until it closes that pipe or exits, as it delays Node's `'close'`. Give such a command stdio
   * `'ignore'`, `'inherit'` or an fd, or destroy the stream. Never rejects.
   */
  readonly exited: Promise<ExitStatus>;
}

/**
 * The command's stdout or stderr as the caller gets it, and when all of it has
 * come in. Node's ChildProcess drains, and drops, every pipe nobody reads as
 * soon as the process exits; spawn resolves only after the status channel
 * ends, when a quick command may already be gone, and the caller may await
 * something else before reading. Forwarding into a PassThrough from the start
 * keeps the output until it is read.
 *
 * While the process runs, a full PassThrough pauses the pipe (the command
 * waits, as with an unread child_process pipe). Once it has exited
 * (`exit` resolved), the rest is read in without that limit: the process can
 * write no more, and `exited` waits for the pipe's end of file, which would
 * never come while a caller who reads only after `exited` holds it paused.
 *
 * `delivered` resolves once the pipe has reached end of file and is closed,
 * every byte written into the PassThrough (and so emitted to a 'data' listener
 * that was attached), or once the caller destroyed the PassThrough before
 * then: the rest is then drained and dropped in the background (the writer is
 * not cut off with EPIPE), and nobody waits for it.
 */
function keepOutput(src: Readable | null, exit: Promise<unknown>): { stream: Readable | null; delivered: Promise<void> } {
  if (!src) return { stream: null, delivered: Promise.resolve() };
  const out = new PassThrough();
  let exitedAlready = false;
  src.on('data', (chunk: Buffer) => {
    if (out.destroyed) return; // the caller closed it: drained and dropped
    if (!out.write(chunk) && !exitedAlready) src.pause();
  });
  out.on('drain', () => src.resume());
  src.once('end', () => out.end());
  src.once('error', (e) => out.destroy(e));
  const delivered = new Promise<void>((resolve) => {
    src.once('close', resolve);
    out.once('close', () => {
      if (src.readableEnded) return;
      src.resume();
      resolve();
    });
  });
  void exit.then(() => {
    exitedAlready = true;
    src.resume();
  });
  return { stream: out, delivered };
}

/** Resolves once `stream` (a pipe of the child's beyond its stdin) is closed; at once when there is none. */
function closedOf(stream: Readable | Writable | null | undefined): Promise<void> {
  if (!stream || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

/**
 * How `sub` ends, as {@link NsChild.exited} reports it and as spawn's error
 * paths wait for it. `exited`: the process has exited and been reaped (its
 * 'exit'), the stdout and stderr pipes are delivered (see {@link keepOutput}),
 * and every other pipe made for it (the helper's status channel and gate) is
 * closed. `closed`: that, with the pipes of streams the caller destroyed
 * closed too, for the error paths, which leave no fd behind.
 */
export function endingOf(sub: ChildProcess): Ending {
  const exit = new Promise<ExitStatus>((r) => sub.once('exit', (code, signal) => r({ code, signal })));
  return endingOfStreams(exit, sub.stdout, sub.stderr, sub.stdio.slice(3) as (Readable | null)[]);
}

/** What {@link endingOf} gives: the streams the caller gets, and the two ends. */
export interface Ending {
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exited: Promise<ExitStatus>;
  readonly closed: Promise<ExitStatus>;
}

/** {@link endingOf} of a process known by its `exit` and its pipes (a command started without child_process). */
export function endingOfStreams(exit: Promise<ExitStatus>, out: Readable | null, err: Readable | null, others: readonly (Readable | Writable | null)[] = []): Ending {
  const stdout = keepOutput(out, exit);
  const stderr = keepOutput(err, exit);
  const exited = Promise.all([exit, stdout.delivered, stderr.delivered, ...others.map(closedOf)]).then(([status]) => status);
  const closed = Promise.all([exited, closedOf(out), closedOf(err)]).then(([status]) => status);
  return { stdout: stdout.stream, stderr: stderr.stream, exited, closed };
}

/** What {@link nsChild} needs of the process: its stdin and a way to signal it (a ChildProcess has both). */
export interface Signalable {
  readonly stdin: Writable | null;
  kill(signal?: NodeJS.Signals | number): boolean;
}

/**
 * The NsChild of `sub`, whose command has pid `pid`. `exited` is a getter: a
 * 'data' listener attached just before `await child.exited` makes its stream
 * flow only on the next tick, and a promise that had already resolved would
 * run the caller's continuation before that (microtasks run before ticks),
 * the output still in the stream's buffer. Each read gives a promise that
 * settles a turn of the event loop (setImmediate) after `ended`, so after
 * everything queued when it was read.
 */
export function nsChild(pid: number, sub: Signalable, stdout: Readable | null, stderr: Readable | null, ended: Promise<ExitStatus>): NsChild {
  return {
    pid,
    stdin: sub.stdin,
    stdout,
    stderr,
    kill: (signal?: NodeJS.Signals | number) => sub.kill(signal),
    get exited(): Promise<ExitStatus> {
      return ended.then((status) => new Promise<ExitStatus>((resolve) => setImmediate(resolve, status)));
    },
  };
}
