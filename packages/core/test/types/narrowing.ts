// Compiled by types.test.js (tsc --noEmit, strict): narrowing an error union on `kind` gives the
// fields of that kind, across the packages' unions. Each @ts-expect-error line must stay an error:
// if a union stopped narrowing (or a field moved), tsc fails on the unused directive.
import { ok, type Result } from 'neverthrow';
import type { NsError } from '../../dist/index.js';
import type { NetlinkError } from '../../../netlink/dist/index.js';
import type { UsernsCacheError } from '../../../userns-cache/dist/index.js';
import type { ContainerError, ContainerFailure } from '../../../container/dist/index.js';

export function core(e: NsError): string {
  switch (e.kind) {
    case 'permission-denied':
      return `${e.syscall} ${e.code} ${e.privilege}`;
    case 'restore-failed':
      return `${e.namespace} ${e.step}`;
    case 'not-a-namespace':
      // @ts-expect-error a not-a-namespace error has no privilege
      return e.privilege;
    default:
      return e.message;
  }
}

export function composed(e: NsError | NetlinkError | UsernsCacheError): string {
  if (e.kind === 'netlink-error') return `${e.request} ${e.code} ${e.extack ?? ''}`;
  if (e.kind === 'userns-setup-failed') return `${e.step} ${e.syscall}`;
  // @ts-expect-error only the kinds of the three unions exist
  if (e.kind === 'container-not-found') return '';
  return e.message;
}

export function container(e: ContainerFailure): string {
  switch (e.kind) {
    case 'container-system-error':
      return `${e.id} ${e.operation} ${e.cause?.kind ?? ''}`;
    case 'netlink-timeout':
      return `${e.timeoutMs}`;
    case 'invalid-mapping':
      return e.field;
    default:
      return e.message;
  }
}

// A container's own union holds its own kinds only: core's are not in it.
// @ts-expect-error not-found is core's
export const own: ContainerError['kind'] = 'not-found';

export const composes: Result<number, NsError | NetlinkError> = ok(1);
