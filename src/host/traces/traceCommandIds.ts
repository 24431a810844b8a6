// The trace explorer's command and view ids (package.json contributes each; commandIds.ts lists them).

/** The Runs tree in the Assay view container. */
export const RUNS_VIEW_ID = 'assay.runs';

/** Scheme of the read-only documents that hold stored prompt versions (`assay-version:/NAME?VERSION_ID`). */
export const VERSION_SCHEME = 'assay-version';

/** Context key: the Runs tree has an active filter (shows the "Clear Filter" title button). */
export const FILTERED_CONTEXT_KEY = 'assay.traces.filtered';

export const TRACE_COMMAND_IDS = [
  'assay.traces.refresh',
  'assay.traces.filter',
  'assay.traces.clearFilter',
  'assay.traces.groupBy',
  'assay.traces.loadMore',
  'assay.traces.openTrace',
  'assay.traces.replayTrace',
  'assay.traces.replayRun',
  'assay.traces.openInPlayground',
  'assay.traces.addToTestBank',
  'assay.traces.copyOutput',
  'assay.traces.copyAsCurl',
  'assay.traces.deleteTrace',
  'assay.traces.export',
  'assay.openDashboard',
] as const;

export type TraceCommandId = (typeof TRACE_COMMAND_IDS)[number];
