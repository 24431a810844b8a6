// code-server (VS Code 1.100.3 for the web, on Node 20) for the integration and end-to-end tiers, as
// DESIGN.md §6 describes. Used by scripts/vscodeStandIn.mjs, scripts/test-integration.mjs,
// scripts/test-e2e.mjs and test/e2e/support/*.
//
//   node scripts/codeServer.mjs install   install once (idempotent: a marker file says it is done)
//   node scripts/codeServer.mjs path      print the install folder
//
// The install goes to ~/.cache/assay-code-server/code-server-<version>/ (ASSAY_CODE_SERVER_CACHE moves
// the parent folder), outside the repo, and needs no download but the npm registry and Debian packages:
//   - apt-get: chromium, ripgrep, libkrb5-dev (+ python3 make g++ for node-gyp) when missing, as root;
//   - npm install --ignore-scripts code-server, then in lib/vscode the production dependencies without
//     install scripts (they would fetch prebuilt binaries), rebuilding only the native modules from source;
//   - Debian's rg in place of @vscode/ripgrep's downloaded binary; node_modules.asar → node_modules;
//   - lib/vscode/extensions' own dependencies (the built-in TypeScript), argon2 at the top.
// Installs build in a private temp folder and are renamed into place at the end, so two test runs that
// install at the same time never see a half-built tree.
//
// Exports (typed in codeServer.d.mts):
//   ensureCodeServer()                       → { dir, entry }       install if needed
//   startCodeServer({ userDataDir, extensionsDir, env, log }) → server  (server.stop() kills its group)
//   installExtension({ vsix, userDataDir, extensionsDir })
//   launchChromium()                          → playwright Browser (Debian's headless Chromium)
//   workbenchUrl(server, { folder, extensionDevelopmentPaths, extensionTestsPath })
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const NATIVE_MODULES = ['@parcel/watcher', '@vscode/spdlog', 'kerberos', 'native-watchdog', 'node-pty', '@vscode/deviceid'];
const APT_PACKAGES = { chromium: '/usr/bin/chromium', ripgrep: '/usr/bin/rg', 'libkrb5-dev': '/usr/include/gssapi/gssapi.h', python3: '/usr/bin/python3', make: '/usr/bin/make', 'g++': '/usr/bin/g++' };
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Flags that keep Debian's Chromium quiet and working on a machine with no outside network and no GPU. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const cacheRoot = process.env.ASSAY_CODE_SERVER_CACHE ?? join(homedir(), '.cache', 'assay-code-server');
export const codeServerDir = join(cacheRoot, `code-server-${CODE_SERVER_VERSION}`);
const markerFile = join(codeServerDir, '.assay-installed.json');
/** What the marker records; a different Node ABI means the native modules must be rebuilt. */
const markerContent = { codeServer: CODE_SERVER_VERSION, nodeModules: process.versions.modules, platform: `${process.platform}-${process.arch}` };

function entryOf(dir) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function isInstalled() {
  try {
    return JSON.stringify(JSON.parse(readFileSync(markerFile, 'utf8'))) === JSON.stringify(markerContent) && existsSync(entryOf(codeServerDir));
  } catch {
    return false;
  }
}

function run(cmd, args, opts = {}) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal}) in ${opts.cwd ?? process.cwd()}:\n${(r.stdout ?? '').slice(-4000)}\n${(r.stderr ?? '').slice(-4000)}`);
  }
  return Date.now() - t0;
}

/** Installs the Debian packages code-server and the tests need, when missing (only as root). */
function ensureSystemPackages(log) {
  const missing = Object.entries(APT_PACKAGES).filter(([, file]) => !existsSync(file)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing system packages: ${missing.join(' ')}. Install them (apt-get install -y ${missing.join(' ')}) and retry.`);
  }
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
}

/**
 * Installs code-server once; later calls return at once. Throws with the failing step's output.
 * @returns {{ dir: string, entry: string }}
 */
export function ensureCodeServer({ log = (m) => console.log(`[code-server] ${m}`) } = {}) {
  if (isInstalled()) return { dir: codeServerDir, entry: entryOf(codeServerDir) };
  ensureSystemPackages(log);
  const t0 = Date.now();
  mkdirSync(cacheRoot, { recursive: true });
  const work = join(cacheRoot, `.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  try {
    // npm_config_* from an enclosing `npm test` would point these installs at the repo; drop them.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
    const npm = (cwd, ...args) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env });
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'assay-code-server', private: true }, null, 2));
    log(`installing code-server ${CODE_SERVER_VERSION} into ${codeServerDir} (about a minute, once)`);
    npm(work, 'install', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`);
    const vscodeDir = join(work, 'node_modules', 'code-server', 'lib', 'vscode');
    npm(vscodeDir, 'install', '--omit=dev', '--ignore-scripts');
    log('building native modules');
    run('npm', ['rebuild', ...NATIVE_MODULES, '--loglevel=error'], { cwd: vscodeDir, env: { ...env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true' } });
    const rgDir = join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
    mkdirSync(rgDir, { recursive: true });
    copyFileSync(APT_PACKAGES.ripgrep, join(rgDir, 'rg'));
    chmodSync(join(rgDir, 'rg'), 0o755);
    symlinkSync('node_modules', join(vscodeDir, 'node_modules.asar'));
    npm(join(vscodeDir, 'extensions'), 'install', '--omit=dev');
    npm(work, 'rebuild', 'argon2');
    // Fail here, not in the middle of a test run, when a native module did not build.
    run(process.execPath, ['-e', NATIVE_MODULES.map((m) => `require(${JSON.stringify(m)})`).join(';')], { cwd: vscodeDir });
    writeFileSync(join(work, '.assay-installed.json'), JSON.stringify(markerContent));
    rmSync(codeServerDir, { recursive: true, force: true });
    try {
      renameSync(work, codeServerDir);
    } catch (err) {
      // Another run finished first: use its tree.
      if (!isInstalled()) throw err;
    }
    log(`installed in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { dir: codeServerDir, entry: entryOf(codeServerDir) };
}

/** Process groups of servers still running; killed if this process exits without stopping them. */
const liveGroups = new Set();
process.on('exit', () => {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

function codeServerEnv(extra) {
  // The gallery is unreachable here; an empty one keeps code-server from trying.
  return { ...process.env, EXTENSIONS_GALLERY: '{}', ...extra };
}

/**
 * Installs a .vsix into an extensions folder with code-server's own CLI.
 * @param {{ vsix: string, userDataDir: string, extensionsDir: string }} opts
 */
export function installExtension({ vsix, userDataDir, extensionsDir }) {
  const { entry } = ensureCodeServer();
  const r = spawnSync(process.execPath, [entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--config', join(userDataDir, 'config.yaml'), '--install-extension', resolve(vsix), '--force'], { encoding: 'utf8', env: codeServerEnv(), timeout: 120_000 });
  const output = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(output)) {
    throw new Error(`installing ${vsix} into code-server failed (exit ${r.status ?? r.signal}):\n${output}`);
  }
}

/**
 * Starts code-server on a free loopback port in its own process group.
 * Workspace trust is off (every folder trusted) unless `workspaceTrust` is true, for Restricted Mode tests.
 * @param {{ userDataDir: string, extensionsDir: string, env?: Record<string,string>, log?: (line: string) => void, startTimeoutMs?: number, workspaceTrust?: boolean }} opts
 */
export async function startCodeServer({ userDataDir, extensionsDir, env = {}, log = () => {}, startTimeoutMs = 60_000, workspaceTrust = false }) {
  const { entry } = ensureCodeServer();
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const args = [
    entry, '--auth', 'none', '--bind-addr', '127.0.0.1:0',
    // A config file of its own, so code-server never writes ~/.config/code-server/config.yaml.
    '--config', join(userDataDir, 'config.yaml'),
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
  ];
  const child = spawn(process.execPath, args, { env: codeServerEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  liveGroups.add(child.pid);
  let output = '';
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  const killGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`code-server did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
    const onData = (chunk) => {
      const text = chunk.toString();
      output = (output + text).slice(-1_000_000);
      for (const line of text.split('\n')) if (line.trim()) log(line);
      const m = /HTTP server listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        res(new URL(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`code-server exited (${code ?? signal}) before listening:\n${output}`));
    });
  }).catch((err) => {
    killGroup('SIGKILL');
    liveGroups.delete(child.pid);
    throw err;
  });
  let stopping;
  return {
    url,
    /** `host:port`, the authority of vscode-remote:// URIs. */
    authority: url.host,
    pid: child.pid,
    exited,
    output: () => output,
    /** SIGTERM to the whole process group (server, extension host, watchers, pty host), SIGKILL after 5 s. */
    stop() {
      stopping ??= (async () => {
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
        killGroup('SIGKILL'); // stragglers of the group that ignored SIGTERM
        liveGroups.delete(child.pid);
      })();
      return stopping;
    },
  };
}

/** Debian's Chromium, headless, through playwright-core (no browser download). */
export async function launchChromium() {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: apt-get install chromium`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * The workbench URL for a folder, optionally running extension tests in the server's extension host.
 * @param {{ url: URL, authority: string }} server
 * @param {{ folder?: string, extensionDevelopmentPaths?: string[], extensionTestsPath?: string }} opts
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPaths = [], extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://${server.authority}${resolve(p)}`;
  const payload = [
    ...extensionDevelopmentPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
    ...(extensionTestsPath ? [['extensionTestsPath', remote(extensionTestsPath)]] : []),
    ['skipWelcome', 'true'],
  ];
  const u = new URL(server.url);
  if (folder) u.searchParams.set('folder', resolve(folder));
  u.searchParams.set('payload', JSON.stringify(payload));
  return u.toString();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2];
  if (cmd === 'install') {
    const { dir } = ensureCodeServer();
    console.log(`code-server ${CODE_SERVER_VERSION} ready in ${dir}`);
  } else if (cmd === 'path') {
    console.log(codeServerDir);
  } else {
    console.error('usage: node scripts/codeServer.mjs install|path');
    process.exit(2);
  }
}
