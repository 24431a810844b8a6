import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { tempFolder } from '../support/storeFixtures';

const ROOT = join(__dirname, '..', '..');

describe('history store, bundled', function () {
  this.timeout(60_000);

  it('finds storeWorker.js and sql-wasm.wasm next to the bundle, as in dist/', async () => {
    const folder = tempFolder('assay-bundle-');
    try {
      const dist = join(folder.dir, 'dist');
      const entry = join(folder.dir, 'entry.ts');
      writeFileSync(
        entry,
        `import { TraceStore } from ${JSON.stringify(join(ROOT, 'src/core/store/traceStore'))};
         (async () => {
           const store = await TraceStore.open({ path: process.argv[2]! });
           const [id] = await store.addTraces([{ model: { provider: 'p', model: 'm' }, text: 'hi', toolCalls: [], finishReason: 'stop',
             usage: null, cost: null, latencyMs: 1, ttftMs: null, request: { a: 1 }, response: { b: 2 }, cacheHit: false, startedAt: 1 }]);
           await store.close();
           const again = await TraceStore.open({ path: process.argv[2]! });
           const t = await again.getTrace(id!);
           await again.close();
           process.stdout.write(JSON.stringify([t!.text, t!.request, t!.response]));
         })();`,
      );
      // The same shape as esbuild.mjs: CommonJS bundles for Node 20, the worker as its own entry.
      await build({
        entryPoints: { extension: entry, storeWorker: join(ROOT, 'src/core/store/storeWorker.ts') },
        outdir: dist,
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'error',
      });
      copyFileSync(join(ROOT, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(dist, 'sql-wasm.wasm'));
      // Run from elsewhere, without tsx, so nothing can come from the sources.
      const r = spawnSync(process.execPath, [join(dist, 'extension.js'), join(folder.dir, 'h.sqlite')], { cwd: folder.dir, encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      assert.deepStrictEqual(JSON.parse(r.stdout), ['hi', { a: 1 }, { b: 2 }]);
    } finally {
      folder.cleanup();
    }
  });
});
