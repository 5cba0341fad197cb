/**
 * The second half of an OCI runtime's life of a container: `startInit`, from
 * any process, lets the init that `createInit` left waiting at its gate exec
 * its program. Light: it loads nothing of spawn.
 *
 * @module
 */
import { err, errAsync, ok, ResultAsync, type Result } from 'neverthrow';
import { systemError, wrongStatus, type ContainerFailure } from '../errors.js';
import { isAlive } from '../proc.js';
import { openGate, removeGate, waitsAtGate } from './gate.js';
import { snapshot, type ContainerRef } from './state.js';

/** How long startInit waits for the init to leave its gate (its exec) before it says so. */
const EXEC_TIMEOUT_MS = 10_000;

/**
 * Lets the init of `c`, waiting at its gate, exec its program (see
 * {@link Container.startInit}); resolves once it has (or has ended).
 */
export function startInit(c: ContainerRef): ResultAsync<void, ContainerFailure> {
  const st = snapshot(c);
  if (st.isErr()) return errAsync(st.error);
  const { state, init } = st.value;
  if (state.status !== 'created' || !init) {
    const why = state.status === 'created' ? 'it has no init waiting: createInit first' : 'it needs an init waiting at its gate';
    return errAsync(wrongStatus(c.id, state.status, 'start', why));
  }
  const opened = openGate(c.id, c.dir);
  if (opened.isErr()) return errAsync(opened.error);
  if (!opened.value) return errAsync(wrongStatus(c.id, 'stopped', 'start', 'the init exited meanwhile'));
  return new ResultAsync(
    (async (): Promise<Result<void, ContainerFailure>> => {
      const end = Date.now() + EXEC_TIMEOUT_MS;
      while (waitsAtGate(c.dir, init.pid) && isAlive(init.pid, init.startTime)) {
        if (Date.now() > end) return err(systemError(c.id, `start: the init ${init.pid} is still at its gate after ${EXEC_TIMEOUT_MS} ms`));
        await new Promise((r) => setTimeout(r, 1));
      }
      removeGate(c.dir);
      return ok(undefined);
    })(),
  );
}
