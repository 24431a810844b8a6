// `assay calibrate`: each LLM judge (model-graded assertion) against the people's 👍/👎 on the same
// outputs — agreement, Cohen's kappa, the confusion matrix and the outputs they disagree on.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeJsonFile } from '../core/run/jsonFile';
import { calibrateJudges, DEFAULT_KAPPA_THRESHOLD, DEFAULT_MIN_LABELS, type JudgeCalibration } from '../core/stats/calibration';
import { foreignHistoryFile, resolveHistoryPath } from '../core/store/historyLocation';
import type { TraceFilter } from '../core/store/storeTypes';
import { TraceStore } from '../core/store/traceStore';
import { eachArg, parseKappa, positiveInt } from './cliArgs';
import { UsageError, type CliCommand, type CliIo } from './cliTypes';
import { traceFilterOption } from './historyCommand';
import { terminalSafe } from './terminalText';

const USAGE = `Usage: assay calibrate [--history PATH] [--threshold K] [--min-labels N] [filters] [--json FILE]

Sets each LLM judge (a model-graded assertion type such as llm-rubric, split by its metric: name when it has
one) against the people's ratings of the same outputs: 👍/👎 from the trace explorer, and reviewers' labels
brought in with 'assay review import'. For each judge: how many rated outputs it judged, the agreement,
Cohen's kappa, the confusion matrix, and the outputs they disagree on (with the trace id to open). A judge
whose kappa is below the threshold is uncalibrated; 'assay test --judge-threshold K
--uncalibrated-cannot-fail' keeps it from failing a CI run on its own. See docs/cli.md.

  --history PATH     The history (default .assay/history.sqlite)
  --threshold K      Kappa below which a judge is uncalibrated (default ${DEFAULT_KAPPA_THRESHOLD})
  --min-labels N     Rated outputs a judge needs to be measured at all (default ${DEFAULT_MIN_LABELS})
  --examples N       Disagreements listed per judge (default 10; --json lists all)
  --json FILE        Write the calibration as JSON
Filters: --prompt PATH  --model NAME  --provider NAME  --run ID  --since TIME  --until TIME

Exit codes: 0 reported (whatever the judges' standing), 2 a usage or history problem.`;

interface CalibrateArgs {
  history?: string;
  threshold: number;
  minLabels: number;
  examples: number;
  json?: string;
  filter: TraceFilter;
}

function parseArgs(argv: string[]): CalibrateArgs {
  const a: CalibrateArgs = { threshold: DEFAULT_KAPPA_THRESHOLD, minLabels: DEFAULT_MIN_LABELS, examples: 10, filter: {} };
  eachArg(
    argv,
    (name, value, arg) => {
      if (traceFilterOption(name, value, a.filter)) return;
      switch (name) {
        case '--history': a.history = value(); break;
        case '--threshold': a.threshold = parseKappa('--threshold', value()); break;
        case '--min-labels': a.minLabels = positiveInt('--min-labels', value(), 1_000_000); break;
        case '--examples': a.examples = positiveInt('--examples', value(), 10_000); break;
        case '--json': a.json = value(); break;
        default:
          throw new UsageError(`unknown ${arg.startsWith('-') ? 'option' : 'argument'} '${arg}'\n${USAGE}`);
      }
    },
    USAGE,
  );
  return a;
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
const kappaText = (k: number | null): string => (k === null ? 'undefined' : k.toFixed(3));

function oneLine(text: string | null, max = 120): string {
  const flat = terminalSafe((text ?? '').slice(0, max * 4).replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const STATUS_WORDS: Record<JudgeCalibration['status'], string> = {
  calibrated: 'calibrated',
  uncalibrated: 'UNCALIBRATED',
  'too-few-labels': 'too few labels to tell',
};

/** One judge as the terminal shows it. */
function formatJudge(j: JudgeCalibration, threshold: number, examples: number): string {
  const c = j.confusion;
  const w = Math.max(4, ...[c.bothPass, c.judgePassHumanFail, c.judgeFailHumanPass, c.bothFail].map((n) => String(n).length));
  const lines = [
    `${terminalSafe(j.judge)}: ${STATUS_WORDS[j.status]} — kappa ${kappaText(j.kappa)} (threshold ${threshold}), agreement ${pct(j.agreement)} on ${j.labels} rated output${j.labels === 1 ? '' : 's'}`,
    `                 judge pass  judge fail`,
    `    person 👍     ${String(c.bothPass).padStart(w).padEnd(10)}  ${String(c.judgeFailHumanPass).padStart(w)}`,
    `    person 👎     ${String(c.judgePassHumanFail).padStart(w).padEnd(10)}  ${String(c.bothFail).padStart(w)}`,
  ];
  if (j.disagreements.length > 0) lines.push(`  disagreements (${j.disagreements.length}):`);
  for (const d of j.disagreements.slice(0, examples)) {
    lines.push(`  - ${terminalSafe(d.caseId ?? '(no case)')} on ${terminalSafe(d.model)}: judge ${d.pass ? 'passed' : 'failed'}, person ${d.rating === 1 ? '👍' : '👎'}  (trace ${d.traceId})`);
    if (d.reason) lines.push(`      judge: ${oneLine(d.reason)}`);
    if (d.note) lines.push(`      note: ${oneLine(d.note)}`);
    lines.push(`      output: ${oneLine(d.output) || '(empty)'}`);
  }
  if (j.disagreements.length > examples) lines.push(`  … and ${j.disagreements.length - examples} more (--examples N, or --json)`);
  return lines.join('\n') + '\n';
}

async function run(io: CliIo): Promise<number> {
  const a = parseArgs(io.argv);
  const path = a.history ? resolve(io.cwd, a.history) : resolveHistoryPath(io.cwd);
  if (!existsSync(path)) {
    io.stderr.write(`assay calibrate: no history at ${path}; run tests with history and rate outputs (or 'assay review import') first\n`);
    return 2;
  }
  const foreign = foreignHistoryFile(path);
  if (foreign) {
    io.stderr.write(`assay calibrate: ${path} is not an Assay history (${foreign})\n`);
    return 2;
  }
  const store = await TraceStore.open({ path, maxTraces: 0 });
  try {
    const judges = calibrateJudges(await store.labeledVerdicts(a.filter), { threshold: a.threshold, minLabels: a.minLabels });
    if (a.json) {
      try {
        writeJsonFile(resolve(io.cwd, a.json), { format: 'assay-calibration', version: 1, threshold: a.threshold, minLabels: a.minLabels, judges });
      } catch (err) {
        io.stderr.write(`assay calibrate: cannot write ${a.json}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
        return 2;
      }
    }
    if (judges.length === 0) {
      io.stdout.write('no rated output was judged by a model-graded assertion: rate outputs 👍/👎 in the trace explorer or import reviewers\' labels (assay review import)\n');
      return 0;
    }
    for (const j of judges) io.stdout.write(formatJudge(j, a.threshold, a.examples) + '\n');
    const count = (status: JudgeCalibration['status']): number => judges.filter((j) => j.status === status).length;
    io.stdout.write(`${judges.length} judge${judges.length === 1 ? '' : 's'}: ${count('calibrated')} calibrated, ${count('uncalibrated')} uncalibrated\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `assay calibrate`: LLM judges against people's ratings. */
export const calibrateCommand: CliCommand = {
  summary: "Set each LLM judge's verdicts against people's 👍/👎 on the same outputs (agreement, Cohen's kappa)",
  usage: USAGE,
  run,
};
