// The results view's own styles, on top of media/webview.css; theme variables only (light, dark, high contrast).
export const RESULTS_CSS = `
html, body { height: 100%; overflow: hidden; }
body { padding: 0 12px; box-sizing: border-box; }
#app { display: flex; flex-direction: column; height: 100vh; }
.title-bar h1 { margin: 0; font-size: 1.15em; }
.run-status { color: var(--assay-muted); }
.run-status.running { color: var(--vscode-progressBar-background, var(--vscode-focusBorder)); }
progress { width: 100%; height: 4px; accent-color: var(--vscode-progressBar-background); }
.results-stats { max-height: 30vh; overflow: auto; display: flex; flex-direction: column; gap: 4px; }
.model-stats { display: flex; flex-wrap: wrap; gap: 2px 14px; align-items: baseline; padding: 4px 8px; border-left: 3px solid var(--assay-border); background: var(--vscode-textCodeBlock-background, rgba(128,128,128,0.08)); }
.model-stats .model-name { font-weight: 600; flex: 0 1 auto; overflow-wrap: anywhere; }
.model-stats .stat { white-space: nowrap; }
.model-stats .rate { font-weight: 600; }
.results-filters { position: static; gap: 12px; }
.results-filters .filter { display: inline-flex; align-items: center; gap: 4px; cursor: pointer; }
.results-filters .search { flex: 0 1 260px; min-width: 120px; }
input.search, select.sort-key {
  background: var(--vscode-input-background);
  color: var(--vscode-input-foreground);
  border: 1px solid var(--vscode-input-border, var(--assay-border));
  padding: 3px 6px;
  font: inherit;
}
input[type=checkbox] { accent-color: var(--vscode-checkbox-background, var(--vscode-focusBorder)); }
.results-main { display: flex; gap: 12px; flex: 1 1 auto; min-height: 0; }
.matrix-scroll { flex: 3 1 0; overflow: auto; min-width: 0; border: 1px solid var(--assay-border); }
.matrix-scroll:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
table.matrix { table-layout: fixed; }
/* Headers never break inside a model name: one line, ellipsis, the full name in the tooltip. */
table.matrix thead th { z-index: 1; box-shadow: 0 1px 0 var(--assay-border); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
table.matrix thead th.case-cell { z-index: 2; }
table.matrix th.case-cell { position: sticky; left: 0; background: var(--vscode-editor-background); font-weight: normal; cursor: default; }
table.matrix thead th:first-child { width: 38%; }
table.matrix tbody tr { height: 44px; }
table.matrix td, table.matrix tbody th { height: 35px; overflow: hidden; padding: 4px 8px; }
.case-label, .verdict { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.small { font-size: 0.85em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
td.cell { cursor: pointer; border-left: 3px solid transparent; }
td.cell.pass .verdict { color: var(--assay-pass); }
td.cell.fail .verdict, td.cell.error .verdict { color: var(--assay-fail); }
td.cell.fail { border-left-color: var(--assay-fail); background: color-mix(in srgb, var(--assay-fail) 8%, transparent); }
td.cell.error { border-left-color: var(--assay-error); }
td.cell.flaky .verdict { color: var(--assay-warn); }
td.cell.flaky { border-left-color: var(--assay-warn); }
td.cell.pending .verdict, td.cell.running .verdict { color: var(--assay-muted); }
td.cell.regression { box-shadow: inset 0 0 0 1px var(--assay-fail); }
td.cell.fix { box-shadow: inset 0 0 0 1px var(--assay-pass); }
.pill.newer { background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); }
td.cell.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
td.cell.selected .verdict, td.cell.selected .muted { color: inherit; }
.verdict .pill, .verdict .score { margin-left: 6px; }
.verdict .score { font-size: 0.85em; }
.spacer-row td, .spacer-row { padding: 0; border: 0; }
.side-pane { flex: 2 1 0; overflow: auto; min-width: 220px; padding: 0 4px 16px; }
/*
 * A narrow or short panel scrolls as a whole page: the matrix takes up to most of the height (at least five
 * rows; less when the run has fewer) and the selected cell's details follow right below it, instead of
 * three panes squeezed into one screen.
 */
@media (max-width: 760px), (max-height: 560px) {
  html, body { height: auto; overflow: auto; }
  #app { height: auto; min-height: 100vh; }
  .results-stats { max-height: none; }
  .results-main { flex-direction: column; flex: none; }
  .matrix-scroll { flex: none; max-height: max(264px, 62vh); }
  .side-pane { flex: none; min-width: 0; overflow: visible; border-top: 1px solid var(--assay-border); padding-top: 4px; }
}
@media (max-width: 480px) {
  body { padding: 0 6px; }
  .results-filters { gap: 4px 10px; }
  .results-filters .search { flex: 1 1 100%; }
  .model-stats { padding: 2px 6px; gap: 0 10px; }
}
.side-title { margin-top: 4px; }
.verdict.big { font-size: 1.1em; font-weight: 600; margin: 4px 0; }
.verdict.big.pass { color: var(--assay-pass); }
.verdict.big.fail, .verdict.big.error { color: var(--assay-fail); }
.verdict.big.flaky { color: var(--assay-warn); }
.reason { padding: 6px 8px; margin: 6px 0; border-left: 3px solid var(--assay-border); background: var(--vscode-textCodeBlock-background, rgba(128,128,128,0.1)); white-space: pre-wrap; overflow-wrap: anywhere; }
.reason.fail, .reason.error { border-left-color: var(--assay-fail); }
.reason.flaky { border-left-color: var(--assay-warn); }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
.btn { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: 1px solid var(--vscode-button-border, transparent); padding: 4px 10px; cursor: pointer; font: inherit; border-radius: 2px; }
.btn:hover { background: var(--vscode-button-hoverBackground); }
.btn.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); }
.btn.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
.btn[disabled] { opacity: 0.5; cursor: default; }
.repeats { display: flex; gap: 4px; flex-wrap: wrap; margin: 6px 0; }
.repeat { font: inherit; background: transparent; color: inherit; border: 1px solid var(--assay-border); padding: 1px 6px; cursor: pointer; border-radius: 2px; }
.repeat.active { border-color: var(--vscode-focusBorder); }
.repeat.fail { color: var(--assay-fail); }
.repeat.pass { color: var(--assay-pass); }
ul.assertions { list-style: none; padding: 0; margin: 0; }
ul.assertions li { padding: 3px 0; overflow-wrap: anywhere; }
ul.assertions li.pass .mark { color: var(--assay-pass); }
ul.assertions li.fail .mark { color: var(--assay-fail); }
.expected { margin: 2px 0 0 18px; }
pre.output, pre.vars { max-height: 40vh; overflow: auto; }
.empty { padding: 24px 0; }
`;
