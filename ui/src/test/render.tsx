import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { App } from '../components/App';

/** Renders the whole app as the shell would show it, with a user to drive it. */
/** Renders the app; on Overview unless told otherwise, where the tests written before Home start. */
export function renderApp(ui: ReactElement = <App initialBlade="overview" />) {
  const user = userEvent.setup();
  return { user, ...render(ui) };
}

/** Renders one component inside the theme provider, as the app does. */
export function renderInFluent(ui: ReactElement) {
  const user = userEvent.setup();
  return { user, ...render(<FluentProvider theme={webLightTheme}>{ui}</FluentProvider>) };
}
