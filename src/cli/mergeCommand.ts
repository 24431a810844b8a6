// `assay merge`: the shards of a sharded CI run (`assay test --shard I/N`) combined into the JSON report,
// JUnit file, promptfoo output and history an unsharded run would have written (docs/cli.md#sharding).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import { mergeShardReports, MergeError, type MergedShards, type ShardReportFile } from '../core/run/mergeShards';
import { sumTotals } from '../core/run/runReport';
import { projectPath } from '../core/run/testSuite';
import { expandGlobConfined, fileAccess, hasGlob } from '../core/files/safeFiles';
import { foreignHistoryFile, resolveHistoryPath } from '../core/store/historyLocation';
import { TraceStore } from '../core/store/traceStore';
import { eachArg } from './cliArgs';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';
import { reportOption, writeReportFiles, type ReportTargets } from './reportFiles';
import { printReport, totalsLine } from './testCommand';

const TOOL = 'assay 0.1.0';

const USAGE = `Usage: assay merge FILES... [--json FILE] [--junit FILE] [-o FILE] [--html FILE] [--history PATH]

Combines the shards of a sharded run ('assay test --shard I/N --json shard-I.json --history shard-I.sqlite')
into one report and history, the same as one unsharded run's apart from ids and timings. FILES are every
shard's JSON report and, to merge history too, their history files (globs are expanded). Each suite's
shard runs become one run in the history, compared with later runs like any other. See docs/cli.md.

  --json FILE        Write the merged results as JSON (Assay's format)
  -o, --output FILE  Write them in promptfoo's --output shape (results.json)
  --junit FILE       Write JUnit XML
  --html FILE        Write the HTML report for reviewers (as 'assay test --html')
  --history PATH     The history the shards' histories go into (default .assay/history.sqlite); running
                     the merge again adds nothing

Refused, before anything is written: a report that is not a shard's, shards of different banks or splits,
a shard given twice (overlapping) or missing, a history file that is not a readable Assay history.
Exit codes: 0 merged and every test passed, 1 merged with failures or errors, 2 a problem with the files.`;

interface MergeArgs extends ReportTargets {
  files: string[];
  history?: string;
}

function parseArgs(argv: string[]): MergeArgs {
  const a: MergeArgs = { files: [] };
  eachArg(
    argv,
    (name, value, arg) => {
      if (reportOption(name, value, a)) return;
      if (name === '--history') a.history = value();
      else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
      else a.files.push(arg);
    },
    USAGE,
  );
  if (a.files.length === 0) throw new UsageError(`give the shards' JSON reports (and history files)\n${USAGE}`);
  return a;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** Whether a file starts like a SQLite database (a history) rather than text (a report). */
function isSqlite(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    return head.subarray(0, n).toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

/** The files, globs expanded, sorted into reports (parsed) and histories; a file that cannot be read is a usage error. */
function readInputs(cwd: string, patterns: string[]): { reports: ShardReportFile[]; histories: string[] } {
  const access = fileAccess({ roots: [cwd], allowOutside: true });
  const reports: ShardReportFile[] = [];
  const histories: string[] = [];
  for (const pattern of patterns) {
    const expanded = expandGlobConfined(pattern, cwd, access);
    if ('error' in expanded) throw new UsageError(expanded.error.message);
    if (hasGlob(pattern) && expanded.files.length === 0) throw new UsageError(`${pattern} matches no file`);
    for (const path of expanded.files) {
      const shown = projectPath(cwd, path);
      try {
        if (isSqlite(path)) {
          histories.push(path);
          continue;
        }
        const text = readFileSync(path, 'utf8');
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch (err) {
          throw new UsageError(`${shown}: neither an Assay JSON report nor a history file (${(err as Error).message}); nothing was merged`);
        }
        reports.push({ file: shown, doc });
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`cannot read ${shown}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; nothing was merged`);
      }
    }
  }
  return { reports, histories };
}

/** Imports every shard history into `target`, the shards' runs of a suite as one run. Returns the problems. */
async function mergeHistories(io: CliIo, target: string, histories: string[], merged: MergedShards): Promise<string[]> {
  const foreign = foreignHistoryFile(target);
  if (foreign) return [`${projectPath(io.cwd, target)} is not an Assay history (${foreign}); it was left untouched. Give --history a new or existing .sqlite history`];
  const store = await TraceStore.open({ path: target, maxTraces: 0 });
  const problems: string[] = [];
  const found = new Set<string>();
  try {
    if (store.openReport.readOnlyReason) return [store.openReport.readOnlyReason];
    for (const file of histories) {
      const r = await store.importHistory(file, { origin: null, runs: merged.runs });
      if ('error' in r) {
        problems.push(r.error);
        continue;
      }
      for (const id of r.grouped) found.add(id);
      if (r.saveError) problems.push(`history not saved: ${r.saveError}`);
      io.stdout.write(`history: ${projectPath(io.cwd, file)}: ${r.traces} trace${r.traces === 1 ? '' : 's'}, ${r.runs} run${r.runs === 1 ? '' : 's'} added\n`);
    }
  } finally {
    const saved = await store.close();
    if (saved.error) problems.push(`history not saved: ${saved.error}`);
  }
  const missing = merged.runs.flatMap((g) => g.from.filter((id) => !found.has(id)));
  if (problems.length === 0 && missing.length > 0) problems.push(`no history file given holds the shard run${missing.length === 1 ? '' : 's'} ${missing.join(', ')}: give every shard's history file, or none`);
  if (problems.length === 0) io.stdout.write(`history: ${projectPath(io.cwd, target)}\n`);
  return problems;
}

async function run(io: CliIo): Promise<number> {
  const args = parseArgs(io.argv);
  const { reports, histories } = readInputs(io.cwd, args.files);
  let merged: MergedShards;
  try {
    merged = mergeShardReports(reports);
  } catch (err) {
    if (!(err instanceof MergeError)) throw err;
    io.stderr.write(`error: ${err.message}; nothing was merged\n`);
    return 2;
  }
  const problems: string[] = [];
  if (histories.length > 0) problems.push(...(await mergeHistories(io, args.history ? resolve(io.cwd, args.history) : resolveHistoryPath(io.cwd), histories, merged)));
  problems.push(...writeReportFiles(io.cwd, args, merged.reports, { tool: TOOL, startedAt: merged.startedAt, durationMs: () => merged.durationMs, suites: merged.suites }));
  for (const r of merged.reports) printReport(io.stdout, r);
  const totals = sumTotals(merged.reports.map((r) => r.totals));
  io.stdout.write(`\n${merged.count} shards merged — ${totalsLine(totals, merged.durationMs)}\n`);
  for (const p of problems) io.stderr.write(`error: ${p}\n`);
  if (problems.length > 0) return 2;
  return totals.failed > 0 || totals.errors > 0 ? 1 : 0;
}

/** `assay merge`: the shards of a sharded run as one report, JUnit file and history. */
export const mergeCommand: CliCommand = {
  summary: 'Combine the JSON reports and histories of sharded runs (assay test --shard I/N) into one',
  usage: USAGE,
  run,
};
