import { RendererProvider, SSRProvider, type GriffelRenderer } from '@fluentui/react-components';
import { StrictMode, type ReactNode } from 'react';

/** The id of the `<style>` that holds the prerendered dark tokens; `main.tsx` drops it once the app runs. */
export const prerenderedDarkThemeId = 'keyblade-prerendered-dark';

/** The app as both `main.tsx` (hydrating) and `prerender` (at build time) render it: the same tree, or hydration fails. */
export function AppRoot({ renderer, children }: { renderer: GriffelRenderer; children: ReactNode }) {
  return (
    <StrictMode>
      <RendererProvider renderer={renderer}>
        <SSRProvider>{children}</SSRProvider>
      </RendererProvider>
    </StrictMode>
  );
}
