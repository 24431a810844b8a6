// `npm run test:e2e`: Playwright drives code-server with the packaged .vsix installed, like a user
// (DESIGN.md §6). Extra arguments go to mocha, e.g. `npm run test:e2e -- --grep palette`.
//   1. packages assay-<version>.vsix (scripts/package.mjs) when it is missing or older than the sources
//      (`npm test` packages just before, so this is then a no-op); ASSAY_E2E_VSIX=path uses another one;
//   2. installs code-server on first use (scripts/codeServer.mjs, cached in ~/.cache/assay-code-server);
//   3. runs `mocha --config test/e2e/.mocharc.json`: test/e2e/**/*.test.ts through tsx, spec report and a
//      closing `N passed, N failed` line; screenshots go to test-artifacts/e2e/.
// Adding tests: a `test/e2e/<name>.test.ts` that starts a session in `before` (test/e2e/support/session.ts)
// and uses test/e2e/support/workbench.ts (command palette, notifications, webview content, screenshots).
// ASSAY_TEST_TIMEOUT_MS (default 10 min) bounds the whole run; past it mocha and its code-servers are
// killed and the run fails.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCodeServer } from './codeServer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const timeoutMs = Number(process.env.ASSAY_TEST_TIMEOUT_MS ?? 600_000);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Newest modification time under the paths that end up in the .vsix. */
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'webview-ui/src', 'media', 'syntaxes', 'snippets', 'package.json', 'language-configuration.json', 'README.md']) visit(join(root, p));
  return newest;
}

let vsix = process.env.ASSAY_E2E_VSIX;
if (!vsix) {
  vsix = join(root, `${pkg.name}-${pkg.version}.vsix`);
  if (!existsSync(vsix) || statSync(vsix).mtimeMs < newestSource()) {
    console.log(`packaging ${vsix} (missing or older than the sources)`);
    execFileSync(process.execPath, ['scripts/package.mjs'], { cwd: root, stdio: 'inherit' });
  }
}
ensureCodeServer();

const mocha = spawn(process.execPath, [join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--config', 'test/e2e/.mocharc.json', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ASSAY_E2E_VSIX: vsix },
  detached: true, // its own group, so a timeout can stop mocha and its node child together
});
let timedOut = false;
const watchdog = setTimeout(() => {
  timedOut = true;
  console.error(`end-to-end tests did not finish within ${timeoutMs} ms (ASSAY_TEST_TIMEOUT_MS); stopping them`);
  const kill = (sig) => {
    try {
      process.kill(-mocha.pid, sig);
    } catch {
      /* gone */
    }
  };
  kill('SIGTERM');
  setTimeout(() => kill('SIGKILL'), 10_000).unref();
}, timeoutMs);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    try {
      process.kill(-mocha.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  });
}

mocha.on('exit', (code, signal) => {
  clearTimeout(watchdog);
  process.exit(timedOut ? 1 : (code ?? (signal ? 1 : 0)));
});
