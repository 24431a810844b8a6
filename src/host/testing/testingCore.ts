// Part of dist/lazyHost.js (src/host/lazyHost.ts), like the prompt-file core: test runs pull in the
// assertion library, the test-bank loaders, the template engine and the statistics, none of which
// activate() should compile. lazyTestingCore.ts requires it the first time a test feature needs it.
import { parseModelRef } from '../../core/assertions/providerRef';
import { ComparisonHub } from '../../core/run/comparisonHub';
import { checkModels, modelsUsed } from '../../core/run/preflight';
import type { TestSuite } from '../../core/run/testSuite';
import { runTests } from '../../core/run/testRun';
import { projectPath } from '../../core/run/testSuite';
import { reviewReportData } from '../../core/report/reviewData';
import { reviewReportHtml } from '../../core/report/reviewHtml';
import { importReviewLabels, parseLabelsFile } from '../../core/report/reviewLabels';
import { reviewPageScript } from '../../core/report/reviewScript';
import { calibrateJudges } from '../../core/stats/calibration';
import type { RunReport } from '../../core/run/runReport';
import { planAddCase } from '../../core/testBank/addCase';
import { parseTestBank } from '../../core/testBank/loadTestBank';
import { planSuite, targetForBank } from './runPlan';
import { discoverPrompt } from './testDiscovery';

export const testingCore = {
  runTests,
  planSuite,
  targetForBank,
  discoverPrompt,
  modelsUsed,
  checkModels,
  planAddCase,
  parseTestBank,
  parseModelRef,
  projectPath,
  /** The reviewer's HTML report of a run ("Assay: Export Report"), the page `assay test --html` writes. */
  reviewReportHtml: (reports: readonly RunReport[], tool: string) => reviewReportHtml(reviewReportData(reports, { tool, generatedAt: Date.now() }), reviewPageScript()),
  parseLabelsFile,
  importReviewLabels,
  calibrateJudges,
  comparisonHub: (suites: readonly TestSuite[], repeat?: number) => new ComparisonHub(suites, repeat),
};
