import { TRACE_COMMAND_IDS } from './traces/traceCommandIds';

/** Every command Assay contributes. A unit test keeps this list and package.json's `contributes.commands` equal. */
export const COMMAND_IDS = [
  'assay.newPromptFile',
  'assay.setApiKey',
  'assay.clearApiKey',
  'assay.openHistoryFolder',
  'assay.clearHistory',
  'assay.previewRenderedPrompt',
  'assay.togglePreviewFormat',
  'assay.parseLargePromptFile',
  'assay.openPlayground',
  'assay.runTestBank',
  'assay.runTestCase',
  'assay.showTestResults',
  'assay.cancelTestRun',
  'assay.addToTestBank',
  'assay.exportReport',
  'assay.importReviewLabels',
  'assay.calibrateJudges',
  'assay.runPromptfooConfig',
  'assay.resumeBatchRun',
  ...TRACE_COMMAND_IDS,
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/**
 * The language id of .prompt/.prompty files. Not `prompt`: VS Code 1.100 ships a built-in `prompt`
 * language (Copilot's *.prompt.md) whose front-matter checker would flag every Assay key.
 */
export const PROMPT_LANGUAGE_ID = 'assay-prompt';
