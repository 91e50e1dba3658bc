import { createDOMRenderer } from '@fluentui/react-components';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { App } from './components/App';
import { AppRoot } from './AppRoot';

const container = document.getElementById('root');
if (container === null) {
  throw new Error('index.html has no #root element');
}
const app = (
  <AppRoot renderer={createDOMRenderer()}>
    <App />
  </AppRoot>
);
// A built index.html holds the first screen prerendered (prerender.tsx); the dev server's does not.
if (container.firstElementChild === null) {
  createRoot(container).render(app);
} else {
  hydrateRoot(container, app, {
    onRecoverableError: (error) => {
      console.error('keyblade: the prerendered first screen did not match the app; it was drawn again.', error);
    },
  });
}
