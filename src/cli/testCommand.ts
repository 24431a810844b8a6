import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseModelRef } from '../core/assertions/providerRef';
import { loadProjectConfig, type ProjectConfig } from '../core/config/projectConfig';
import { createRedactor } from '../core/redact';
import { PriceBook, type PricingOverrides } from '../core/pricing/pricing';
import { envKeyLookup, envProviderConfigs, ProviderRegistry } from '../core/providers/providerRegistry';
import type { ProviderConfig } from '../core/providers/providerTypes';
import { Engine } from '../core/run/engine';
import { DEFAULT_GRADING, type GradingSettings } from '../core/run/gradingContext';
import { testCaseName } from '../core/run/junit';
import { ComparisonHub } from '../core/run/comparisonHub';
import { checkModels, modelsUsed } from '../core/run/preflight';
import { overallPassRate, sumTotals, type CaseExecution, type ReportTotals, type RunReport } from '../core/run/runReport';
import { plannedExecutions, runTests } from '../core/run/testRun';
import { bankFileSuite, pairedPromptFiles, projectPath, promptfooSuites, promptFileSuite, type ModelTarget, type TestSuite } from '../core/run/testSuite';
import { foreignHistoryFile, resolveHistoryPath } from '../core/store/historyLocation';
import { TraceStore } from '../core/store/traceStore';
import { liveOtlpConfig } from '../core/export/otlpConfig';
import type { LiveOtlpOptions } from '../core/export/otlpLive';
import { expandGlobConfined, fileAccess, hasGlob, readTextFile, type FileAccess } from '../core/files/safeFiles';
import type { ModelRef } from '../core/types';
import { describeChange } from '../core/stats/significance';
import { describeScoreChange } from '../core/stats/pairedScores';
import { interruptedExitCode, UsageError, type CliCommand, type CliIo } from './cliTypes';
import { formatDiagnostic } from './lintCommand';
import { eachArg, positiveInt } from './cliArgs';
import { printPlan } from './testPlan';
import { parseShard, shardSection, shardSuites, type ShardSpec } from '../core/run/shard';
import { reportOption, writeReportFiles } from './reportFiles';
import { excusedFailures, judgeLines, judgeOption, loadCalibration, wantsCalibration, type JudgeGateArgs } from './judgeGate';
import { terminalSafe } from './terminalText';
import { batchDispatcher, batchOption, batchRefusals, checkBatchArgs, type BatchArgs, type BatchSetup } from './batchMode';
import { BATCH_STATE_FORMAT, parseBatchState } from '../core/batch/batchState';
import type { BatchDispatcher } from '../core/batch/batchDispatcher';
import { newId } from '../core/store/ids';

const TOOL = 'assay 0.1.0';

const USAGE = `Usage: assay test [FILES...] [options]

Runs test cases through models and checks their assertions. FILES are prompt files (their tests:),
test banks (NAME.tests.yaml, NAME.csv… run against NAME.prompt beside them), promptfoo configs
(promptfooconfig.yaml) or folders holding them; globs are expanded. Without FILES: the tests listed
in assay.config.yaml, else ./promptfooconfig.yaml. See docs/cli.md.

  --models LIST         Comma-separated models for every suite (e.g. openai:gpt-5.5,echo:echo)
  --repeat K            Run each case K times per model (over the cases' and banks' repeat)
  --concurrency N       Model calls in flight at once (default: the config's, else 4)
  --no-cache            Make every call, even identical ones
  --filter TEXT         Only cases whose description or id contains TEXT (case-insensitive)
  --case ID             Only the case with this exact case id (repeat for more; the editor's
                        batch profile passes the cases picked in the Test Explorer)
  --shard I/N           Only shard I of N (1 ≤ I ≤ N): the cases whose case id hashes there, with
                        all their models and repeats; a case stays in its shard when others are added
                        or removed. An empty shard exits 0. Combine the shards with 'assay merge'
  --batch               Send the calls through the providers' batch APIs (OpenAI Batch, Anthropic
                        Message Batches: half the price, results within 24 h); other providers run
                        live, with a note. Ctrl+C stops waiting and leaves the batches running
  --resume RUN_ID       Pick up a batch run stopped or killed while it waited (prints its RUN_ID)
  --cancel              With --resume: cancel the run's batches, keep what they finished
  --live-graders        With --batch: ask model-graded assertions' graders live (by default their
                        calls go out as batches of their own once the answers are in)
  --batch-poll-max S    Longest wait between batch status checks, in seconds (default 60)
  --list                Print the plan (prompts × providers × tests, endpoints, key variables) and
                        call nothing; exit 2 when something would stop the run
  --json FILE           Write every result as JSON (Assay's format)
  -o, --output FILE     Write every result as JSON in promptfoo's --output shape (results.json)
  --junit FILE          Write JUnit XML for CI
  --html FILE           Write a self-contained HTML report for reviewers: results, outputs,
                        assertions, the comparison with the previous run; filters and search; a
                        reviewer marks results good or bad and saves a labels file for
                        'assay review import'
  --promptfoo-exit-codes  Exit 100 (not 1) when a test fails or errors, as promptfoo eval does
  --fail-under RATE     Exit 0 when passed ÷ executions ≥ RATE (0–1, or a percentage like 90%)
  --fail-on-regression significant|any
                        Exit 1 when a model's pass rate dropped significantly against the previous
                        run of the bank (McNemar's exact test, or a paired t-test with repeats, at
                        p < 0.05), or with 'any' when any case that passed before fails now
  --judge-threshold K   Measure each LLM judge (model-graded assertion) the run uses against the
                        people's 👍/👎 in history ('assay calibrate'); one whose Cohen's kappa is
                        below K (default 0.6) is reported uncalibrated
  --uncalibrated-cannot-fail
                        A failure that rests only on uncalibrated judges does not fail the run
  --history PATH        History file (default: the config's, else .assay/history.sqlite)
  --no-history          Record nothing, compare with nothing
  --config FILE         Project config (default: assay.config.yaml here or in a parent folder)
  --max-file-size-mb N  Refuse files Assay reads that are bigger (default: the config's files.maxSizeMB, else 20)

Keys come from the environment: OPENAI_API_KEY, ANTHROPIC_API_KEY, NAME_API_KEY for an endpoint
NAME; OPENAI_BASE_URL and ANTHROPIC_BASE_URL override the built-in endpoints; ASSAY_GRADER_MODEL and
ASSAY_EMBEDDING_MODEL override the config's graders.
Exit codes: 0 all passed (or the pass rate reached --fail-under), 1 failures or errors (100 with
--promptfoo-exit-codes, and always for 'assay eval'), 2 usage or configuration error (nothing was
called), 3 all passed but the history could not be recorded (the reason is printed; --no-history runs
without it), 130/143/129 stopped by Ctrl+C/SIGTERM/SIGHUP (reports are still written and history saved;
a second signal exits at once).`;
const EVAL_USAGE = `Usage: assay eval [-c promptfooconfig.yaml] [options]

promptfoo's verb: runs promptfoo configs like 'assay test' with promptfoo's conventions — -c/--config
names the promptfoo config (default ./promptfooconfig.yaml), -o/--output writes promptfoo's JSON, and a
failing or erroring test exits 100. Every other option of 'assay test' works too (the project config is
then --assay-config FILE). See docs/cli.md.`;

interface TestArgs extends JudgeGateArgs, BatchArgs {
  files: string[];
  models?: string[];
  repeat?: number;
  concurrency?: number;
  cache: boolean;
  filter?: string;
  /** `--case ID`: only these cases, by exact id. */
  cases?: string[];
  json?: string;
  junit?: string;
  html?: string;
  failUnder?: number;
  failOnRegression?: 'significant' | 'any';
  history?: string;
  noHistory: boolean;
  config?: string;
  list: boolean;
  output?: string;
  promptfooExitCodes: boolean;
  maxFileSizeMB?: number;
  shard?: ShardSpec;
}

function parseRate(v: string): number {
  const pct = v.endsWith('%');
  const n = Number(pct ? v.slice(0, -1) : v);
  const rate = pct ? n / 100 : n;
  if (v.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new UsageError(`--fail-under must be a rate from 0 to 1 or a percentage like 90% (got '${v}')`);
  return rate;
}

function parseArgs(argv: string[], verb: 'test' | 'eval'): TestArgs {
  const a: TestArgs = { files: [], cache: true, noHistory: false, list: false, promptfooExitCodes: verb === 'eval', batch: false, cancel: false, liveGraders: false };
  const usage = verb === 'eval' ? `${EVAL_USAGE}\n\n${USAGE}` : USAGE;
  eachArg(argv, (name, value, arg) => {
    if (verb === 'eval' && (name === '-c' || name === '--config')) {
      a.files.push(value());
      return;
    }
    if (reportOption(name, value, a) || judgeOption(name, value, a) || batchOption(name, value, a)) return;
    switch (name) {
      case '--models':
        a.models = value().split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case '--repeat':
        a.repeat = positiveInt('--repeat', value(), 1000);
        break;
      case '--concurrency':
        a.concurrency = positiveInt('--concurrency', value(), 256);
        break;
      case '--no-cache':
        a.cache = false;
        break;
      case '--filter':
        a.filter = value();
        break;
      case '--case':
        (a.cases ??= []).push(value());
        break;
      case '--shard': {
        const shard = parseShard(value());
        if ('error' in shard) throw new UsageError(shard.error);
        a.shard = shard;
        break;
      }
      case '--fail-under':
        a.failUnder = parseRate(value());
        break;
      case '--fail-on-regression': {
        const mode = value();
        if (mode !== 'significant' && mode !== 'any') throw new UsageError(`--fail-on-regression must be 'significant' or 'any' (got '${mode}')`);
        a.failOnRegression = mode;
        break;
      }
      case '--history':
        a.history = value();
        break;
      case '--no-history':
        a.noHistory = true;
        break;
      case '--config':
      case '--assay-config':
        a.config = value();
        break;
      case '--list':
        a.list = true;
        break;
      case '--promptfoo-exit-codes':
        a.promptfooExitCodes = true;
        break;
      case '--max-file-size-mb':
        a.maxFileSizeMB = positiveInt('--max-file-size-mb', value(), 4096);
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'\n${usage}`);
        a.files.push(arg);
    }
  }, usage);
  if (a.history !== undefined && a.noHistory) throw new UsageError('--history and --no-history cannot be used together');
  if (wantsCalibration(a) && a.noHistory) throw new UsageError("--judge-threshold and --uncalibrated-cannot-fail read people's ratings from the history: they cannot be used with --no-history");
  if (a.models && a.models.length === 0) throw new UsageError('--models needs at least one model, e.g. openai:gpt-5.5');
  checkBatchArgs(a);
  return a;
}

/** `provider:model`; a bare `echo` means `echo:echo`, as in promptfoo. */
function modelArg(text: string): ModelRef {
  if (text === 'echo') return { provider: 'echo', model: 'echo' };
  const ref = parseModelRef(text);
  if ('error' in ref) throw new UsageError(`--models: ${ref.error as string}`);
  return ref;
}

const PROMPT_FILE = /\.prompty?$/i;
const PROMPTFOO_NAME = /^promptfooconfig[^/\\]*\.(ya?ml|json)$/i;
const BANK_FILE = /\.(ya?ml|json|jsonl|csv)$/i;

type Source = { kind: 'prompt' | 'promptfoo'; path: string } | { kind: 'bank'; path: string; prompt: string };

function isPromptfooConfig(path: string, files: FileAccess): boolean {
  if (PROMPTFOO_NAME.test(basename(path))) return true;
  if (!/\.ya?ml$/i.test(path) || /\.tests?\.ya?ml$/i.test(path)) return false;
  const read = readTextFile(path, files);
  return !('error' in read) && /^prompts\s*:/m.test(read.text);
}

/** Prompt files that declare tests, and promptfoo configs, under `dir` (symlinks are not followed; a prompt file that cannot be read is a problem). */
function scanFolder(dir: string, out: string[], files: FileAccess, problems: string[], base: string): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) scanFolder(path, out, files, problems, base);
    else if (e.isFile() && PROMPTFOO_NAME.test(e.name)) out.push(path);
    else if (e.isFile() && PROMPT_FILE.test(e.name)) {
      const read = readTextFile(path, files, projectPath(base, path));
      if ('error' in read) problems.push(read.error.message);
      else if (/^tests\s*:/m.test(read.text)) out.push(path);
    }
  }
}

/**
 * Resolves FILES to sources; every problem is a usage error. `files` reads what the patterns find; globs
 * are confined to its roots unless it allows outside (patterns the user typed).
 */
function findSources(patterns: string[], base: string, files: FileAccess): { sources: Source[]; problems: string[] } {
  const problems: string[] = [];
  const paths: string[] = [];
  for (const p of patterns) {
    const expanded = hasGlob(p) ? expandGlobConfined(p, base, files) : { files: [resolve(base, p)] };
    if ('error' in expanded) {
      problems.push(expanded.error.message);
      continue;
    }
    const matches = expanded.files;
    if (matches.length === 0) problems.push(`${p}: no file matches`);
    for (const m of matches) {
      let isDir: boolean;
      try {
        isDir = statSync(m).isDirectory();
      } catch {
        problems.push(`${p}: no such file`);
        continue;
      }
      if (!isDir) {
        paths.push(m);
        continue;
      }
      const found: string[] = [];
      scanFolder(m, found, files, problems, base);
      if (found.length === 0) problems.push(`${p}: no prompt files with tests and no promptfoo config in this folder`);
      paths.push(...found);
    }
  }
  const sources: Source[] = [];
  for (const path of [...new Set(paths)]) {
    if (PROMPT_FILE.test(path)) sources.push({ kind: 'prompt', path });
    else if (isPromptfooConfig(path, files)) sources.push({ kind: 'promptfoo', path });
    else if (BANK_FILE.test(path)) {
      const candidates = pairedPromptFiles(path);
      const prompt = candidates.find((c) => {
        try {
          return statSync(c).isFile();
        } catch {
          return false;
        }
      });
      if (prompt) sources.push({ kind: 'bank', path, prompt });
      else problems.push(`${projectPath(base, path)}: no prompt file to run it against; expected ${candidates.map((c) => basename(c)).join(' or ')} beside it`);
    } else problems.push(`${projectPath(base, path)}: not a prompt file (.prompt, .prompty), a test bank (.yaml, .json, .jsonl, .csv) or a promptfoo config`);
  }
  return { sources, problems };
}

function pct(rate: number | null): string {
  return rate === null ? '—' : `${(rate * 100).toFixed(1)}%`;
}

function money(n: number, unknown = 0): string {
  // Two significant digits for small sums: a test call often costs a few millionths of a dollar.
  const known = n === 0 ? '$0' : n < 0.01 ? `$${n.toFixed(Math.min(10, 1 - Math.floor(Math.log10(n))))}` : `$${n.toFixed(2)}`;
  if (unknown === 0) return known;
  return n === 0 ? 'unknown' : `${known} + unknown`;
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function oneLine(text: string, max = 160): string {
  // Only the start is shown: a reply can be megabytes long.
  const flat = terminalSafe(text.slice(0, max * 4).replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function table(rows: string[][], rightAligned: Set<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => '  ' + r.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

const MAX_LISTED = 50;

function describeExecution(e: CaseExecution): string {
  return `${testCaseName(e)} — ${e.model}`;
}

/** Prints one suite's results as `assay test` shows them. */
export function printReport(stdout: NodeJS.WritableStream, r: RunReport): void {
  // Everything here is data (names, outputs, messages): no escape sequence in it may act on the terminal.
  const out = { write: (text: string): void => void stdout.write(terminalSafe(text)) };
  const cases = new Set(r.executions.map((e) => e.caseId)).size;
  const models = r.models.length;
  out.write(`\n${r.suite.name}  (${cases} case${cases === 1 ? '' : 's'} × ${models} model${models === 1 ? '' : 's'}${r.status === 'cancelled' ? ', cancelled' : ''})\n`);
  const rows = [['model', 'pass rate', '95% CI', 'pass', 'fail', 'error', 'flaky', 'cost', 'p50', 'p95']];
  for (const m of r.models) {
    rows.push([
      m.model,
      pct(m.passRate),
      m.trials > 0 ? `${(m.interval.low * 100).toFixed(1)}–${(m.interval.high * 100).toFixed(1)}%` : '—',
      String(m.passes),
      String(m.fails),
      String(m.errors),
      String(m.flaky.length),
      money(m.cost.total, m.cost.unknown),
      duration(m.latency.p50),
      duration(m.latency.p95),
    ]);
  }
  out.write(table(rows, new Set([1, 3, 4, 5, 6, 7, 8, 9])).join('\n') + '\n');
  for (const m of r.metrics ?? []) {
    if (m.derived.length === 0) continue;
    const values = m.derived.map((d) => `${d.name} = ${d.value === null ? `— (${d.error})` : Number(d.value.toPrecision(6))}`);
    out.write(`  ${m.model} derived metrics: ${values.join(', ')}\n`);
  }

  const bad = r.executions.filter((e) => e.status !== 'pass' && !(e.cancelled && e.error?.message === 'Cancelled before it started'));
  if (bad.length > 0) {
    out.write('\n  Failures and errors\n');
    for (const e of bad.slice(0, MAX_LISTED)) {
      if (e.status === 'fail') {
        out.write(`  ✗ ${describeExecution(e)}\n`);
        const failed = e.assertions.filter((a) => !a.pass);
        for (const a of failed.length > 0 ? failed : [{ type: 'case', reason: e.reason }]) out.write(`      ${a.type}: ${oneLine(a.reason)}\n`);
        out.write(`      output: ${oneLine(e.output) || '(empty)'}\n`);
      } else {
        out.write(`  ! ${describeExecution(e)}\n      error (${e.error?.kind ?? 'error'}): ${oneLine(e.error?.message ?? e.reason)}\n`);
      }
    }
    if (bad.length > MAX_LISTED) out.write(`  … and ${bad.length - MAX_LISTED} more (see --json or --junit)\n`);
  }
  const skipped = r.executions.length - r.executions.filter((e) => !(e.cancelled && e.error?.message === 'Cancelled before it started')).length;
  if (skipped > 0) out.write(`  ${skipped} not started (cancelled)\n`);

  const names = new Map(r.executions.map((e) => [e.caseId, e.description ?? e.caseId]));
  for (const c of r.comparisons) {
    if (!c.comparison || c.previousStartedAt === null) {
      out.write(`\n  ${c.model}: no previous run of this bank to compare with\n`);
      continue;
    }
    const k = c.comparison;
    const parts = [
      `${k.regressions.length} regression${k.regressions.length === 1 ? '' : 's'}`,
      `${k.fixes.length} fix${k.fixes.length === 1 ? '' : 'es'}`,
      `${k.stillFailing.length} still failing`,
      `${k.newCases.length} new`,
    ];
    if (k.removedCases.length > 0) parts.push(`${k.removedCases.length} removed`);
    out.write(`\n  ${c.model} vs the previous run (${new Date(c.previousStartedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC): ${parts.join(', ')}\n`);
    if (c.significance) out.write(`    ${describeChange(c.significance)}\n`);
    if (c.scoreChange && c.scoreChange.cases > 0) out.write(`    ${describeScoreChange(c.scoreChange)}\n`);
    for (const x of k.regressions.slice(0, MAX_LISTED)) out.write(`    regression: ${names.get(x.caseId) ?? x.caseId}\n`);
    for (const x of k.fixes.slice(0, MAX_LISTED)) out.write(`    fixed: ${names.get(x.caseId) ?? x.caseId}\n`);
  }
}

/** The models whose comparison breaks `--fail-on-regression` (`significant`: a significant drop; `any`: any regressed case). */
function regressedModels(reports: readonly RunReport[], mode: 'significant' | 'any'): string[] {
  const out: string[] = [];
  for (const r of reports) {
    for (const c of r.comparisons) {
      const hit = mode === 'any' ? (c.comparison?.regressions.length ?? 0) > 0 : c.significance?.verdict === 'significant-regression';
      if (hit) out.push(`${r.suite.name} on ${c.model}`);
    }
  }
  return out;
}

/** The closing line of totals. */
export function totalsLine(t: ReportTotals, ms: number): string {
  const parts = [`${t.passed} passed`, `${t.failed} failed`, `${t.errors} error${t.errors === 1 ? '' : 's'}`];
  const cost = t.graderCost > 0 ? `${money(t.cost, t.costUnknown)} + grader ${money(t.graderCost)}` : money(t.cost, t.costUnknown);
  return `${t.executions} execution${t.executions === 1 ? '' : 's'}: ${parts.join(', ')} — pass rate ${pct(overallPassRate(t))} — cost ${cost} — ${duration(ms)}`;
}

/** A progress line redrawn in place on a terminal; a line per tenth of the run otherwise. */
class Progress {
  private total = 0;
  private done = 0;
  private passed = 0;
  private failed = 0;
  private errors = 0;
  private lastDraw = 0;
  private nextStep = 0.1;
  private readonly t0 = performance.now();

  constructor(
    private readonly out: CliIo['stdout'],
    private readonly tty: boolean,
  ) {}

  start(total: number): void {
    this.total = total;
    if (!this.tty) this.out.write(`running ${total} execution${total === 1 ? '' : 's'}\n`);
    else this.draw(true);
  }

  update(status: CaseExecution['status']): void {
    this.done++;
    if (status === 'pass') this.passed++;
    else if (status === 'fail') this.failed++;
    else this.errors++;
    if (this.tty) this.draw(this.done === this.total);
    else if (this.done / this.total >= this.nextStep || this.done === this.total) {
      while (this.nextStep <= this.done / this.total) this.nextStep += 0.1;
      this.out.write(`${this.text()}\n`);
    }
  }

  end(): void {
    if (this.tty) this.out.write('\r\x1b[K');
  }

  private text(): string {
    const secs = ((performance.now() - this.t0) / 1000).toFixed(1);
    return `[${String(this.done).padStart(String(this.total).length)}/${this.total}] ${this.passed} passed, ${this.failed} failed, ${this.errors} errors  ${secs} s`;
  }

  private draw(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[K${this.text()}`);
  }
}

/**
 * The environment keys and endpoints are read from: the process's, under the `env` of the promptfoo
 * configs being run (promptfoo's rule: the config's value wins). One process runs them all, so two configs
 * giving one variable different values is an error, not a silent pick.
 */
function suiteEnvironment(base: NodeJS.ProcessEnv, suites: TestSuite[]): { env: NodeJS.ProcessEnv } | { error: string } {
  const set = new Map<string, { value: string; suite: string }>();
  for (const s of suites) {
    for (const [k, v] of Object.entries(s.env ?? {})) {
      const prior = set.get(k);
      if (prior && prior.value !== v) return { error: `${prior.suite} and ${s.name} set env ${k} to different values; run them separately` };
      set.set(k, { value: v, suite: s.name });
    }
  }
  if (set.size === 0) return { env: base };
  return { env: { ...base, ...Object.fromEntries([...set].map(([k, v]) => [k, v.value])) } };
}

/** Prices for endpoints of Assay's own naming that call an official API with another key. */
function priceAliases(suites: TestSuite[], overrides: PricingOverrides): PricingOverrides {
  const book = new PriceBook(overrides);
  const out: PricingOverrides = {};
  for (const t of suites.flatMap((s) => s.models)) {
    if (!t.priceAs) continue;
    const price = book.priceOf(t.priceAs);
    if (!price) continue;
    out[`${t.ref.provider}:${t.ref.model}`] = {
      input: price.input,
      output: price.output,
      ...(price.cachedInput !== undefined ? { cachedInput: price.cachedInput } : {}),
      ...(price.cacheWrite !== undefined ? { cacheWrite: price.cacheWrite } : {}),
    };
  }
  return out;
}

/**
 * A shard that no case hashes to (more shards than cases, or an unlucky split): not an error, since the
 * CI job that runs it did nothing wrong. Its reports are still written, so `assay merge` sees every shard.
 */
function emptyShard(io: CliIo, args: TestArgs, shard: ShardSpec, suites: TestSuite[], startedAt: number, t0: number): number {
  io.stdout.write(`note: shard ${shard.index}/${shard.count} has no test case (they all hash to other shards); nothing was run\n`);
  const written = writeReportFiles(io.cwd, args, [], { tool: TOOL, startedAt, durationMs: () => performance.now() - t0, suites: [], shard: shardSection(shard, suites) });
  for (const p of written) io.stderr.write(`error: ${p}\n`);
  return written.length > 0 ? 2 : 0;
}

async function openHistory(path: string, config: ProjectConfig, otlp: LiveOtlpOptions | undefined): Promise<TraceStore | string> {
  try {
    return await TraceStore.open({
      path,
      ...(otlp ? { otlp } : {}),
      redactPatterns: config.history.redact,
      ...(config.history.maxTraces !== undefined ? { maxTraces: config.history.maxTraces } : {}),
      ...(config.history.maxSizeMB !== undefined ? { maxSizeMB: config.history.maxSizeMB } : {}),
    });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * `--resume RUN_ID`: the run's batch state from history, then the run again as it was started (its
 * command line, in its folder), attached to the batches it submitted.
 */
async function resumeRun(io: CliIo, args: TestArgs): Promise<number> {
  const runId = args.resume!;
  const err = (line: string): void => void io.stderr.write(terminalSafe(line) + '\n');
  const loaded = loadProjectConfig(io.cwd, args.config, args.maxFileSizeMB);
  for (const p of loaded.problems) err(`${p.severity}: ${p.message}`);
  if (loaded.problems.some((p) => p.severity === 'error')) return 2;
  const historyPath = args.history !== undefined ? resolve(io.cwd, args.history) : (loaded.config.history.path ?? resolveHistoryPath(loaded.config.root));
  const opened = await openHistory(historyPath, loaded.config, undefined);
  if (typeof opened === 'string') {
    err(`error: --resume: cannot open the history ${projectPath(io.cwd, historyPath)}: ${opened}`);
    return 2;
  }
  let raw: unknown;
  try {
    raw = await opened.runBatch(runId);
  } finally {
    await opened.close();
  }
  const state = parseBatchState(raw);
  if ('error' in state) {
    err(`error: --resume ${runId}: the run in ${projectPath(io.cwd, historyPath)} cannot be resumed: ${raw === null ? 'no batch run with that id (the id is printed when its batches are created; give --history if the run used another history file)' : state.error}. Nothing was run.`);
    return 2;
  }
  // An `assay eval` run resumes as one, whichever verb --resume came with.
  return run({ ...io, argv: state.argv, cwd: state.cwd }, state.command, { state, cancel: args.cancel, resumed: true });
}

async function run(io: CliIo, verb: 'test' | 'eval' = 'test', batchSetup?: BatchSetup): Promise<number> {
  const t0 = performance.now();
  const startedAt = batchSetup?.state.startedAt ?? Date.now();
  const args = parseArgs(io.argv, verb);
  if (args.resume !== undefined) return resumeRun(io, args);
  // Until the keys are known, the patterns alone; then every secret in use (see below).
  let redactor = createRedactor();
  const err = (line: string): void => void io.stderr.write(terminalSafe(redactor.text(line)) + '\n');

  const loaded = loadProjectConfig(io.cwd, args.config, args.maxFileSizeMB);
  for (const p of loaded.problems) err(`${p.severity}: ${p.message}`);
  if (loaded.problems.some((p) => p.severity === 'error')) return 2;
  const config = loaded.config;
  redactor = createRedactor({ patterns: config.history.redact });

  let historyPath: string | null = null;
  if (args.history !== undefined) historyPath = resolve(io.cwd, args.history);
  else if (!args.noHistory && config.history.enabled) historyPath = config.history.path ?? resolveHistoryPath(config.root);
  if (historyPath) {
    // Checked before any call: `--history results.json` must not cost a run (the file is left alone).
    const foreign = foreignHistoryFile(historyPath);
    if (foreign) {
      err(`error: ${projectPath(io.cwd, historyPath)} is not an Assay history (${foreign}); it was left untouched. Give --history a new or existing .sqlite history, or --no-history. Nothing was run.`);
      return 2;
    }
  }
  /** Why history was not (fully) recorded, when it was asked for; makes an otherwise green run exit 3. */
  let historyFailure: string | undefined;
  // The history's worker (sql.js, the file, the crash journal) starts now, on its own thread, while the
  // suites load: answers wait in memory until it is ready, and only its journal keeps them through a crash.
  const otlp = liveOtlpConfig(io.env, historyPath ?? '');
  if (otlp && 'error' in otlp) {
    err(`error: ${otlp.error}. Nothing was run.`);
    return 2;
  }
  if (otlp) {
    if (!historyPath) err('warning: OpenTelemetry export goes through the history, which this run does not keep (--no-history or history disabled): no spans are sent');
  }
  const storePromise: Promise<TraceStore | string | null> = historyPath ? openHistory(historyPath, config, otlp?.options) : Promise.resolve(null);
  let closing: Promise<unknown> | undefined;

  try {
    let patterns = args.files;
    let base = io.cwd;
    const explicit = patterns.length > 0;
    if (patterns.length === 0) {
      if (config.tests) {
        patterns = config.tests;
        base = config.root;
      } else {
        const here = ['promptfooconfig.yaml', 'promptfooconfig.yml'].map((f) => join(io.cwd, f)).find((f) => {
          try {
            return statSync(f).isFile();
          } catch {
            return false;
          }
        });
        if (!here) throw new UsageError(`no files given, no tests: in assay.config.yaml and no promptfooconfig.yaml here\n${USAGE}`);
        patterns = [here];
      }
    }
    // What Assay reads on its own stays inside the project (the config's folder, else here); a path typed on
    // the command line is the user's choice, so its folder is readable too.
    const maxSizeMB = args.maxFileSizeMB ?? config.files.maxSizeMB;
    const limits = { rootLabel: 'project', limitName: '--max-file-size-mb (or files.maxSizeMB in assay.config.yaml)', ...(maxSizeMB !== undefined ? { maxSizeMB } : {}) };
    const { sources, problems } = findSources(patterns, base, fileAccess({ roots: [config.root], allowOutside: explicit, ...limits }));
    for (const p of problems) err(`error: ${p}`);
    if (problems.length > 0) return 2;
    const chosen = explicit ? sources.flatMap((s) => (s.kind === 'bank' ? [dirname(s.path), dirname(s.prompt)] : [dirname(s.path)])) : [];
    const files = fileAccess({ roots: [config.root, ...chosen], ...limits });

    const defaultModels = config.defaultModels ?? [DEFAULT_GRADING.graderModel];
    // Graders the user chose (ASSAY_GRADER_MODEL, the project config) grade promptfoo configs too; otherwise
    // a promptfoo config is graded by promptfoo's own default graders, never by Assay's.
    const graderChosen = {
      text: Boolean(io.env.ASSAY_GRADER_MODEL?.trim() || config.grader.model),
      embedding: Boolean(io.env.ASSAY_EMBEDDING_MODEL?.trim() || config.grader.embeddingModel),
    };
    // The CLI runs the user's own files: workspace code (transforms, filters) may run.
    const suiteOptions = { root: config.root, defaultModels, files, trusted: true, env: io.env, graderChosen };
    const loadedSuites = await Promise.all(
      sources.map(async (s) =>
        s.kind === 'prompt' ? [promptFileSuite(s.path, suiteOptions)] : s.kind === 'bank' ? [bankFileSuite(s.path, s.prompt, suiteOptions)] : promptfooSuites(s.path, suiteOptions),
      ),
    );
    let suites: TestSuite[] = loadedSuites.flat();
    let loadErrors = 0;
    for (const s of suites) {
      for (const d of s.diagnostics) {
        if (d.severity === 'info' || d.severity === 'hint') continue;
        if (d.severity === 'error') loadErrors++;
        err(formatDiagnostic(projectPath(io.cwd, d.file), d));
      }
    }
    if (loadErrors > 0) {
      err(`${loadErrors} error${loadErrors === 1 ? '' : 's'} in the test files; nothing was run`);
      return 2;
    }

    if (args.models) {
      const targets: ModelTarget[] = args.models.map(modelArg).map((ref) => ({ ref, label: `${ref.provider}:${ref.model}` }));
      suites = suites.map((s) => ({ ...s, models: targets }));
    }
    const empty = suites.filter((s) => s.cases.length === 0);
    const withCases = suites.length - empty.length;
    if (args.filter !== undefined) {
      const needle = args.filter.toLowerCase();
      suites = suites.map((s) => ({ ...s, cases: s.cases.filter((c) => (c.description ?? '').toLowerCase().includes(needle) || c.id.toLowerCase().includes(needle)) }));
    }
    if (args.cases) {
      const ids = new Set(args.cases);
      suites = suites.map((s) => ({ ...s, cases: s.cases.filter((c) => ids.has(c.id)) }));
    }
    suites = suites.filter((s) => s.cases.length > 0);
    if (suites.length === 0) {
      if (args.cases && withCases > 0) err(`error: --case matches no test case (${args.cases.join(', ')})`);
      else if (args.filter !== undefined && withCases > 0) err(`error: --filter '${args.filter}' matches no test case`);
      else err(`error: ${empty.map((s) => s.name).join(', ')}: no test cases to run`);
      return 2;
    }
    for (const s of empty) err(`warning: ${s.name} has no test cases`);
    // Sharded after --filter: the hash of a case decides, so the order of the steps changes nothing.
    const shard = args.shard;
    const shardedSuites = shard ? shardSuites(suites, shard) : suites;
    if (shard) {
      suites = shardedSuites.filter((s) => s.cases.length > 0);
      const whole = shardedSuites.reduce((n, s) => n + (s.shard?.cases ?? 0), 0);
      const mine = suites.reduce((n, s) => n + s.cases.length, 0);
      io.stdout.write(`shard ${shard.index}/${shard.count}: ${mine} of ${whole} case${whole === 1 ? '' : 's'}\n`);
      if (suites.length === 0) return emptyShard(io, args, shard, shardedSuites, startedAt, t0);
    }

    const envModel = (name: string): ModelRef | undefined => {
      const v = io.env[name]?.trim();
      if (!v) return undefined;
      const ref = parseModelRef(v);
      if ('error' in ref) throw new UsageError(`${name}: ${ref.error as string}`);
      return ref;
    };
    const grading: GradingSettings = {
      graderModel: envModel('ASSAY_GRADER_MODEL') ?? config.grader.model ?? DEFAULT_GRADING.graderModel,
      embeddingModel: envModel('ASSAY_EMBEDDING_MODEL') ?? config.grader.embeddingModel ?? DEFAULT_GRADING.embeddingModel,
    };
    const runEnv = suiteEnvironment(io.env, suites);
    if ('error' in runEnv) throw new UsageError(runEnv.error);
    const keys = envKeyLookup(runEnv.env);
    const endpoints: ProviderConfig[] = [...config.endpoints, ...envProviderConfigs(runEnv.env), ...suites.flatMap((s) => s.endpoints)];
    const registry = new ProviderRegistry({
      keys,
      providers: endpoints,
      redactPatterns: config.history.redact,
      // The CLI runs what the user points it at: exec:, script and http transform providers included.
      trustedCode: true,
      environment: io.env,
      ...(config.maxResponseMB !== undefined ? { maxResponseBytes: config.maxResponseMB * 1024 * 1024 } : {}),
      log: (level, message) => {
        if (level === 'warn' || level === 'error') err(`${level}: ${message}`);
      },
    });
    // One redactor for all this command writes or prints (the history gets the same secrets): every key,
    // header value and URL credential in use, so even a key a server echoes back in odd places is caught.
    // The collector's header values (an API key, most often) are secrets too.
    const secrets = [...(await registry.secretsInUse()), ...Object.values(otlp?.options.headers ?? {})];
    redactor = createRedactor({ patterns: config.history.redact, secrets });
    const used = modelsUsed(suites, grading);
    const preflight = [...used.problems, ...(await checkModels(used.uses, registry, keys))];
    if (args.list) {
      await printPlan(io.stdout, suites, used.uses, preflight, registry, keys, args.repeat, args.batch);
      return preflight.length > 0 ? 2 : 0;
    }
    for (const p of preflight) err(`error: ${p.message}`);
    const unbatchable = args.batch ? batchRefusals(suites, (file) => relative(io.cwd, file) || file) : [];
    for (const line of unbatchable) err(`error: ${line}`);
    if (preflight.length > 0 || unbatchable.length > 0) {
      err('nothing was run');
      return 2;
    }

    const pricing = new PriceBook({ ...config.pricing, ...priceAliases(suites, config.pricing) });
    const engine = new Engine({
      registry,
      concurrency: args.concurrency ?? config.concurrency ?? 4,
      requestTimeoutMs: (config.requestTimeoutSeconds ?? 120) * 1000,
      pricing,
      log: (level, message) => {
        if (level === 'warn' || level === 'error') err(`${level}: ${message}`);
      },
    });

    const store = storePromise.then((opened) => {
      if (typeof opened === 'string') {
        historyFailure = opened;
        err(`error: history is off for this run: ${opened}`);
      }
      if (!opened || typeof opened === 'string') return null;
      const { recovered, replayed, readOnlyReason } = opened.openReport;
      if (recovered) err(`warning: history: ${recovered.message}`);
      if (replayed && replayed.rows > 0) {
        const runs = replayed.interruptedRuns.length;
        err(`history: added back ${replayed.rows} unsaved row${replayed.rows === 1 ? '' : 's'} left by ${replayed.journals} interrupted process${replayed.journals === 1 ? '' : 'es'}${runs > 0 ? ` (${runs} run${runs === 1 ? '' : 's'} marked interrupted)` : ''}`);
      }
      if (readOnlyReason) {
        historyFailure = readOnlyReason;
        err(`error: history: ${readOnlyReason}`);
      }
      // Problems during the run are warnings: a later save may succeed. The final save decides (below).
      opened.onProblem((message) => err(`warning: history: ${message}`));
      // A collector outage is news, never a failed run: the spans wait in the export queue.
      opened.onExportNotice((n) => err(`${n.level === 'warning' ? 'warning: ' : ''}${n.message}`));
      // The store opened before the keys were known: it gets them before the run's first write.
      return opened.addSecrets(secrets).then(() => opened);
    });

    // No call before the history records: from the first answer on, its crash journal keeps every call
    // through a kill. The worker started with the command, so this waits only when loading was quicker;
    // meanwhile the providers load their SDKs, which the first call would otherwise wait for.
    const [beforeRun] = await Promise.all([store, registry.warmUp(suites.flatMap((s) => s.models.map((m) => m.ref)))]);
    // Judges are measured on the ratings recorded before this run (its own outputs have none yet).
    const standing = beforeRun && wantsCalibration(args) ? await loadCalibration(beforeRun, args) : undefined;
    const progress = new Progress(io.stdout, io.stdout.isTTY === true);
    const total = suites.reduce((n, s) => n + plannedExecutions(s, args.repeat), 0);
    let batch: { dispatcher: BatchDispatcher; runIds: string[]; startedAt: number } | undefined;
    if (args.batch) {
      const setup = batchSetup ?? { state: { format: BATCH_STATE_FORMAT, command: verb, argv: [...io.argv], cwd: io.cwd, runIds: suites.map(() => newId(startedAt)), startedAt, batches: [] }, cancel: false, resumed: false };
      if (setup.state.runIds.length !== suites.length) {
        err(`error: --resume: the run had ${setup.state.runIds.length} suite${setup.state.runIds.length === 1 ? '' : 's'}; its files now load ${suites.length}. They changed since the run started, so its batches cannot be matched to cases. Nothing was run.`);
        return 2;
      }
      const out = (line: string): void => void io.stdout.write(terminalSafe(redactor.text(line)) + '\n');
      const dispatcher = await batchDispatcher({
        engine,
        registry,
        pricing,
        expected: total,
        signal: io.signal,
        store,
        setup,
        ...(args.pollMaxSeconds !== undefined ? { pollMaxSeconds: args.pollMaxSeconds } : {}),
        liveGraders: args.liveGraders,
        ...(args.history !== undefined ? { history: args.history } : {}),
        out,
        warn: err,
      });
      batch = { dispatcher, runIds: setup.state.runIds, startedAt: setup.state.startedAt };
    }
    progress.start(total);
    // The suites run together, so select-best and max-score compare every prompt of a promptfoo config.
    const comparisons = new ComparisonHub(suites, args.repeat);
    const running = Promise.all(
      suites.map((suite, i) =>
        runTests({
          suite,
          engine,
          store,
          grading,
          comparisons,
          trusted: true,
          limits: config.limits,
          ...(args.repeat !== undefined ? { repeat: args.repeat } : {}),
          useCache: args.cache,
          signal: io.signal,
          // The store's close (below) waits for the last rows; the reports are written meanwhile.
          waitForHistory: false,
          kind: 'cli',
          runConfig: { models: suite.models.map((m) => m.label), concurrency: args.concurrency ?? config.concurrency ?? 4, filter: args.filter ?? null },
          onCaseFinished: (e) => progress.update(e.status),
          onWarning: (message) => err(`warning: ${message}`),
          ...(batch ? { caller: batch.dispatcher.callerFor(i), runId: batch.runIds[i]!, startedAt: batch.startedAt, stableIds: true } : {}),
        }),
      ),
    );
    // A batch run stopped by Ctrl+C leaves its batches running: nothing is reported, --resume finishes it.
    const runReports = batch ? await Promise.race([running, batch.dispatcher.whenDetached.then(() => null)]) : await running;
    progress.end();
    if (runReports === null) {
      const opened = await store;
      closing = opened?.close();
      err(`interrupted (${String(io.signal.reason ?? 'SIGINT')})`);
      return interruptedExitCode(io.signal);
    }
    // The final save runs in the store's worker while the reports are printed and written.
    const opened = await store;
    closing = opened?.close();

    // The providers redacted each call with its own key; this pass catches the rest (another provider's key
    // in a reply, a grader's output, a header value in a message).
    const reports = runReports.map((r) => redactor.value(r));
    for (const r of reports) printReport(io.stdout, r);
    const totals = sumTotals(reports.map((r) => r.totals));
    if (standing) for (const line of judgeLines(reports, standing, args)) io.stdout.write(terminalSafe(line) + '\n');
    const excused = standing && args.uncalibratedCannotFail ? excusedFailures(reports, standing) : 0;
    const elapsed = performance.now() - t0;
    io.stdout.write(`\n${totalsLine(totals, elapsed)}\n`);

    const written = writeReportFiles(io.cwd, args, reports, {
      tool: TOOL,
      startedAt,
      durationMs: () => performance.now() - t0,
      suites,
      ...(shard ? { shard: shardSection(shard, shardedSuites) } : {}),
      ...(standing ? { judges: standing } : {}),
    });
    for (const p of written) err(`error: ${p}`);
    const writeFailed = written.length > 0;

    // The reports are written; now the history's last save must have landed for the run to count as recorded.
    if (opened && closing) {
      const saved = (await closing) as Awaited<ReturnType<TraceStore['close']>>;
      if (saved.error) {
        historyFailure ??= saved.error;
        err(`error: history was not saved to ${projectPath(io.cwd, opened.path)}: ${saved.error}`);
      } else if (!historyFailure) io.stdout.write(`history: ${projectPath(io.cwd, opened.path)}\n`);
    }

    if (io.signal.aborted) {
      err(`interrupted (${String(io.signal.reason ?? 'SIGINT')})`);
      return interruptedExitCode(io.signal);
    }
    if (writeFailed) return 2;
    const rate = overallPassRate(totals);
    const passed = (totals.failed - excused === 0 && totals.errors === 0) || (args.failUnder !== undefined && rate !== null && rate >= args.failUnder);
    if (!passed) return args.promptfooExitCodes ? 100 : 1;
    if (args.failOnRegression) {
      const regressed = regressedModels(reports, args.failOnRegression);
      if (regressed.length > 0) {
        err(`error: --fail-on-regression ${args.failOnRegression}: ${args.failOnRegression === 'any' ? 'cases regressed' : 'the pass rate dropped significantly'} against the previous run (${regressed.join('; ')})`);
        return args.promptfooExitCodes ? 100 : 1;
      }
    }
    if (totals.failed - excused > 0 || totals.errors > 0) io.stdout.write(`pass rate ${pct(rate)} ≥ --fail-under ${pct(args.failUnder ?? 0)}\n`);
    else if (excused > 0) io.stdout.write(`${excused} failure${excused === 1 ? ' rests' : 's rest'} on uncalibrated judges alone: not counted (--uncalibrated-cannot-fail)\n`);
    return historyFailure !== undefined ? 3 : 0;
  } finally {
    const s = await storePromise;
    if (closing) await closing;
    else if (s && typeof s !== 'string') await s.close();
  }
}

/** `assay test`: run test banks through models, for CI. */
export const testCommand: CliCommand = {
  summary: 'Run test cases through models and check their assertions (JSON and JUnit output for CI)',
  usage: USAGE,
  run: (io) => run(io, 'test'),
};

/** `assay eval`: `assay test` with promptfoo's CLI conventions (`-c`, `-o`, exit code 100). */
export const evalCommand: CliCommand = {
  summary: "Run a promptfoo config with promptfoo's conventions (-c, -o results.json, exit 100 on failures)",
  usage: EVAL_USAGE,
  run: (io) => run(io, 'eval'),
};
