/**
 * Lets a user's --impl / --client module `import … from "interlock"` from any folder: with no
 * node_modules/interlock and no package.json of its own, the import resolves to the interlock that
 * is running it. A module's own installed interlock (if any) still wins: this is only a fallback.
 * Both module systems are covered: ESM (a resolve hook) and CommonJS (a .ts file outside any
 * `"type": "module"` package is loaded as CommonJS by tsx, so `require` resolution too).
 */
import Module, { register } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname } from "node:path";

let installed = false;

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;

export function allowInterlockImports(): void {
  if (installed) return;
  installed = true;
  // The hook runs as compiled JavaScript; from the TypeScript sources (vitest) only the CommonJS fallback applies.
  if (import.meta.url.endsWith(".js")) register(new URL("./interlock-resolve-hook.js", import.meta.url));
  const self = fileURLToPath(import.meta.url);
  const m = Module as unknown as { _resolveFilename: ResolveFilename; _nodeModulePaths(dir: string): string[] };
  const original = m._resolveFilename;
  m._resolveFilename = function (this: unknown, request: string, parent: unknown, ...rest: unknown[]): string {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (e) {
      if (!/^interlock(\/|$)/.test(request)) throw e;
      const here = { id: self, filename: self, paths: m._nodeModulePaths(dirname(self)) };
      return original.call(this, request, here, ...rest);
    }
  };
}
