// One code-server with the packaged .vsix installed, opened on a fresh copy of a fixture workspace in
// headless Chromium. Start one per test file (`before`), stop it in `after`:
//
//   let s: E2eSession;
//   before(async () => { s = await startSession(); });
//   after(async () => { await s?.stop(); });
//
// The .vsix comes from ASSAY_E2E_VSIX (scripts/test-e2e.mjs sets it) or the repo's assay-<version>.vsix.
import type { Browser, Page } from 'playwright-core';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { installExtension, launchChromium, startCodeServer, workbenchUrl, type CodeServer } from '../../../scripts/codeServer.mjs';

export const REPO_ROOT = join(__dirname, '..', '..', '..');

// A timed-out or interrupted run still takes code-server down (scripts/codeServer.mjs kills the groups on
// exit) and leaves no temporary folder behind.
const scratchDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** A running workbench: the page to drive, and the copy of the workspace it shows. */
export interface E2eSession {
  readonly page: Page;
  readonly browser: Browser;
  readonly server: CodeServer;
  /** Absolute path of the temporary workspace folder (a copy of the fixture). */
  readonly workspace: string;
  /** Closes the browser, kills code-server and deletes the temporary folders. Idempotent. */
  stop(): Promise<void>;
}

export interface SessionOptions {
  /** Folder under test/fixtures/ copied as the workspace; default `workspace`. */
  fixture?: string;
  /** Browser viewport; screenshots have this size. */
  viewport?: { width: number; height: number };
  /** Environment for code-server and its extension host (e.g. a mock server's base URL and a fake key). */
  env?: Record<string, string>;
  /**
   * User settings written to the profile before start, e.g. `{ 'workbench.colorTheme': 'Default Light Modern' }`.
   * `assay.*` keys are also written to the machine settings, where machine-scoped ones (`assay.endpoints`)
   * take effect in code-server's remote window.
   */
  userSettings?: Record<string, unknown>;
  /** Workspace-folder settings merged into `.vscode/settings.json` of the copied fixture. */
  workspaceSettings?: Record<string, unknown>;
  /**
   * Open the workspace in Restricted Mode: workspace trust is enabled and the trust prompt is answered
   * "No, I don't trust the authors". Default: trust is disabled, so every folder is trusted.
   */
  restricted?: boolean;
  /** Called with the copied workspace before code-server starts: add files a fixture cannot hold (symlinks to devices). */
  prepare?: (workspace: string) => void;
}

/**
 * Options for a session whose providers are a mock LLM server (test/support/mockLlmServer.ts): the built-in
 * `openai` and `anthropic` providers pointed at it (machine-scoped `assay.endpoints`, so user settings),
 * fake keys in the environment, Dark Modern and no start-up editor; `extra` adds to or overrides them.
 */
export function mockedSessionOptions(mock: { openaiBaseUrl: string; anthropicBaseUrl: string }, extra: SessionOptions = {}): SessionOptions {
  return {
    ...extra,
    env: { OPENAI_API_KEY: 'zz-e2e-openai-key', ANTHROPIC_API_KEY: 'zz-e2e-anthropic-key', ...extra.env },
    userSettings: {
      'assay.endpoints': [
        { name: 'openai', baseUrl: mock.openaiBaseUrl },
        { name: 'anthropic', baseUrl: mock.anthropicBaseUrl },
      ],
      'workbench.startupEditor': 'none',
      'workbench.colorTheme': 'Default Dark Modern',
      ...extra.userSettings,
    },
  };
}

export function vsixPath(): string {
  if (process.env.ASSAY_E2E_VSIX) return process.env.ASSAY_E2E_VSIX;
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(REPO_ROOT, `${pkg.name}-${pkg.version}.vsix`);
}

export async function startSession(options: SessionOptions = {}): Promise<E2eSession> {
  const vsix = vsixPath();
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` (scripts/test-e2e.mjs does)`);
  const scratch = mkdtempSync(join(tmpdir(), 'assay-e2e-'));
  const userDataDir = join(scratch, 'user-data');
  const extensionsDir = join(scratch, 'extensions');
  const workspace = join(scratch, 'workspace');
  cpSync(join(REPO_ROOT, 'test', 'fixtures', options.fixture ?? 'workspace'), workspace, { recursive: true });
  options.prepare?.(workspace);

  scratchDirs.add(scratch);
  const cleanups: (() => unknown)[] = [
    () => {
      rmSync(scratch, { recursive: true, force: true });
      scratchDirs.delete(scratch);
    },
  ];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const fn of cleanups.splice(0).reverse()) {
        try {
          await fn();
        } catch (err) {
          console.error('[e2e] cleanup failed:', err);
        }
      }
    })());

  try {
    installExtension({ vsix, userDataDir, extensionsDir });
    if (options.userSettings) {
      writeJson(join(userDataDir, 'User', 'settings.json'), options.userSettings);
      // code-server's window is a remote one: machine-scoped settings (assay.endpoints) count only from
      // the machine's own settings file. From User settings alone they apply until the remote
      // configuration has loaded and then drop out, which sent some calls to the real API.
      const machine = Object.fromEntries(Object.entries(options.userSettings).filter(([k]) => k.startsWith('assay.')));
      if (Object.keys(machine).length > 0) writeJson(join(userDataDir, 'Machine', 'settings.json'), machine);
    }
    if (options.workspaceSettings) {
      const file = join(workspace, '.vscode', 'settings.json');
      const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
      writeJson(file, { ...current, ...options.workspaceSettings });
    }
    const server = await startCodeServer({ userDataDir, extensionsDir, env: options.env ?? {}, workspaceTrust: options.restricted === true });
    cleanups.push(() => server.stop());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    page.on('pageerror', (err) => console.error(`[e2e page error] ${err.message}`));
    await page.goto(workbenchUrl(server, { folder: workspace }));
    if (options.restricted) {
      // VS Code asks before it opens an unknown folder; "No" is Restricted Mode.
      const dontTrust = page.locator('.monaco-dialog-box .monaco-button', { hasText: /don.t trust/i });
      await dontTrust.waitFor({ state: 'visible', timeout: 60_000 });
      await dontTrust.click();
    }
    // The workbench is usable once its status bar and the explorer's file tree are on screen.
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
    return { page, browser, server, workspace, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2));
}
