// The playground webview: model columns side by side on one prompt file (src/host/playground is the host).
import {
  DidChangeCatalogNotification,
  DidChangeFileNotification,
  DidChangeTrustNotification,
  DidInitNotification,
  DidPrefillNotification,
  DidUpdateRunsNotification,
} from '../../../src/shared/playgroundProtocol';
import { getState, onNotification, signalReady } from '../common/ipc';
import { registerComponents } from '../components/toolkit';
import { PlaygroundView } from './playgroundView';
import { PLAYGROUND_CSS } from './styles';

registerComponents();
const style = document.createElement('style');
style.textContent = PLAYGROUND_CSS;
document.head.appendChild(style);

const view = new PlaygroundView(document.getElementById('app')!, getState());
onNotification(DidInitNotification, (init) => view.init(init));
onNotification(DidChangeFileNotification, (file) => view.fileChanged(file));
onNotification(DidChangeTrustNotification, (t) => view.trustChanged(t.trusted, t.restrictedReason));
onNotification(DidChangeCatalogNotification, (catalog) => view.catalogChanged(catalog));
onNotification(DidUpdateRunsNotification, (batch) => view.runsUpdated(batch.updates));
onNotification(DidPrefillNotification, (p) => view.prefill(p.values, p.source));
signalReady();
