// The trace explorer's heavy half — the detail and dashboard panels, replay, exports — as one module that
// part of dist/lazyHost.js (src/host/lazyHost.ts), required the first time a panel opens or an action
// runs, so activate() compiles none of the core it pulls in (prompt parser, assertions, diff, OTLP).
export { Dashboard } from './dashboardPanel';
export { TraceDetailPanels } from './traceDetailPanel';
export { addToTestBank, copyAsCurl, deleteTraces, openInPlayground, replayRun } from './traceActions';
export { exportOtlp } from '../../core/export/otlpExport';
