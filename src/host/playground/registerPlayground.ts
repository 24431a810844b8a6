// What activation registers for the playground: the panel serializer (so panels come back after a reload)
// and the open function behind `assay.openPlayground`. Both load the panel code on first use.
import * as vscode from 'vscode';
import { PLAYGROUND_VIEW_TYPE } from '../../shared/playgroundProtocol';
import type { Ctx } from '../context';
import type { PlaygroundManager } from './playgroundManager';
import type { PlaygroundPanel } from './playgroundPanel';

const managers = new WeakMap<Ctx, Promise<PlaygroundManager>>();

function manager(ctx: Ctx): Promise<PlaygroundManager> {
  let m = managers.get(ctx);
  if (!m) {
    m = import('./playgroundManager').then(({ PlaygroundManager }) => ctx.push(new PlaygroundManager(ctx)));
    managers.set(ctx, m);
  }
  return m;
}

export function registerPlayground(ctx: Ctx): void {
  ctx.push(
    vscode.window.registerWebviewPanelSerializer(PLAYGROUND_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => (await manager(ctx)).revive(panel, state),
    }),
  );
}

/** "Assay: Open Playground" on `uri` (CodeLens and the editor title pass it), else the active prompt file. */
export async function openPlayground(ctx: Ctx, uri?: vscode.Uri): Promise<PlaygroundPanel | undefined> {
  return (await manager(ctx)).open(uri);
}
