// The report page's styles: one inline <style> admitted by its hash (reviewHtml.ts). Light and dark
// follow the reader's system; no inline style attributes anywhere (the policy would refuse them).
export const REVIEW_STYLES = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --border: #d1d9e0; --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --border: #3d444d; --pass: #3fb950; --fail: #f85149; --warn: #d29922; --accent: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 20px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.35em; margin: 0 0 4px; }
h2 { font-size: 1.1em; margin: 16px 0 6px; }
h3 { font-size: 1em; margin: 12px 0 4px; }
.muted { color: var(--muted); }
.pass { color: var(--pass); }
.fail { color: var(--fail); }
.error { color: var(--warn); }
header { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; justify-content: space-between; }
.labels-bar { display: flex; gap: 10px; align-items: center; }
button, select, input, textarea { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--border); border-radius: 4px; padding: 3px 8px; }
button { cursor: pointer; background: var(--panel); }
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button[aria-pressed=true] { outline: 2px solid var(--accent); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--border); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.comparison { margin: 4px 0; }
.comparison.significant-regression { color: var(--fail); }
.comparison.significant-improvement { color: var(--pass); }
.filters { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; padding: 8px 0; background: var(--bg); border-bottom: 1px solid var(--border); margin: 12px 0 8px; }
.filters label { display: inline-flex; gap: 4px; align-items: center; }
.filters input[type=search] { min-width: 220px; }
.layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; align-items: start; }
@media (max-width: 900px) { .layout { grid-template-columns: 1fr; } }
table.matrix { width: 100%; table-layout: fixed; }
table.matrix td.case { overflow-wrap: anywhere; }
.chip { display: inline-block; margin: 1px 2px; padding: 0 6px; border-radius: 10px; font-size: 0.9em; font-variant-numeric: tabular-nums; }
.chip.pass { border-color: var(--pass); }
.chip.fail { border-color: var(--fail); }
.chip.error { border-color: var(--warn); }
.chip.selected { background: var(--accent); color: #fff; }
.chip .mark { margin-left: 3px; }
.detail { position: sticky; top: 56px; max-height: calc(100vh - 72px); overflow: auto; border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; background: var(--panel); }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 4px 0; padding: 6px 8px; background: var(--bg); border: 1px solid var(--border); border-radius: 4px; max-height: 40vh; overflow: auto; }
.assertion { margin: 4px 0; }
.assertion .type { font-weight: 600; }
.review { display: flex; flex-direction: column; gap: 6px; margin-top: 8px; }
.review .buttons { display: flex; gap: 8px; }
textarea { width: 100%; min-height: 4em; resize: vertical; }
.more { margin: 8px 0; }
`;
