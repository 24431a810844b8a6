// Entry point VS Code loads from `extensionTestsPath` (out/test/integration/index.js, bundled by
// `node esbuild.mjs --tests`): runs every `*.test.js` bundled next to it with mocha (bdd) inside the
// extension host, prints the spec report and a closing `N passed, N failed` line, and rejects when a
// test failed so VS Code (or the code-server stand-in) exits non-zero.
// ASSAY_TEST_GREP narrows the run to matching test titles; ASSAY_TEST_MOCHA_TIMEOUT_MS sets the per-test
// timeout (default 30 s).
import Mocha from 'mocha';
import * as vscode from 'vscode';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export async function run(): Promise<void> {
  // Test bundles carry inline source maps: failures then point at the .ts lines.
  process.setSourceMapsEnabled(true);
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.ASSAY_TEST_MOCHA_TIMEOUT_MS ?? 30_000),
    ...(process.env.ASSAY_TEST_GREP ? { grep: process.env.ASSAY_TEST_GREP } : {}),
  });
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  if (files.length === 0) throw new Error(`no *.test.js next to ${__filename}: run \`node esbuild.mjs --tests\``);
  for (const f of files) mocha.addFile(join(__dirname, f));
  // The code-server stand-in starts printing at this line (scripts/vscodeStandIn.mjs).
  console.log(`▶ extension tests: ${files.length} files in VS Code ${vscode.version} (${vscode.env.appName})`);

  const stats = await new Promise<Mocha.Stats>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve(runner.stats ?? { passes: 0, failures: 1, pending: 0 } as Mocha.Stats));
    } catch (err) {
      reject(err);
    }
  });
  const skipped = stats.pending > 0 ? `, ${stats.pending} skipped` : '';
  console.log(`${stats.passes} passed, ${stats.failures} failed${skipped}`);
  if (stats.failures > 0) throw new Error(`${stats.failures} integration test(s) failed`);
  if (stats.passes === 0) throw new Error('no integration test ran');
}
