#!/usr/bin/env node
// A stand-in for the VS Code executable that @vscode/test-electron's runTests() launches
// (`runTests({ vscodeExecutablePath: 'scripts/vscodeStandIn.mjs', ... })`): it takes the same command
// line (--extensionDevelopmentPath=…, --extensionTestsPath=…, --user-data-dir=…, --extensions-dir=…, a
// folder to open) and runs the tests in code-server instead of desktop VS Code (DESIGN.md §6):
//   1. starts code-server on 127.0.0.1 in its own process group (scripts/codeServer.mjs);
//   2. opens the workbench in headless Chromium with the folder and a payload naming the extension under
//      development and the tests, both as vscode-remote:// URIs, so the tests run in the server's Node
//      extension host;
//   3. prints what the workbench reports through window.codeAutomationLog(type, args) (the extension
//      host's console, so mocha's output) and exits with the code passed to
//      window.codeAutomationExit(code), after killing code-server's process group and the browser.
// It never hangs: ASSAY_TEST_TIMEOUT_MS (default 10 min) bounds the whole run; a crash of the server or
// the page ends it with exit 1. ASSAY_TEST_VERBOSE=1 also prints code-server's log and the page console.
import { mkdtempSync, rmSync } from 'node:fs';
import { format as formatLog } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium, startCodeServer, workbenchUrl } from './codeServer.mjs';

const verbose = process.env.ASSAY_TEST_VERBOSE === '1';
/**
 * The workbench logs its own chatter through the same hook; only the lines from the tests' first line
 * (test/integration/index.ts prints it) to their `N passed, N failed` are printed, the rest on failure.
 */
const TESTS_START = /^▶ extension tests:/;
const TESTS_END = /^\d+ passed, \d+ failed/;
/** Workbench chatter that can land between test lines. */
const NOISE = /^(Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache)/;
const timeoutMs = Number(process.env.ASSAY_TEST_TIMEOUT_MS ?? 600_000);

/** Reads the VS Code CLI arguments runTests passes; flags meant for Electron are ignored. */
function parseArgs(argv) {
  const out = { extensionDevelopmentPaths: [], extensionTestsPath: undefined, userDataDir: undefined, extensionsDir: undefined, folder: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      out.folder ??= resolve(arg);
      continue;
    }
    const takesValue = ['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir'].includes(m[1]);
    const value = m[2] ?? (takesValue ? argv[++i] : undefined);
    if (m[1] === 'extensionDevelopmentPath') out.extensionDevelopmentPaths.push(resolve(value));
    else if (m[1] === 'extensionTestsPath') out.extensionTestsPath = resolve(value);
    else if (m[1] === 'user-data-dir') out.userDataDir = resolve(value);
    else if (m[1] === 'extensions-dir') out.extensionsDir = resolve(value);
  }
  return out;
}

/** The hook gets console-style arguments (`['%s passing', 4]`). */
function format(args) {
  return formatLog(...(Array.isArray(args) ? args : [args]));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!opts.extensionTestsPath) throw new Error('--extensionTestsPath is required');
  // A fresh profile per run unless runTests gave one; runTests' default (.vscode-test/user-data) is reused
  // between runs, which is what desktop VS Code does too.
  const scratch = mkdtempSync(join(tmpdir(), 'assay-vscode-'));
  const cleanups = [() => rmSync(scratch, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error('[stand-in] cleanup failed:', err);
      }
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => {
      console.error(`[stand-in] ${sig}: stopping code-server`);
      void cleanup().then(() => process.exit(1));
    });
  }

  try {
    const server = await startCodeServer({
      userDataDir: opts.userDataDir ?? join(scratch, 'user-data'),
      extensionsDir: opts.extensionsDir ?? join(scratch, 'extensions'),
      log: verbose ? (line) => console.log(`[code-server] ${line}`) : () => {},
    });
    cleanups.push(() => server.stop());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.newPage();

    let settle;
    let settled = false;
    const exitCode = new Promise((res) => {
      settle = (code) => {
        settled = true;
        res(code);
      };
    });
    let live = false;
    const held = [];
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(args);
      if (TESTS_START.test(text)) live = true;
      if (verbose || (live && !NOISE.test(text))) (type === 'error' ? console.error : console.log)(text);
      else held.push(text);
      if (TESTS_END.test(text)) live = false;
    });
    await page.exposeFunction('codeAutomationExit', (code) => settle(typeof code === 'number' ? code : 1));
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    page.on('crash', () => {
      console.error('[stand-in] the workbench page crashed');
      settle(1);
    });
    if (verbose) page.on('console', (msg) => console.log(`[browser ${msg.type()}] ${msg.text()}`));
    void server.exited.then(({ code, signal }) => {
      if (settled) return;
      console.error(`[stand-in] code-server exited (${code ?? signal}) before the tests finished`);
      settle(1);
    });
    const timer = setTimeout(() => {
      console.error(`[stand-in] timed out after ${timeoutMs} ms waiting for the tests to finish (ASSAY_TEST_TIMEOUT_MS)`);
      settle(1);
    }, timeoutMs);

    const url = workbenchUrl(server, {
      folder: opts.folder,
      extensionDevelopmentPaths: opts.extensionDevelopmentPaths,
      extensionTestsPath: opts.extensionTestsPath,
    });
    if (verbose) console.log(`[stand-in] opening ${url}`);
    await page.goto(url);
    const code = await exitCode;
    clearTimeout(timer);
    if (code !== 0 && !verbose) {
      console.error(`[stand-in] exit ${code}; workbench log outside the test run:\n${held.join('\n')}`);
      console.error(`[stand-in] code-server log (last 4000 chars):\n${server.output().slice(-4000)}`);
    }
    await cleanup();
    return code;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error('[stand-in]', err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
