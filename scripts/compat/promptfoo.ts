// Runs a corpus of promptfoo configs through promptfoo itself and through Assay, both against local mock
// models, and classifies each config (scripts/compat/promptfooCompare.ts). Nothing in the configs is
// edited: the tools reach the mocks only through environment variables (OPENAI_BASE_URL,
// ANTHROPIC_BASE_URL, OLLAMA_BASE_URL and dummy keys), so a config that hard-codes an endpoint fails for
// promptfoo too and is left out of the measure.
//
//   node --import tsx scripts/compat/promptfoo.ts --corpus /work/corpus/promptfoo \
//     [--promptfoo ~/.cache/assay-promptfoo] [--out /tmp/assay-compat] [--jobs 2] [--only a,b]
//     [--reuse-promptfoo] [--report docs/compatibility.md] [--report-only] [--assay dist/cli.js]
//
// The corpus is a folder with one folder per config; `corpus.tsv` (name, config path inside that folder)
// lists them, else each folder's promptfooconfig.yaml is the config. `--reuse-promptfoo` keeps promptfoo's
// results from an earlier run in --out (promptfoo's answers do not change when Assay does);
// `--report-only` runs nothing: it classifies again the runs already in --out and renders the report.
// `--only a,b` runs those configs again; the report still covers the corpus (the others' saved outcomes).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMockLlm, type MockLlm } from '../../test/support/mockLlmServer';
import { compatReply } from './compatReplies';
import { classify, type Category, type LoggedRequest, type Outcome, type ToolRun } from './promptfooCompare';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(name);

/** promptfoo's install (`--promptfoo`, default ~/.cache/assay-promptfoo) and the built CLI (`--assay`); exits 2 when either is missing. */
export function locateTools(): { pfDir: string; promptfooBin: string; assayCli: string } {
  const pfDir = arg('--promptfoo') ?? path.join(os.homedir(), '.cache', 'assay-promptfoo');
  const promptfooBin = path.join(pfDir, 'node_modules', 'promptfoo', 'dist', 'src', 'entrypoint.js');
  if (!fs.existsSync(promptfooBin)) {
    process.stderr.write(`promptfoo is not installed in ${pfDir}: npm install --prefix ${pfDir} promptfoo@0.121.20\n`);
    process.exit(2);
  }
  const assayCli = path.resolve(arg('--assay') ?? path.join(repoRoot, 'dist', 'cli.js'));
  if (!fs.existsSync(assayCli)) {
    process.stderr.write(`${assayCli} is missing: run node esbuild.mjs first\n`);
    process.exit(2);
  }
  return { pfDir, promptfooBin, assayCli };
}

interface Entry {
  name: string;
  dir: string;
  config: string;
}

/** The configs of a corpus folder. */
export function readCorpus(corpus: string): Entry[] {
  const list = path.join(corpus, 'corpus.tsv');
  if (fs.existsSync(list)) {
    return fs
      .readFileSync(list, 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const [name, config] = l.split('\t') as [string, string];
        return { name, dir: path.join(corpus, name), config: path.join(corpus, name, config) };
      });
  }
  return fs
    .readdirSync(corpus, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(corpus, d.name, 'promptfooconfig.yaml')))
    .map((d) => ({ name: d.name, dir: path.join(corpus, d.name), config: path.join(corpus, d.name, 'promptfooconfig.yaml') }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The text of the config and the data/provider files beside it (for "does the config name this model"). */
function configText(entry: Entry): string {
  const parts: string[] = [];
  let budget = 4_000_000;
  const walk = (dir: string, depth: number): void => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      if (budget <= 0 || d.name === 'node_modules' || d.name.startsWith('.')) continue;
      const p = path.join(dir, d.name);
      if (d.isDirectory() && depth < 3) walk(p, depth + 1);
      else if (d.isFile() && /\.(ya?ml|json|jsonl|js|mjs|cjs|ts|py|txt|csv|md|prompt|j2|njk)$/i.test(d.name)) {
        const size = fs.statSync(p).size;
        if (size > 500_000) continue;
        budget -= size;
        parts.push(fs.readFileSync(p, 'utf8'));
      }
    }
  };
  walk(path.dirname(entry.config), 0);
  return parts.join('\n');
}

interface Mocks {
  byVendor: Record<string, MockLlm>;
  env: Record<string, string>;
}

async function startMocks(): Promise<Mocks> {
  const byVendor: Record<string, MockLlm> = {};
  for (const vendor of ['openai', 'anthropic', 'ollama']) byVendor[vendor] = await startMockLlm({ reply: compatReply });
  const env = {
    OPENAI_API_KEY: 'sk-compat-mock',
    OPENAI_BASE_URL: byVendor.openai!.openaiBaseUrl,
    OPENAI_API_BASE_URL: byVendor.openai!.openaiBaseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-compat-mock',
    ANTHROPIC_BASE_URL: byVendor.anthropic!.anthropicBaseUrl,
    OLLAMA_BASE_URL: byVendor.ollama!.url,
  };
  return { byVendor, env };
}

function takeRequests(mocks: Mocks): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  for (const [vendor, mock] of Object.entries(mocks.byVendor)) {
    for (const r of mock.requests) out.push({ vendor, api: r.api, path: r.url.split('?')[0]!, model: r.model });
    mock.requests.length = 0;
  }
  return out;
}

/** The environment both tools run in: the mocks' endpoints and dummy keys (`mockEnv`), no telemetry, no cache, no way out. */
export function toolEnv(mockEnv: Record<string, string>, home: string, promptfooBin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // Keep what programs need to start (PATH, HOME for pyenv…), drop every real key and endpoint.
  for (const [k, v] of Object.entries(process.env)) {
    if (/(_API_KEY|_TOKEN|_SECRET|_BASE_URL|_API_HOST|_API_BASE|PROXY)$/i.test(k) || k.startsWith('PROMPTFOO_') || k.startsWith('ASSAY_')) continue;
    env[k] = v;
  }
  return {
    ...env,
    ...mockEnv,
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: 'true',
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_CONFIG_DIR: home,
    // Anything that honours a proxy cannot leave the machine; the mocks are exempt.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '127.0.0.1,localhost',
    // Custom providers of promptfoo's examples `require('promptfoo')`, as they do inside its repository.
    NODE_PATH: path.dirname(path.dirname(path.dirname(path.dirname(promptfooBin)))),
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    CI: 'true',
  };
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ exitCode: number | null; timedOut: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => void (stdout.length < 1_000_000 && (stdout += c.toString())));
    child.stderr.on('data', (c: Buffer) => void (stderr.length < 1_000_000 && (stderr += c.toString())));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: timedOut ? null : code, timedOut, stdout, stderr });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: null, timedOut: false, stdout, stderr: stderr + String(err) });
    });
  });
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

interface Options {
  promptfooBin: string;
  assayCli: string;
  out: string;
  reusePromptfoo: boolean;
  timeoutMs: number;
}

async function runEntry(entry: Entry, mocks: Mocks, opts: Options): Promise<Outcome & { name: string }> {
  const out = path.join(opts.out, entry.name);
  fs.mkdirSync(out, { recursive: true });
  const env = toolEnv(mocks.env, path.join(opts.out, '.promptfoo-home'), opts.promptfooBin);
  const cwd = path.dirname(entry.config);
  const savedPf = path.join(out, 'promptfoo.run.json');

  let pf: ToolRun;
  if (opts.reusePromptfoo && fs.existsSync(savedPf)) {
    pf = { ...(readJson(savedPf) as ToolRun), json: readJson(path.join(out, 'promptfoo.json')) };
  } else {
    fs.rmSync(path.join(out, 'promptfoo.json'), { force: true });
    takeRequests(mocks);
    const r = await run(process.execPath, [opts.promptfooBin, 'eval', '-c', entry.config, '-o', path.join(out, 'promptfoo.json'), '--no-cache', '--no-table', '--no-progress-bar', '--no-write', '--no-share'], cwd, env, opts.timeoutMs);
    pf = { ...r, json: readJson(path.join(out, 'promptfoo.json')), requests: takeRequests(mocks) };
    fs.writeFileSync(savedPf, JSON.stringify({ ...pf, json: undefined }, null, 1));
  }

  fs.rmSync(path.join(out, 'assay.json'), { force: true });
  takeRequests(mocks);
  // Assay runs from the root of the copy, as a CI job runs at the root of its repository: that folder is
  // Assay's project folder, which bounds the files a config may read. promptfoo resolves every path from
  // the config's folder whatever the working folder, and runs there.
  const a = await run(process.execPath, [opts.assayCli, 'test', entry.config, '--json', path.join(out, 'assay.json'), '--no-history', '--no-cache'], entry.dir, env, opts.timeoutMs);
  const assay: ToolRun = { ...a, json: readJson(path.join(out, 'assay.json')), requests: takeRequests(mocks) };
  fs.writeFileSync(path.join(out, 'assay.run.json'), JSON.stringify({ ...assay, json: undefined }, null, 1));

  const outcome = { name: entry.name, ...classify(pf, assay, configText(entry)) };
  fs.writeFileSync(path.join(out, 'outcome.json'), JSON.stringify(outcome, null, 1));
  return outcome;
}

/** Where each config came from, from docs/compatibility-sources.tsv. */
function readSources(): Map<string, { repo: string; commit: string; path: string }> {
  const file = path.join(repoRoot, 'docs', 'compatibility-sources.tsv');
  const map = new Map<string, { repo: string; commit: string; path: string }>();
  if (!fs.existsSync(file)) return map;
  for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
    const [name, repo, commit, root, config] = line.split('\t');
    if (name && repo && commit) map.set(name, { repo, commit, path: root ? `${root}/${config}` : (config ?? '') });
  }
  return map;
}

const CATEGORY_TEXT: Record<Category, string> = {
  agree: 'runs unedited, verdicts agree',
  differ: 'runs, verdicts differ',
  refused: 'Assay refuses (exit 2)',
  crash: 'Assay crashes',
  substitution: 'SILENT SUBSTITUTION',
  'promptfoo-fails': 'promptfoo cannot run it offline (excluded)',
};

/** The Markdown of the results: totals, blockers ranked by configs affected, one row per config. */
export function renderReport(outcomes: (Outcome & { name: string })[], command: string, meta: { promptfooVersion: string; assayCommit: string; date: string }): string {
  const sources = readSources();
  const count = (c: Category): number => outcomes.filter((o) => o.category === c).length;
  const measured = outcomes.filter((o) => o.category !== 'promptfoo-fails');
  const agree = count('agree');
  const pct = measured.length ? ((100 * agree) / measured.length).toFixed(1) : '0.0';
  const lines: string[] = [];
  lines.push(`Measured ${meta.date} with promptfoo ${meta.promptfooVersion} and Assay at ${meta.assayCommit}. Reproduce:`, '', '```', command, '```', '');
  lines.push('| | configs |', '|---|---:|');
  lines.push(`| in the corpus | ${outcomes.length} |`);
  lines.push(`| promptfoo cannot run offline (left out) | ${count('promptfoo-fails')} |`);
  lines.push(`| **measured** (promptfoo runs them offline) | **${measured.length}** |`);
  for (const c of ['agree', 'differ', 'refused', 'crash', 'substitution'] as Category[]) lines.push(`| ${CATEGORY_TEXT[c]} | ${count(c)} |`);
  lines.push(`| **runs unedited with promptfoo's verdicts** | **${agree} / ${measured.length} = ${pct}%** |`, '');

  const rank = (list: (Outcome & { name: string })[]): string[] => {
    const groups = new Map<string, { message: string; names: string[] }>();
    for (const o of list) {
      for (const b of o.blockers) {
        if (!groups.has(b.key)) groups.set(b.key, { message: b.message, names: [] });
        const g = groups.get(b.key)!;
        if (!g.names.includes(o.name)) g.names.push(o.name);
      }
    }
    return [...groups.entries()]
      .sort((a, b) => b[1].names.length - a[1].names.length || a[0].localeCompare(b[0]))
      .map(([k, g]) => `| ${g.names.length} | ${esc(k)} | ${esc(g.message)} | ${g.names.slice(0, 4).join(', ')}${g.names.length > 4 ? ', …' : ''} |`);
  };
  lines.push('### What blocks the rest (ranked by configs affected)', '', '| configs | blocker | example message | configs |', '|---:|---|---|---|');
  lines.push(...rank(measured.filter((o) => o.category !== 'agree')), '');
  lines.push('### Why promptfoo itself cannot run some offline', '', '| configs | reason | example | configs |', '|---:|---|---|---|');
  lines.push(...rank(outcomes.filter((o) => o.category === 'promptfoo-fails')), '');
  lines.push('### Per config', '', '| config | source | result | executions (pf / Assay / agreeing) | detail |', '|---|---|---|---|---|');
  for (const o of [...outcomes].sort((a, b) => a.name.localeCompare(b.name))) {
    const s = sources.get(o.name);
    const src = s ? `${s.repo} \`${s.path}\`` : '';
    const detail = o.reason.length > 320 ? `${o.reason.slice(0, 320)}…` : o.reason;
    lines.push(`| ${o.name} | ${esc(src)} | ${CATEGORY_TEXT[o.category]} | ${o.executions.promptfoo} / ${o.executions.assay} / ${o.executions.agreeing} | ${esc(detail)} |`);
  }
  return lines.join('\n') + '\n';
}

function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const BEGIN = '<!-- promptfoo-compat:begin -->';
const END = '<!-- promptfoo-compat:end -->';

/** Replaces the generated part of the report file, keeping what is written around it. */
export function spliceReport(existing: string, generated: string): string {
  const i = existing.indexOf(BEGIN);
  const j = existing.indexOf(END);
  if (i < 0 || j < i) return `${existing.trimEnd()}\n\n${BEGIN}\n${generated}${END}\n`;
  return `${existing.slice(0, i + BEGIN.length)}\n${generated}${existing.slice(j)}`;
}

async function main(): Promise<void> {
  const corpus = arg('--corpus');
  if (!corpus) {
    process.stderr.write('usage: node --import tsx scripts/compat/promptfoo.ts --corpus DIR [--promptfoo DIR] [--out DIR] [--jobs N] [--only a,b] [--reuse-promptfoo] [--report FILE]\n');
    process.exit(2);
  }
  const { pfDir, promptfooBin, assayCli } = locateTools();
  const opts: Options = {
    promptfooBin,
    assayCli,
    out: path.resolve(arg('--out') ?? path.join(os.tmpdir(), 'assay-compat')),
    reusePromptfoo: flag('--reuse-promptfoo'),
    timeoutMs: Number(arg('--timeout') ?? '180') * 1000,
  };
  // Custom providers of promptfoo's examples import 'promptfoo' as they do inside its repository: ESM
  // resolution ignores NODE_PATH, so a built corpus (one with corpus.tsv, never a folder of this
  // repository) gets a node_modules link to promptfoo's install.
  const link = path.join(path.resolve(corpus), 'node_modules');
  if (fs.existsSync(path.join(path.resolve(corpus), 'corpus.tsv')) && !fs.existsSync(link)) fs.symlinkSync(path.join(pfDir, 'node_modules'), link, 'dir');
  const only = arg('--only')?.split(',');
  const entries = readCorpus(path.resolve(corpus)).filter((e) => !only || only.includes(e.name));
  const jobs = Math.max(1, Number(arg('--jobs') ?? '2'));
  fs.mkdirSync(opts.out, { recursive: true });

  const outcomes: (Outcome & { name: string })[] = [];
  if (flag('--report-only')) {
    // Classifies again what an earlier (or a still running) run left in --out, and renders the report.
    for (const e of entries) {
      const dir = path.join(opts.out, e.name);
      const pfRun = readJson(path.join(dir, 'promptfoo.run.json')) as ToolRun | null;
      const assayRun = readJson(path.join(dir, 'assay.run.json')) as ToolRun | null;
      if (!pfRun || !assayRun) continue;
      const pf = { ...pfRun, json: readJson(path.join(dir, 'promptfoo.json')) };
      const assay = { ...assayRun, json: readJson(path.join(dir, 'assay.json')) };
      const o = { name: e.name, ...classify(pf, assay, configText(e)) };
      fs.writeFileSync(path.join(dir, 'outcome.json'), JSON.stringify(o, null, 1));
      outcomes.push(o);
    }
    entries.length = 0;
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    const mocks = await startMocks();
    try {
      while (next < entries.length) {
        const entry = entries[next++]!;
        const o = await runEntry(entry, mocks, opts);
        outcomes.push(o);
        process.stdout.write(`[${outcomes.length}/${entries.length}] ${o.category.padEnd(15)} ${entry.name}: ${o.reason.slice(0, 140)}\n`);
      }
    } finally {
      for (const m of Object.values(mocks.byVendor)) await m.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, entries.length) }, worker));
  if (only) {
    // A partial run (--only) reports on the whole corpus: the other configs keep their saved outcomes.
    const ran = new Set(outcomes.map((o) => o.name));
    for (const e of readCorpus(path.resolve(corpus))) {
      if (ran.has(e.name)) continue;
      const saved = readJson(path.join(opts.out, e.name, 'outcome.json')) as (Outcome & { name: string }) | null;
      if (saved) outcomes.push(saved);
    }
  }

  fs.writeFileSync(path.join(opts.out, 'summary.json'), JSON.stringify(outcomes, null, 1));
  const pfVersion = (readJson(path.join(pfDir, 'node_modules', 'promptfoo', 'package.json')) as { version?: string } | null)?.version ?? '?';
  const assayCommit = await run('git', ['rev-parse', '--short', 'HEAD'], repoRoot, process.env, 10_000).then((r) => r.stdout.trim());
  const command = `node esbuild.mjs && node --import tsx scripts/compat/promptfoo.ts --corpus ${corpus} --promptfoo ${arg('--promptfoo') ?? '~/.cache/assay-promptfoo'} --jobs ${jobs} --report docs/compatibility.md`;
  const report = renderReport(outcomes, command, { promptfooVersion: pfVersion, assayCommit, date: new Date().toISOString().slice(0, 10) });
  fs.writeFileSync(path.join(opts.out, 'report.md'), report);
  const reportFile = arg('--report');
  if (reportFile) fs.writeFileSync(reportFile, spliceReport(fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '', report));
  const measured = outcomes.filter((o) => o.category !== 'promptfoo-fails').length;
  const agree = outcomes.filter((o) => o.category === 'agree').length;
  process.stdout.write(`\n${agree} / ${measured} measured configs run with promptfoo's verdicts; report in ${path.join(opts.out, 'report.md')}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
