// The playground's own styles, on top of media/webview.css; VS Code's theme variables only, so light, dark
// and high-contrast themes all read well. Injected as a <style> element (the CSP allows inline styles).
export const PLAYGROUND_CSS = `
body { padding: 0 12px 24px; }
.toolbar .hint { font-size: 0.9em; }
.toolbar .history { display: flex; gap: 4px; align-items: center; }
#status { min-height: 1.4em; }
section { margin: 8px 0 12px; }
details > summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
details > summary:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.inputs-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 280px), 1fr)); gap: 8px 16px; align-items: start; }
.field { display: flex; flex-direction: column; gap: 2px; }
.field vscode-text-area, .field vscode-text-field { width: 100%; }
.field .desc { font-size: 0.9em; }
.case-row { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
/* Side by side while each column gets 240 px; a narrower panel wraps them into rows (nothing is clipped). */
.columns { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(min(100%, 240px), 1fr)); padding-bottom: 4px; }
.column {
  border: 1px solid var(--assay-border);
  border-radius: 4px;
  padding: 8px;
  display: flex;
  flex-direction: column;
  gap: 6px;
  min-width: 0;
  background: var(--vscode-sideBar-background, transparent);
}
.column.running { border-color: var(--vscode-progressBar-background, var(--vscode-focusBorder)); }
.column-head { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
.column-head .model-picker { flex: 1 1 160px; min-width: 0; }
.column-head .model-name { flex: 1 1 auto; font-weight: 600; overflow-wrap: anywhere; }
.input-thumb { max-width: 120px; max-height: 120px; margin-top: 4px; border: 1px solid var(--vscode-panel-border, transparent); }
.thinking { margin: 4px 8px; border-left: 2px solid var(--vscode-textBlockQuote-border, var(--vscode-panel-border)); padding-left: 6px; }
.thinking summary { cursor: pointer; color: var(--vscode-descriptionForeground); }
.thinking-text { white-space: pre-wrap; word-break: break-word; margin: 4px 0; color: var(--vscode-descriptionForeground); }
.params-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(96px, 1fr)); gap: 6px 8px; }
.params-grid vscode-text-field { width: 100%; min-width: 0; }
.stats { font-size: 0.9em; gap: 4px 12px; }
.stats .stat { white-space: nowrap; }
.stats .stat[data-estimated] b { font-style: italic; }
.views { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
.segmented { display: inline-flex; gap: 2px; margin-left: auto; }
.segmented vscode-button { border-radius: 3px; }
.segmented vscode-button[aria-pressed="true"] {
  background: var(--vscode-inputOption-activeBackground, rgba(128, 128, 128, 0.25));
  outline: 1px solid var(--vscode-inputOption-activeBorder, var(--vscode-focusBorder));
}
.output {
  max-height: 50vh;
  min-height: 3em;
  overflow: auto;
  border: 1px solid var(--assay-border);
  border-radius: 3px;
}
.output pre { margin: 0; background: transparent; }
.output .markdown { padding: 0 8px; overflow-wrap: anywhere; }
.output .markdown pre { background: var(--vscode-textCodeBlock-background, rgba(128, 128, 128, 0.1)); margin: 6px 0; }
.output .placeholder { padding: 8px; }
.error-box {
  padding: 6px 8px;
  border-left: 3px solid var(--vscode-inputValidation-errorBorder, var(--assay-error));
  background: var(--vscode-inputValidation-errorBackground, rgba(241, 76, 76, 0.1));
  display: flex; flex-direction: column; gap: 6px; align-items: flex-start;
  overflow-wrap: anywhere;
}
.error-box .kind { font-weight: 600; }
.column-foot { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
.column-foot vscode-text-field { flex: 1 1 120px; }
vscode-button.rating[aria-pressed="true"] {
  outline: 2px solid var(--vscode-inputOption-activeBorder, var(--vscode-focusBorder));
  outline-offset: 1px;
}
.pill.stale { border-color: var(--assay-warn); color: var(--assay-warn); }
.pill.ok { border-color: var(--assay-pass); }
.pill.bad { border-color: var(--assay-fail); }
.diff-controls { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.diff-output { white-space: pre-wrap; overflow-wrap: anywhere; padding: 8px; border: 1px solid var(--assay-border); border-radius: 3px; margin-top: 6px; max-height: 50vh; overflow: auto; }
.diff-output del {
  text-decoration: line-through;
  background: var(--vscode-diffEditor-removedTextBackground, rgba(255, 0, 0, 0.2));
  outline: 1px dashed var(--vscode-diffEditor-removedTextBorder, transparent);
}
.diff-output ins {
  text-decoration: underline;
  background: var(--vscode-diffEditor-insertedTextBackground, rgba(155, 185, 85, 0.2));
  outline: 1px dashed var(--vscode-diffEditor-insertedTextBorder, transparent);
}
.diff-output del + ins, .diff-output ins + del { margin-left: 2px; }
.banner .actions { margin-top: 6px; display: flex; gap: 8px; }
vscode-progress-ring { width: 16px; height: 16px; }
`;
