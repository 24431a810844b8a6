// The report files `assay test` and `assay merge` write (--json, -o/--output, --junit, --html), from run reports:
// one place, so a merged report is written by exactly the code that writes an unsharded run's.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeJsonFile } from '../core/run/jsonFile';
import { junitPieces } from '../core/run/junit';
import { promptfooOutput, type PromptfooSuiteFacts } from '../core/run/promptfooOutput';
import { jsonReport, type RunReport } from '../core/run/runReport';
import { reviewReportData } from '../core/report/reviewData';
import { reviewReportHtml } from '../core/report/reviewHtml';
import { reviewPageScript } from '../core/report/reviewScript';
import { UsageError } from './cliTypes';
import type { ShardSection } from '../core/run/shard';
import type { JudgeCalibration } from '../core/stats/calibration';

/** Which files to write (paths relative to `cwd`). */
export interface ReportTargets {
  json?: string;
  output?: string;
  junit?: string;
  html?: string;
}

/** Takes a report option (--json, --junit, -o/--output) into `targets`; false for any other option. */
export function reportOption(name: string, value: () => string, targets: ReportTargets): boolean {
  switch (name) {
    case '--json':
      targets.json = value();
      return true;
    case '--junit':
      targets.junit = value();
      return true;
    case '--html':
      targets.html = value();
      return true;
    case '-o':
    case '--output': {
      const v = value();
      if (!/\.json$/i.test(v)) throw new UsageError(`--output writes promptfoo's JSON shape: give a .json file (got '${v}'); use --junit for XML`);
      targets.output = v;
      return true;
    }
    default:
      return false;
  }
}

/** What the files say besides the reports. */
export interface ReportMeta {
  tool: string;
  startedAt: number;
  /** Called as each file is written: the run's duration so far. */
  durationMs: () => number;
  /** The suites the reports ran, in the same order (promptfoo's output needs their prompts and model ids). */
  suites: readonly PromptfooSuiteFacts[];
  /** A shard's run: the JSON report's `shard` section. */
  shard?: ShardSection;
  /** The judges' standing against people's ratings (`--judge-threshold`): the HTML report marks each judge's verdicts with it. */
  judges?: ReadonlyMap<string, JudgeCalibration>;
}

/** Writes a report file (in pieces: a report can be larger than one string may be); the problem, if any. */
function writeOutput(path: string, write: (path: string) => void): string | undefined {
  try {
    mkdirSync(dirname(path), { recursive: true });
    write(path);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `cannot write ${path}: ${e.code ?? e.message ?? String(err)}`;
  }
}

function writePieces(path: string, pieces: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of pieces) writeSync(fd, piece);
  } finally {
    closeSync(fd);
  }
}

/** Writes the asked-for files; returns the problems (one line each, empty when all were written). */
export function writeReportFiles(cwd: string, targets: ReportTargets, reports: readonly RunReport[], meta: ReportMeta): string[] {
  const problems: string[] = [];
  const write = (target: string | undefined, how: (path: string) => void): void => {
    if (target === undefined) return;
    const problem = writeOutput(resolve(cwd, target), how);
    if (problem) problems.push(problem);
  };
  write(targets.json, (path) =>
    writeJsonFile(path, jsonReport(reports, { tool: meta.tool, startedAt: meta.startedAt, durationMs: meta.durationMs(), ...(meta.shard ? { shard: meta.shard } : {}) })),
  );
  write(targets.output, (path) => writeJsonFile(path, promptfooOutput(reports, { suites: meta.suites, tool: meta.tool, startedAt: meta.startedAt, durationMs: meta.durationMs() })));
  write(targets.junit, (path) => writePieces(path, junitPieces(reports, { startedAt: meta.startedAt, durationMs: meta.durationMs() })));
  write(targets.html, (path) => writePieces(path, [reviewReportHtml(reviewReportData(reports, { tool: meta.tool, generatedAt: Date.now(), ...(meta.judges ? { judges: meta.judges } : {}) }), reviewPageScript())]));
  return problems;
}
