// Task module of the demo (scripts/demo.js): NamespacePool workers import it
// and call an export by name, inside the namespaces the task targets.
import { readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

/** The network namespace of the thread running the task, and the interfaces it sees up and running (libuv lists only those). */
export function whereAmI() {
  return {
    net: readlinkSync('/proc/thread-self/ns/net'),
    interfaces: Object.keys(networkInterfaces()),
  };
}
