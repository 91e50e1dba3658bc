import { createDOMRenderer } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { AppRoot } from '../../AppRoot';
import { App } from '../../components/App';
import { cmkRotation, cmkView, encryptionHandlers } from '../encryption';
import { homeHandlers } from '../home';
import { demoInfo, mockShell, signedInHandlers } from '../ipc';

// The app as the shell shows it, in a plain browser: the unit tests' fake shell answers every command with their
// fixtures (the demo tenant, Home's rows, registry contosoimages with a customer-managed key). The browser check
// (browser/screens.browser.ts) drives it in Chromium.
mockShell({
  ...signedInHandlers(demoInfo),
  ...homeHandlers(),
  ...encryptionHandlers(() => cmkView),
  read_rotation: () => cmkRotation,
});

const container = document.getElementById('root');
if (container === null) {
  throw new Error('index.html has no #root element');
}
createRoot(container).render(
  <AppRoot renderer={createDOMRenderer()}>
    <App />
  </AppRoot>,
);
