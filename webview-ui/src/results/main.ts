// The results webview: a test run as a matrix of cases × models (src/host/testing/resultsPanel.ts is the host).
import { DidChangeRunNotification, DidUpdateCellsNotification, type ResultsViewState } from '../../../src/shared/resultsProtocol';
import { getState, onNotification, signalReady } from '../common/ipc';
import { ResultsView } from './resultsView';
import { RESULTS_CSS } from './styles';

const style = document.createElement('style');
style.textContent = RESULTS_CSS;
document.head.appendChild(style);

const view = new ResultsView(document.getElementById('app')!, getState<ResultsViewState>());
onNotification(DidChangeRunNotification, (run) => view.setRun(run));
onNotification(DidUpdateCellsNotification, (u) => view.updateCells(u.runId, u.cells, u.done, u.total));
signalReady();
