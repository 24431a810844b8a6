import type * as vscode from 'vscode';
import { registerCommands } from './host/commands';
import { Ctx } from './host/context';
import { registerLanguageFeatures } from './host/language/registerLanguageFeatures';
import { registerPlayground } from './host/playground/registerPlayground';
import { registerTesting } from './host/testing/registerTesting';
import { registerTraceExplorer } from './host/traces/traceExplorer';

let ctx: Ctx | undefined;

/** Kept thin: build the context, register features, nothing heavy (SDKs and sql.js load on first use). */
export function activate(context: vscode.ExtensionContext): void {
  ctx = new Ctx(context);
  context.subscriptions.push(ctx);
  registerCommands(ctx);
  registerLanguageFeatures(ctx);
  registerPlayground(ctx);
  registerTesting(ctx);
  registerTraceExplorer(ctx);
}

/** Saves the history before VS Code shuts the extension host down. */
export async function deactivate(): Promise<void> {
  const current = ctx;
  ctx = undefined;
  try {
    await current?.services.close();
  } finally {
    current?.dispose();
  }
}
