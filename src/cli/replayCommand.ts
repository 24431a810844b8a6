import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseModelRef } from '../core/assertions/providerRef';
import { loadProjectConfig } from '../core/config/projectConfig';
import { fileAccess, readTextFile } from '../core/files/safeFiles';
import { PriceBook } from '../core/pricing/pricing';
import { envKeyLookup, envProviderConfigs, ProviderRegistry } from '../core/providers/providerRegistry';
import { Engine } from '../core/run/engine';
import { createGradingContext, DEFAULT_GRADING } from '../core/run/gradingContext';
import { formatReplayMarkdown, Replayer, type ReplayReport } from '../core/run/replay';
import { resolveHistoryPath } from '../core/store/historyLocation';
import { TraceStore } from '../core/store/traceStore';
import type { ModelRef } from '../core/types';
import { terminalSafe } from './terminalText';
import { interruptedExitCode, UsageError, type CliCommand, type CliIo } from './cliTypes';
import { eachArg, positiveInt } from './cliArgs';

const USAGE = `Usage: assay replay RUN_ID [--trace TRACE_ID] [--out REPORT.md] [--json] [--concurrency N] [--path FILE] [--config FILE]

Replays every trace of a recorded run with today's prompt files — the same variables and models, the
prompt's current text and parameters — and reports changed outputs and changed verdicts (the test case's
current assertions judge the old and the new output alike). The replay is recorded as a run of kind
'replay'. Prompt paths in the history are relative to the project folder (assay.config.yaml's, else the
current one); endpoints, graders, pricing and the history path come from that config too.

  --trace ID         Replay one trace instead of a run (give it without RUN_ID)
  --out FILE         Also write the report as Markdown
  --json             Print the report as JSON instead of text
  --concurrency N    Calls in flight at once (default 4)
  --path FILE        The history file (default .assay/history.sqlite)
  --config FILE      The project config (default: assay.config.yaml here or above)

Keys and endpoints: OPENAI_API_KEY, ANTHROPIC_API_KEY, NAME_API_KEY; OPENAI_BASE_URL, ANTHROPIC_BASE_URL.
Graders: ASSAY_GRADER_MODEL (default openai:gpt-5.5), ASSAY_EMBEDDING_MODEL.
Exit codes: 0 no regression, 1 a verdict regressed or a call failed, 2 usage or configuration error.`;

interface Parsed {
  runId?: string;
  traceId?: string;
  out?: string;
  json: boolean;
  concurrency?: number;
  path?: string;
  config?: string;
}

function parse(argv: string[]): Parsed {
  const p: Parsed = { json: false };
  eachArg(argv, (name, value, arg) => {
    switch (name) {
      case '--trace': p.traceId = value(); break;
      case '--out': p.out = value(); break;
      case '--json': p.json = true; break;
      case '--path': p.path = value(); break;
      case '--config': p.config = value(); break;
      case '--concurrency': p.concurrency = positiveInt('--concurrency', value(), 256); break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
        if (p.runId) throw new UsageError(`one run at a time: '${p.runId}' and '${arg}'`);
        p.runId = arg;
    }
  });
  if (!p.runId && !p.traceId) throw new UsageError(`missing RUN_ID\n${USAGE}`);
  if (p.runId && p.traceId) throw new UsageError('give a RUN_ID or --trace ID, not both');
  return p;
}

function modelFromEnv(value: string | undefined, name: string): ModelRef | undefined {
  if (!value?.trim()) return undefined;
  const ref = parseModelRef(value.trim());
  if ('error' in ref) throw new UsageError(`${name}: ${ref.error}`);
  return ref;
}

/** The report as terminal text: the Markdown reads well as it is. */
function printReport(report: ReplayReport, io: CliIo, json: boolean): void {
  io.stdout.write(json ? JSON.stringify(report, null, 2) + '\n' : terminalSafe(formatReplayMarkdown(report)));
}

async function run(io: CliIo): Promise<number> {
  const p = parse(io.argv);
  const loaded = loadProjectConfig(io.cwd, p.config);
  for (const problem of loaded.problems) io.stderr.write(`assay replay: ${problem.severity}: ${problem.message}\n`);
  if (loaded.problems.some((x) => x.severity === 'error')) return 2;
  const config = loaded.config;
  const grading = {
    graderModel: modelFromEnv(io.env.ASSAY_GRADER_MODEL, 'ASSAY_GRADER_MODEL') ?? config.grader.model ?? DEFAULT_GRADING.graderModel,
    embeddingModel: modelFromEnv(io.env.ASSAY_EMBEDDING_MODEL, 'ASSAY_EMBEDDING_MODEL') ?? config.grader.embeddingModel ?? DEFAULT_GRADING.embeddingModel,
  };
  const path = p.path ? resolve(io.cwd, p.path) : (config.history.path ?? resolveHistoryPath(config.root));
  if (!existsSync(path)) {
    io.stderr.write(`assay replay: no history at ${path}\n`);
    return 2;
  }
  const registry = new ProviderRegistry({
    keys: envKeyLookup(io.env),
    providers: [...config.endpoints, ...envProviderConfigs(io.env)],
    redactPatterns: config.history.redact,
    trustedCode: true,
    environment: io.env,
    ...(config.maxResponseMB !== undefined ? { maxResponseBytes: config.maxResponseMB * 1024 * 1024 } : {}),
    log: (level, message) => {
      if (level === 'warn' || level === 'error') io.stderr.write(`assay replay: ${message}\n`);
    },
  });
  const engine = new Engine({
    registry,
    concurrency: p.concurrency ?? config.concurrency ?? 4,
    requestTimeoutMs: (config.requestTimeoutSeconds ?? 120) * 1000,
    pricing: new PriceBook(config.pricing),
  });
  // The replay is added to the history; no retention here, so a CLI run never drops the user's traces.
  const store = await TraceStore.open({ path, maxTraces: 0, redactPatterns: config.history.redact, redactSecrets: await registry.secretsInUse() });
  try {
    const report = store.openReport;
    if (report.recovered) io.stderr.write(`assay replay: ${report.recovered.message}\n`);
    if (report.readOnlyReason) io.stderr.write(`assay replay: ${report.readOnlyReason}; the replay will not be saved\n`);
    const showProgress = io.stderr !== io.stdout && (io.stderr as { isTTY?: boolean }).isTTY === true;
    // Today's prompt files and banks are read from the project, like `assay test` reads them.
    const files = fileAccess({ roots: [config.root], rootLabel: 'project', limitName: 'files.maxSizeMB in assay.config.yaml', ...(config.files.maxSizeMB !== undefined ? { maxSizeMB: config.files.maxSizeMB } : {}) });
    const replayer = new Replayer({
      call: (request, options) => engine.call(request, options),
      readFile: async (stored) => {
        const abs = isAbsolute(stored) ? stored : resolve(config.root, stored);
        const read = readTextFile(abs, files, stored);
        if (!('error' in read)) return { text: read.text, absPath: abs };
        if (read.error.code !== 'file-not-found') io.stderr.write(`assay replay: ${read.error.message}\n`);
        return null;
      },
      files,
      grading: createGradingContext(engine, grading, { signal: io.signal }),
      trusted: true,
      limits: config.limits,
      store,
      signal: io.signal,
      ...(showProgress ? { onProgress: (done: number, total: number) => io.stderr.write(`\rreplayed ${done}/${total}`) } : {}),
    });
    const result = p.traceId ? await replayer.replayTrace(p.traceId) : await replayer.replayRun(p.runId!);
    if (showProgress) io.stderr.write('\n');
    if ('error' in result) {
      io.stderr.write(`assay replay: ${result.error}\n`);
      return 2;
    }
    printReport(result, io, p.json);
    if (p.out) {
      const out = resolve(io.cwd, p.out);
      await writeFile(out, formatReplayMarkdown(result));
      io.stderr.write(`wrote ${out}\n`);
    }
    if (io.signal.aborted) return interruptedExitCode(io.signal);
    return result.totals.regressions > 0 || result.totals.errors > 0 ? 1 : 0;
  } finally {
    const saved = await store.close();
    if (saved.error) io.stderr.write(`assay replay: the history was not saved: ${saved.error}\n`);
  }
}

/** `assay replay`: regression replay of a recorded run against today's prompt files. */
export const replayCommand: CliCommand = {
  summary: 'Replay a recorded run against the current prompt files; report changed outputs and verdicts',
  usage: USAGE,
  run,
};
