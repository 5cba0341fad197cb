/**
 * Task modules as `file:` URLs, the form a worker imports: checked and
 * converted once per distinct module on the calling thread.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

const moduleUrls = new Map<string, string>();

export function toModuleUrl(module: string | URL): string {
  if (typeof module === 'string') {
    const known = moduleUrls.get(module);
    if (known !== undefined) return known;
    const url = moduleUrlOf(module);
    if (moduleUrls.size < 1024) moduleUrls.set(module, url);
    return url;
  }
  return moduleUrlOf(module);
}

function moduleUrlOf(module: string | URL): string {
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw new TypeError(`task module must be a file: URL, got ${module.href}`);
    return module.href;
  }
  if (typeof module !== 'string') throw new TypeError(`task module must be an absolute path or a file: URL, got ${typeof module}`);
  if (module.startsWith('file:')) return module;
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new TypeError(`task module must be an absolute path or a file: URL (e.g. new URL('./task.js', import.meta.url)), got ${JSON.stringify(module)}`);
}

