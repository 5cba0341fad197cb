/**
 * The pool's queue of tasks not yet handed to a worker: tasks in call order,
 * taken from the head in batches, and tasks a worker gave back put back at
 * the head in their order. A taken slot is not spliced out (that would copy
 * the array on every batch): the head moves, and the array is compacted once
 * the consumed part outgrows the rest.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceHandle } from '../namespace/handle.js';
import type { TaskRequest } from './protocol.js';

/** A task from `run` until its outcome. */
export interface Pending {
  readonly req: TaskRequest;
  readonly borrowed: NamespaceHandle[];
  readonly resolve: (r: Result<unknown, NsError>) => void;
  state: 'queued' | 'sent' | 'done';
  /** Removes the abort listener, if any. */
  unlisten?: () => void;
  /** Aborted after it was sent: if a worker gives it back, it is not sent again. */
  abortRequested?: boolean;
  /** The batch the task was last sent in (a task given back is sent again in another). */
  batch: number;
}

export class TaskQueue {
  #items: Pending[] = [];
  #head = 0;

  /** Tasks in the queue, including ones settled while queued (skipped by {@link TaskQueue.take}). */
  get length(): number {
    return this.#items.length - this.#head;
  }

  push(p: Pending): void {
    this.#items.push(p);
  }

  /** The next `n` slots, without the tasks among them that were settled while queued (aborted). */
  take(n: number): Pending[] {
    const taken = this.#items.slice(this.#head, this.#head + n).filter((p) => p.state === 'queued');
    this.#head += n;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  /** Puts `tasks` back at the head, in their order, before everything still queued. */
  putBack(tasks: readonly Pending[]): void {
    this.#items = [...tasks, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
