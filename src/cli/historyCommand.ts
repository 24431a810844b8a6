import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { MergeError } from '../core/run/mergeShards';
import { reportRuns, type ReportRun } from '../core/run/reportHistory';
import { exportOtlp } from '../core/export/otlpExport';
import { foreignHistoryFile, resolveHistoryPath } from '../core/store/historyLocation';
import type { ExportResult, StoreStats, TraceFilter, TraceStatus } from '../core/store/storeTypes';
import { TraceStore } from '../core/store/traceStore';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';
import { eachArg } from './cliArgs';

/** Export formats by name; each writes the filtered traces to `out`. */
export const EXPORT_FORMATS: Record<string, (store: TraceStore, filter: TraceFilter, out: string, options: { messages: boolean }) => Promise<ExportResult>> = {
  jsonl: (store, filter, out) => store.exportJsonl(filter, out),
  otlp: (store, filter, out, options) => exportOtlp(store, filter, out, { includeMessages: options.messages }),
};

const USAGE = `Usage: assay history stats [--json] [--path FILE]
       assay history export --out FILE [--format ${Object.keys(EXPORT_FORMATS).join('|')}] [filters] [--path FILE]
       assay history import FILE [--origin NAME] [--path FILE]

Reads the history that Assay records in .assay/history.sqlite (the current folder's, or --path).

  stats                Row counts, file size, time span and a line per model
  export               Every matching trace in full, oldest first (jsonl: one JSON object per line;
                       otlp: OpenTelemetry spans with gen_ai.* attributes, OTLP/JSON, one request per line)
  import FILE          A teammate's or a CI job's history file (.sqlite) or Assay JSON report (--json) into
                       this history; its runs are marked with their origin (--origin NAME, default the
                       file's name) and are never the "previous run" a local run compares with. Importing
                       the same file again adds nothing; a file that is neither is refused, untouched

  --path FILE          The history file (default .assay/history.sqlite)
  --json               stats as JSON
  --origin NAME        import: where the runs came from (e.g. alice, ci-1234)
  --out FILE           Where export writes (required)
  --format NAME        Export format (default jsonl)
  --messages           otlp: include prompts and outputs (gen_ai.input.messages, gen_ai.output.messages)
Filters for export:
  --model NAME  --provider NAME  --prompt PATH  --run ID  --case ID  --status ok|error  --text TEXT
  --since TIME  --until TIME     An ISO date/time, or an age such as 30m, 24h, 7d`;

const AGE = /^(\d+(?:\.\d+)?)(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An ISO date/time or an age (`30m`, `24h`, `7d`) → ms since the epoch. */
export function parseTime(text: string, now = Date.now()): number | null {
  const age = AGE.exec(text.trim());
  if (age) return now - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS];
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/**
 * Takes a trace filter option every history reader shares (`--prompt`, `--model`, `--provider`, `--run`,
 * `--since`, `--until`) into `filter`; false for any other option.
 */
export function traceFilterOption(name: string, value: () => string, filter: TraceFilter): boolean {
  const time = (): number => {
    const v = value();
    const t = parseTime(v);
    if (t === null) throw new UsageError(`${name}: '${v}' is neither a date nor an age like 24h or 7d`);
    return t;
  };
  switch (name) {
    case '--prompt': filter.promptPath = value(); break;
    case '--model': filter.model = value(); break;
    case '--provider': filter.provider = value(); break;
    case '--run': filter.runId = value(); break;
    case '--since': filter.from = time(); break;
    case '--until': filter.to = time(); break;
    default: return false;
  }
  return true;
}

interface Parsed {
  sub: 'stats' | 'export' | 'import';
  file?: string;
  origin?: string;
  path?: string;
  json: boolean;
  out?: string;
  format: string;
  messages: boolean;
  filter: TraceFilter;
}

function parse(argv: string[]): Parsed {
  const [sub, ...rest] = argv;
  if (sub !== 'stats' && sub !== 'export' && sub !== 'import') throw new UsageError(sub ? `unknown subcommand '${sub}'\n${USAGE}` : `missing subcommand\n${USAGE}`);
  const p: Parsed = { sub, json: false, format: 'jsonl', messages: false, filter: {} };
  eachArg(rest, (name, value, arg) => {
    if (traceFilterOption(name, value, p.filter)) return;
    switch (name) {
      case '--path': p.path = value(); break;
      case '--json': p.json = true; break;
      case '--out': p.out = value(); break;
      case '--format': p.format = value(); break;
      case '--messages': p.messages = true; break;
      case '--origin': p.origin = value(); break;
      case '--case': p.filter.caseId = value(); break;
      case '--text': p.filter.text = value(); break;
      case '--status': {
        const s = value();
        if (s !== 'ok' && s !== 'error') throw new UsageError(`--status must be ok or error, not '${s}'`);
        p.filter.status = s as TraceStatus;
        break;
      }
      default:
        if (p.sub === 'import' && !arg.startsWith('-') && p.file === undefined) p.file = arg;
        else throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
    }
  });
  if (p.sub === 'import' && !p.file) throw new UsageError(`import needs a FILE: a history (.sqlite) or an Assay JSON report\n${USAGE}`);
  if (p.sub === 'export') {
    if (!p.out) throw new UsageError(`export needs --out FILE\n${USAGE}`);
    if (!EXPORT_FORMATS[p.format]) throw new UsageError(`unknown format '${p.format}' (${Object.keys(EXPORT_FORMATS).join(', ')})`);
  }
  return p;
}

const int = (n: number) => n.toLocaleString('en-US');
const when = (t: number | null) => (t === null ? '—' : new Date(t).toISOString().replace('T', ' ').slice(0, 16) + 'Z');

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `  (1 interrupted, 2 cancelled)`: the runs that did not simply finish. */
function runStatusText(s: StoreStats): string {
  const other = Object.entries(s.runStatuses ?? {}).filter(([status]) => status !== 'done');
  return other.length ? `  (${other.map(([status, n]) => `${int(n ?? 0)} ${status}`).join(', ')})` : '';
}

function formatStats(s: StoreStats): string {
  const c = s.counts;
  const lines = [
    `History          ${s.path}`,
    `On disk          ${s.fileBytes ? size(s.fileBytes) : 'not written yet'} (schema ${s.schemaVersion})`,
    `Traces           ${int(c.traces)}${c.traces ? `  (${when(s.oldestTraceAt)} … ${when(s.newestTraceAt)})` : ''}`,
    `Runs             ${int(c.runs)}${runStatusText(s)}`,
    `Prompt versions  ${int(c.promptVersions)}`,
    `Evaluations      ${int(c.evaluations)}`,
    `Feedback         ${int(c.feedback)}`,
  ];
  if (s.byModel.length) {
    const width = Math.max(5, ...s.byModel.map((m) => m.provider.length + m.model.length + 1));
    lines.push('', `${'Model'.padEnd(width)}  ${'Traces'.padStart(8)}  ${'Errors'.padStart(7)}  ${'Cost'.padStart(10)}`);
    for (const m of s.byModel) {
      lines.push(`${`${m.provider}:${m.model}`.padEnd(width)}  ${int(m.traces).padStart(8)}  ${int(m.errors).padStart(7)}  ${`$${m.cost.toFixed(4)}`.padStart(10)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Imports a history file, or a JSON report by way of a temporary history, into `store`. */
async function importFile(io: CliIo, store: TraceStore, file: string, origin: string | undefined): Promise<number> {
  const label = origin ?? basename(file);
  let result: Awaited<ReturnType<TraceStore['importHistory']>>;
  if (!existsSync(file)) result = { error: `${file}: no such file; nothing was imported` };
  else if (foreignHistoryFile(file) === undefined) result = await store.importHistory(file, { origin: label });
  else {
    const runs = readReport(file);
    if ('error' in runs) result = runs;
    else {
      const dir = mkdtempSync(join(tmpdir(), 'assay-import-'));
      try {
        const staged = join(dir, 'report.sqlite');
        await stageRuns(staged, runs);
        result = await store.importHistory(staged, { origin: label });
        if (!('error' in result)) result.source = file;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  if ('error' in result) {
    io.stderr.write(`assay history import: ${result.error}\n`);
    return 2;
  }
  io.stdout.write(`imported from ${result.source} (origin ${label}): ${int(result.runs)} runs, ${int(result.traces)} traces, ${int(result.evaluations)} evaluations, ${int(result.feedback)} feedback, ${int(result.promptVersions)} prompt versions\n`);
  if (result.saveError) {
    io.stderr.write(`assay history import: not saved: ${result.saveError}\n`);
    return 3;
  }
  return 0;
}

function readReport(file: string): ReportRun[] | { error: string } {
  try {
    return reportRuns(JSON.parse(readFileSync(file, 'utf8')), file);
  } catch (err) {
    if (err instanceof MergeError) return { error: `${err.message}; nothing was imported` };
    return { error: `${file}: neither an Assay history nor an Assay JSON report (${(err as Error).message}); nothing was imported` };
  }
}

/** Writes a report's runs into a new history file, through the store's own checks and redaction. */
async function stageRuns(path: string, runs: ReportRun[]): Promise<void> {
  const staging = await TraceStore.open({ path, maxTraces: 0, journal: false });
  try {
    for (const r of runs) {
      await staging.startRun(r.run);
      await staging.addTraces(r.traces);
      await staging.addEvaluations(r.evaluations);
      await staging.finishRun(r.run.id, r.finish);
    }
  } finally {
    const saved = await staging.close();
    if (saved.error) throw new Error(`cannot stage the report: ${saved.error}`);
  }
}

async function run(io: CliIo): Promise<number> {
  const p = parse(io.argv);
  const path = p.path ? resolve(io.cwd, p.path) : resolveHistoryPath(io.cwd);
  if (!existsSync(path)) io.stderr.write(`assay history: no history at ${path} yet\n`);
  // Read-only use: nothing is saved, so retention never runs here.
  const store = await TraceStore.open({ path, maxTraces: 0 });
  try {
    const report = store.openReport;
    if (report.recovered) io.stderr.write(`assay history: ${report.recovered.message}\n`);
    if (report.readOnlyReason) io.stderr.write(`assay history: ${report.readOnlyReason}\n`);
    if (p.sub === 'import') return await importFile(io, store, resolve(io.cwd, p.file!), p.origin);
    if (p.sub === 'stats') {
      const stats = await store.stats();
      io.stdout.write(p.json ? JSON.stringify(stats, null, 2) + '\n' : formatStats(stats));
      return 0;
    }
    const out = resolve(io.cwd, p.out!);
    const result = await EXPORT_FORMATS[p.format]!(store, p.filter, out, { messages: p.messages });
    if ('error' in result) {
      io.stderr.write(`assay history export: ${result.error}\n`);
      return 2;
    }
    io.stderr.write(`exported ${int(result.count)} trace${result.count === 1 ? '' : 's'} to ${result.path}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `assay history`: statistics and exports of the recorded history. */
export const historyCommand: CliCommand = {
  summary: 'Show history statistics, export traces, or import a history or JSON report (stats, export, import)',
  usage: USAGE,
  run,
};
