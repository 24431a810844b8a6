// `npm test`: every tier, in order, stopping at the first failure.
//   lint + type-check → unit (mocha in Node) → package → integration (mocha inside VS Code) → e2e (Playwright on the .vsix)
// Set ASSAY_TEST_TIERS=unit,integration to run a subset.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const tiers = (process.env.ASSAY_TEST_TIERS ?? 'static,unit,integration,e2e').split(',');

const steps = [
  ['static', 'lint', bin('eslint'), ['.']],
  ['static', 'type-check (extension, core, tests)', bin('tsc'), ['--noEmit', '-p', '.']],
  ['static', 'type-check (webviews)', bin('tsc'), ['--noEmit', '-p', 'webview-ui']],
  ['unit', 'unit tests', bin('mocha'), ['test/unit/**/*.test.ts']],
  ['e2e', 'package .vsix', process.execPath, ['scripts/package.mjs']],
  ['integration', 'integration tests (VS Code)', process.execPath, ['scripts/test-integration.mjs']],
  ['e2e', 'end-to-end tests (packaged .vsix)', process.execPath, ['scripts/test-e2e.mjs']],
];

const started = Date.now();
for (const [tier, label, cmd, args] of steps) {
  if (!tiers.includes(tier)) continue;
  console.log(`\n=== ${label} ===`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n✖ ${label} failed (exit ${r.status ?? r.signal}) after ${secs}s`);
    process.exit(r.status || 1);
  }
  console.log(`✔ ${label} (${secs}s)`);
}
console.log(`\nall test tiers passed in ${((Date.now() - started) / 1000).toFixed(0)}s`);
