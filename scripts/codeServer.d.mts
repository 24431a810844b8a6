// Types for scripts/codeServer.mjs, so TypeScript tests (test/e2e/support) can import it.
import type { Browser } from 'playwright-core';

export const CODE_SERVER_VERSION: string;
export const CHROMIUM_PATH: string;
export const CHROMIUM_ARGS: readonly string[];
/** Where code-server is installed: ~/.cache/assay-code-server/code-server-<version>. */
export const codeServerDir: string;

/** Installs code-server once (marker file); later calls return at once. Throws with the failing step's output. */
export function ensureCodeServer(opts?: { log?: (message: string) => void }): { dir: string; entry: string };

/** Installs a .vsix into an extensions folder with code-server's own CLI; throws when it fails. */
export function installExtension(opts: { vsix: string; userDataDir: string; extensionsDir: string }): void;

/** A running code-server, in its own process group. */
export interface CodeServer {
  /** e.g. http://127.0.0.1:41234/ */
  readonly url: URL;
  /** `host:port`, the authority of vscode-remote:// URIs. */
  readonly authority: string;
  readonly pid: number;
  /** Settles when the server process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything code-server printed so far (last 1 MB). */
  output(): string;
  /** Kills the whole process group (SIGTERM, then SIGKILL after 5 s); idempotent. */
  stop(): Promise<void>;
}

/** Starts code-server on a free 127.0.0.1 port with auth off, telemetry, update checks and workspace trust disabled. */
export function startCodeServer(opts: {
  userDataDir: string;
  extensionsDir: string;
  env?: Record<string, string>;
  log?: (line: string) => void;
  startTimeoutMs?: number;
  /** Ask whether to trust the folder (Restricted Mode tests); default false: every folder is trusted. */
  workspaceTrust?: boolean;
}): Promise<CodeServer>;

/** Debian's headless Chromium through playwright-core, with the flags this machine needs. */
export function launchChromium(): Promise<Browser>;

/** The workbench URL opening `folder`, optionally with extensions under development and extension tests. */
export function workbenchUrl(
  server: Pick<CodeServer, 'url' | 'authority'>,
  opts?: { folder?: string; extensionDevelopmentPaths?: string[]; extensionTestsPath?: string },
): string;
