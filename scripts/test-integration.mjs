// `npm run test:integration`: mocha inside VS Code's extension host (DESIGN.md §6).
//   1. bundles the extension and test/integration/*.ts (`node esbuild.mjs --tests` → out/test/integration/)
//      and runs a private copy of those bundles (out/test/run-<pid>-<time>/, deleted afterwards);
//   2. copies test/fixtures/workspace/ to a temp folder (tests may write there) and opens it;
//   3. runs @vscode/test-electron's runTests() with extensionTestsPath <that copy>/index.js
//      (test/integration/index.ts: mocha, spec report, closing `N passed, N failed`).
// By default VS Code is code-server 4.100.3 (VS Code 1.100.3 for the web) through the stand-in executable
// scripts/vscodeStandIn.mjs, installed on first use by scripts/codeServer.mjs (~1 min, cached in
// ~/.cache/assay-code-server). ASSAY_TEST_DESKTOP=1 uses the desktop VS Code that runTests downloads
// instead (needs internet and a display); VSCODE_TEST_EXECUTABLE=/path/to/code uses that executable.
//
// Adding tests: drop a `test/integration/<name>.test.ts` (mocha bdd, `import * as vscode from 'vscode'`);
// helpers shared between test files go in test/integration/support/ (bundled into each test file).
// Environment: ASSAY_TEST_GREP=<text> runs matching tests only; ASSAY_TEST_MOCHA_TIMEOUT_MS per test
// (30 s); ASSAY_TEST_TIMEOUT_MS for the whole run (10 min); ASSAY_TEST_VERBOSE=1 shows code-server's log.
// A hung VS Code ends at the overall timeout with a non-zero exit.
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './codeServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const timeoutMs = Number(process.env.ASSAY_TEST_TIMEOUT_MS ?? 600_000);

execFileSync(process.execPath, ['esbuild.mjs', '--tests'], { cwd: root, stdio: 'inherit' });
let vscodeExecutablePath = process.env.VSCODE_TEST_EXECUTABLE || undefined;
if (!vscodeExecutablePath && process.env.ASSAY_TEST_DESKTOP !== '1') {
  ensureCodeServer();
  vscodeExecutablePath = join(root, 'scripts', 'vscodeStandIn.mjs');
  chmodSync(vscodeExecutablePath, 0o755);
}

// Run a private copy of the bundles of the test files that exist now: esbuild never deletes the bundle of
// a removed test, and another engineer's build in this working tree may rewrite out/ mid-run. The copy
// stays under out/ so `require('mocha')` still resolves from the repo's node_modules.
const built = join(root, 'out', 'test', 'integration');
const testsDir = join(root, 'out', 'test', `run-${process.pid}-${Date.now()}`);
mkdirSync(testsDir, { recursive: true });
for (const f of readdirSync(join(root, 'test', 'integration')).filter((n) => n.endsWith('.ts'))) {
  const bundle = f.replace(/\.ts$/, '.js');
  copyFileSync(join(built, bundle), join(testsDir, bundle));
}

const scratch = mkdtempSync(join(tmpdir(), 'assay-integration-'));
const workspace = join(scratch, 'workspace');
cpSync(join(root, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });

// The stand-in has its own timeout; this one also covers desktop VS Code and a stand-in that hangs.
const watchdog = setTimeout(() => {
  console.error(`integration tests did not finish within ${timeoutMs + 60_000} ms; giving up`);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(testsDir, { recursive: true, force: true });
  process.exit(1);
}, timeoutMs + 60_000);
watchdog.unref();

let code = 1;
try {
  code = await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(testsDir, 'index.js'),
    launchArgs: [workspace, '--disable-extensions', `--user-data-dir=${join(scratch, 'user-data')}`, `--extensions-dir=${join(scratch, 'extensions')}`],
  });
} catch (err) {
  console.error(`integration tests failed: ${err instanceof Error ? err.message : err}`);
  code = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(testsDir, { recursive: true, force: true });
}
process.exit(code);
