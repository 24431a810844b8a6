import * as vscode from 'vscode';
import { STARTER_PROMPT } from '../core/promptFile/starter';
import { clearApiKeyInteractive, setApiKeyInteractive } from './apiKeys';
import { clearHistory, openHistoryFolder } from './historyCommands';
import { PROMPT_LANGUAGE_ID, type CommandId } from './commandIds';
import type { Ctx } from './context';
import { languageFeatures } from './language/registerLanguageFeatures';
import { openPlayground } from './playground/registerPlayground';
import { testingFeatures } from './testing/registerTesting';
import { calibrateJudgesCommand, exportReport, importReviewLabels } from './testing/reviewCommands';
import { runPromptfooConfig } from './testing/promptfooRun';
import { resumeBatchRun } from './testing/batchResume';
import { TRACE_COMMANDS } from './traces/traceExplorer';

type Handler = (...args: unknown[]) => unknown;

/** The command table: each id maps to a factory that closes over the context. */
const COMMANDS: Record<CommandId, (ctx: Ctx) => Handler> = {
  'assay.newPromptFile': () => async () => {
    const doc = await vscode.workspace.openTextDocument({ language: PROMPT_LANGUAGE_ID, content: STARTER_PROMPT });
    await vscode.window.showTextDocument(doc);
    return doc;
  },
  'assay.setApiKey': (ctx) => (provider?: unknown) => setApiKeyInteractive(ctx.keys, typeof provider === 'string' ? provider : undefined),
  'assay.clearApiKey': (ctx) => () => clearApiKeyInteractive(ctx.keys),
  'assay.openHistoryFolder': (ctx) => () => openHistoryFolder(ctx),
  'assay.clearHistory': (ctx) => () => clearHistory(ctx),
  'assay.previewRenderedPrompt': (ctx) => (target?: unknown, options?: unknown) => languageFeatures(ctx).preview.open(target, options),
  'assay.togglePreviewFormat': (ctx) => (target?: unknown) => languageFeatures(ctx).preview.toggleFormat(target),
  'assay.parseLargePromptFile': (ctx) => (target?: unknown) => languageFeatures(ctx).parseLarge(target),
  'assay.openPlayground': (ctx) => (uri?: unknown, options?: unknown) => openPlayground(ctx, uri instanceof vscode.Uri ? uri : undefined, options),
  'assay.runTestBank': (ctx) => (target?: unknown) => testingFeatures(ctx).runTestBank(target),
  'assay.runTestCase': (ctx) => (target?: unknown, index?: unknown, allModels?: unknown) => testingFeatures(ctx).runTestCase(target, index, allModels),
  'assay.showTestResults': (ctx) => (target?: unknown) => testingFeatures(ctx).showTestResults(target),
  'assay.cancelTestRun': (ctx) => () => testingFeatures(ctx).cancelTestRun(),
  'assay.addToTestBank': (ctx) => (args?: unknown) => testingFeatures(ctx).addToTestBank(args),
  'assay.exportReport': (ctx) => (target?: unknown) => exportReport(testingFeatures(ctx).coordinator, target),
  'assay.importReviewLabels': (ctx) => (target?: unknown) => importReviewLabels(ctx, target),
  'assay.calibrateJudges': (ctx) => () => calibrateJudgesCommand(ctx),
  'assay.runPromptfooConfig': (ctx) => (target?: unknown) => runPromptfooConfig(ctx, target),
  'assay.resumeBatchRun': (ctx) => (runId?: unknown, options?: unknown) => resumeBatchRun(ctx, runId, options),
  ...TRACE_COMMANDS,
};

/** Registers every command, wrapping each so an unexpected error is logged and shown once. */
export function registerCommands(ctx: Ctx): void {
  for (const [id, make] of Object.entries(COMMANDS) as [CommandId, (ctx: Ctx) => Handler][]) {
    const handler = make(ctx);
    ctx.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          ctx.log.error(`${id} failed`, err);
          void vscode.window.showErrorMessage(`Assay: ${message}`, 'Show Log').then((pick) => {
            if (pick) ctx.log.show();
          });
          return undefined;
        }
      }),
    );
  }
}
