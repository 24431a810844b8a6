// `assay review import`: a reviewer's labels file, saved from the HTML report, into the history as
// feedback on the traces it marks (the judge calibration of 'assay calibrate' reads it from there).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { importReviewLabels, parseLabelsFile } from '../core/report/reviewLabels';
import { foreignHistoryFile, resolveHistoryPath } from '../core/store/historyLocation';
import { TraceStore } from '../core/store/traceStore';
import type { ReviewLabel } from '../shared/reviewReport';
import { eachArg } from './cliArgs';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';
import { terminalSafe } from './terminalText';

const USAGE = `Usage: assay review import LABELS.json... [--history PATH]

Brings the labels a reviewer saved from an HTML report ('assay test --html', "Save labels") into the
history as feedback on the results they mark: good is 👍, bad is 👎, with the reviewer's note — as if given
in the trace explorer. Every file is checked first; a problem anywhere imports nothing. Importing the same
file again adds nothing. 'assay calibrate' sets these labels against the judges' verdicts.

  --history PATH   The history the report's run was recorded in (default .assay/history.sqlite)

Exit codes: 0 imported, 2 a problem with the files or the history (nothing was imported), 3 imported but
the history could not be saved.`;

interface ReviewArgs {
  files: string[];
  history?: string;
}

function parseArgs(argv: string[]): ReviewArgs {
  const [sub, ...rest] = argv;
  if (sub !== 'import') throw new UsageError(sub ? `unknown subcommand '${sub}'\n${USAGE}` : `missing subcommand\n${USAGE}`);
  const a: ReviewArgs = { files: [] };
  eachArg(
    rest,
    (name, value, arg) => {
      if (name === '--history') a.history = value();
      else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'\n${USAGE}`);
      else a.files.push(arg);
    },
    USAGE,
  );
  if (a.files.length === 0) throw new UsageError(`import needs a labels file\n${USAGE}`);
  return a;
}

/** Every file's labels, or every problem in them. */
function readLabels(cwd: string, files: string[]): { labels: ReviewLabel[]; problems: string[] } {
  const labels: ReviewLabel[] = [];
  const problems: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, f), 'utf8');
    } catch (err) {
      problems.push(`${f}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      continue;
    }
    const parsed = parseLabelsFile(text, f);
    if ('problems' in parsed) problems.push(...parsed.problems);
    else labels.push(...parsed.labels);
  }
  return { labels, problems };
}

async function run(io: CliIo): Promise<number> {
  const args = parseArgs(io.argv);
  const fail = (problems: string[]): number => {
    for (const p of problems) io.stderr.write(terminalSafe(`assay review import: ${p}`) + '\n');
    io.stderr.write('nothing was imported\n');
    return 2;
  };
  const { labels, problems } = readLabels(io.cwd, args.files);
  if (problems.length > 0) return fail(problems);
  const path = args.history ? resolve(io.cwd, args.history) : resolveHistoryPath(io.cwd);
  const foreign = foreignHistoryFile(path);
  if (foreign) return fail([`${path} is not an Assay history (${foreign}); it was left untouched`]);
  const store = await TraceStore.open({ path, maxTraces: 0 });
  try {
    if (store.openReport.readOnlyReason) return fail([store.openReport.readOnlyReason]);
    const result = await importReviewLabels(store, labels);
    if ('problems' in result) return fail(result.problems);
    const saved = await store.flush();
    io.stdout.write(`imported ${labels.length} label${labels.length === 1 ? '' : 's'} (${result.good} good, ${result.bad} bad) into ${path}\n`);
    if (saved.error) {
      io.stderr.write(`assay review import: not saved: ${saved.error}\n`);
      return 3;
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** `assay review`: reviewers' labels from HTML reports into the history. */
export const reviewCommand: CliCommand = {
  summary: "Import a reviewer's labels file (saved from an 'assay test --html' report) into the history",
  usage: USAGE,
  run,
};
