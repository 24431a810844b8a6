'use strict';
// Loads dist/extension.js in a plain Node process (no TypeScript loader hooks in the way) against an inert
// stand-in for the `vscode` module, runs activate(), and prints {loadMs, totalMs, lazyLoaded} as JSON.
// Used by bench/activation.bench.ts, one fresh process per sample.
const Module = require('node:module');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');

const root = join(__dirname, '..');
// The namespaces and classes the bundle may copy off the module object (esbuild's __toESM copies own keys).
const NAMES = ['window', 'workspace', 'commands', 'languages', 'tests', 'env', 'extensions', 'debug', 'scm', 'tasks',
  'authentication', 'l10n', 'chat', 'lm', 'EventEmitter', 'StatusBarAlignment', 'Disposable', 'Uri', 'TestRunProfileKind',
  'CodeLens', 'Range', 'Position', 'ThemeIcon', 'TreeItem', 'TreeItemCollapsibleState', 'ViewColumn', 'ProgressLocation',
  'ConfigurationTarget', 'TestMessage', 'MarkdownString', 'CompletionItem', 'CompletionItemKind', 'SymbolKind', 'DocumentSymbol',
  'FoldingRange', 'FoldingRangeKind', 'Hover', 'Diagnostic', 'DiagnosticSeverity', 'Location', 'RelativePattern', 'ThemeColor'];

/** A value on which any property access, call or `new` returns another such value. */
function inert() {
  'use strict';
  const target = function () {};
  const proxy = new Proxy(target, {
    ownKeys: () => [...NAMES, ...Reflect.ownKeys(target).filter((k) => !NAMES.includes(k))],
    getOwnPropertyDescriptor: (t, k) =>
      NAMES.includes(k) ? { configurable: true, enumerable: true, value: proxy } : Reflect.getOwnPropertyDescriptor(t, k),
    get: (_t, k) => (k === Symbol.toPrimitive ? () => '' : k === 'then' ? undefined : k === Symbol.iterator ? [][Symbol.iterator] : proxy),
    set: () => true,
    apply: () => proxy,
    construct: () => proxy,
  });
  return proxy;
}

const vscode = inert();
const load = Module._load;
Module._load = (request, ...rest) => (request === 'vscode' ? vscode : load(request, ...rest));

const t0 = performance.now();
const ext = require(join(root, 'dist/extension.js'));
const loaded = performance.now();
Promise.resolve(ext.activate(inert())).then(() => {
  const done = performance.now();
  const lazy = Object.keys(require.cache).filter((k) => /[\\/]dist[\\/](vendor[\\/]|lazyHost|storeWorker)/.test(k));
  process.stdout.write(JSON.stringify({ loadMs: loaded - t0, totalMs: done - t0, lazyLoaded: lazy.map((k) => k.slice(root.length + 1)) }) + '\n');
});
