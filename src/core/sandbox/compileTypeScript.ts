// TypeScript that workspace code is written in (`file://` providers and `javascript` assertions), compiled
// to CommonJS with sucrase (types stripped, no type check) for a worker thread to load.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';

const TS_EXTENSIONS = new Set(['.ts', '.cts', '.mts', '.tsx']);

/** Whether a file is TypeScript by its extension. */
export const isTypeScriptFile = (path: string) => TS_EXTENSIONS.has(extname(path).toLowerCase());

/** `file` and the TypeScript files it imports by relative path, compiled to CommonJS, by absolute path. */
export async function compileTypeScript(file: string): Promise<Record<string, string> | { error: string }> {
  const sucrase = await import('sucrase');
  const sources: Record<string, string> = {};
  const queue = [file];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (path in sources) continue;
    let code: string;
    try {
      code = sucrase.transform(readFileSync(path, 'utf8'), { transforms: ['typescript', 'imports', ...(path.endsWith('.tsx') ? (['jsx'] as const) : [])], filePath: path }).code;
    } catch (e) {
      return { error: `${path}: ${(e as Error).message}` };
    }
    sources[path] = code;
    for (const m of code.matchAll(/require\((['"])(\.{1,2}\/[^'"]+)\1\)/g)) {
      const base = resolve(dirname(path), m[2]!);
      const candidates = TS_EXTENSIONS.has(extname(base)) ? [base] : [base.replace(/\.[cm]?js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
      const found = candidates.find((c) => existsSync(c));
      if (found && TS_EXTENSIONS.has(extname(found))) queue.push(found);
    }
  }
  return sources;
}

/**
 * Worker-thread source (CommonJS) that makes `require` load TypeScript from the compiled sources in the
 * worker's `tsSources` variable (absolute path → code, set before loading), resolving a relative import of
 * `./x` or `./x.js` to `x.ts` or `x/index.ts` among them. Shared by the workers of `file://` providers and
 * of `javascript` assertions; the including source declares `let tsSources`.
 */
export const TS_REQUIRE_HOOKS_SOURCE = String.raw`
for (const ext of ['.ts', '.cts', '.mts', '.tsx']) {
  require('node:module')._extensions[ext] = (module, filename) => {
    if (!(filename in tsSources)) throw new Error('cannot load ' + filename + ': only TypeScript files imported with a relative path are compiled');
    module._compile(tsSources[filename], filename);
  };
}
{
  const Module = require('node:module');
  const nodePath = require('node:path');
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    try {
      return resolveFilename.call(this, request, parent, ...rest);
    } catch (e) {
      if (parent && parent.filename && /^\.\.?\//.test(request)) {
        const base = nodePath.resolve(nodePath.dirname(parent.filename), request);
        for (const c of [base.replace(/\.[cm]?js$/, '.ts'), base + '.ts', base + '/index.ts']) if (c in tsSources) return c;
      }
      throw e;
    }
  };
}
`;
