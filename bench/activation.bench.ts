// activate() cost and bundle sizes. activate() runs against an inert stand-in for the `vscode` module
// (every property is a callable no-op), so the figure is the extension's own cost: loading
// dist/extension.js and running activate() — exactly what VS Code waits for.
import { readdirSync, statSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchResult, BenchSuite } from './benchTypes';

const root = join(__dirname, '..');

/** The namespaces the bundle may copy off the module object (esbuild's `__toESM` copies own keys). */
const NAMESPACES = ['window', 'workspace', 'commands', 'languages', 'tests', 'env', 'extensions', 'debug', 'scm', 'tasks', 'authentication', 'l10n', 'chat', 'lm',
  // classes and enums activate() may construct or read
  'EventEmitter', 'StatusBarAlignment', 'Disposable', 'Uri'];

/** A value on which any property access, call or `new` returns another such value. */
function inert(): unknown {
  const target = function () {};
  const proxy: unknown = new Proxy(target, {
    ownKeys: () => [...NAMESPACES, 'prototype'],
    getOwnPropertyDescriptor: (t, prop) =>
      prop === 'prototype' ? Reflect.getOwnPropertyDescriptor(t, prop) : { configurable: true, enumerable: true, value: proxy },
    get: (_t, prop) => {
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === 'then') return undefined; // not a thenable
      return proxy;
    },
    set: () => true, // e.g. `statusBarItem.name = …`
    apply: () => proxy,
    construct: () => proxy as object,
  });
  return proxy;
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KB`;
}

export const suite: BenchSuite = async () => {
  const vscode = inert();
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = mod._load;
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? vscode : load(request, ...rest));

  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ext = require(join(root, 'dist/extension.js')) as { activate(ctx: unknown): unknown };
  const loaded = performance.now();
  await ext.activate(inert());
  const activated = performance.now();

  const loadMs = loaded - t0;
  const totalMs = activated - t0;
  const results: BenchResult[] = [
    { what: 'activate(): load dist/extension.js + run activate()', figure: `${totalMs.toFixed(1)} ms`, target: '≤ 50 ms', pass: totalMs <= 50 },
    { what: '… of which loading the bundle', figure: `${loadMs.toFixed(1)} ms`, target: '—', pass: null },
  ];

  const sdkLoaded = Object.keys(require.cache).some((k) => k.includes(`${join('dist', 'vendor')}`));
  results.push({ what: 'SDKs loaded during activation', figure: sdkLoaded ? 'yes' : 'no', target: 'no', pass: !sdkLoaded });

  const dist = join(root, 'dist');
  const sizes: [string, number][] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
      else if (!e.name.endsWith('.map')) sizes.push([`${prefix}${e.name}`, statSync(join(dir, e.name)).size]);
    }
  };
  walk(dist, 'dist/');
  sizes.sort((a, b) => b[1] - a[1]);
  for (const [name, size] of sizes) results.push({ what: `bundle ${name}`, figure: kb(size), target: '—', pass: null });
  const total = sizes.reduce((s, [, n]) => s + n, 0);
  results.push({ what: 'all bundles (uncompressed)', figure: kb(total), target: '—', pass: null });

  const vsix = readdirSync(root).find((f) => f.endsWith('.vsix'));
  if (vsix) {
    const size = statSync(join(root, vsix)).size;
    results.push({ what: `packaged ${vsix}`, figure: `${(size / 1024 / 1024).toFixed(2)} MB`, target: '< 3 MB', pass: size < 3 * 1024 * 1024 });
  }
  return results;
};
