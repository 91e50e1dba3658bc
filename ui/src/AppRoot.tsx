import { RendererProvider, SSRProvider, type GriffelRenderer } from '@fluentui/react-components';
import { StrictMode, type ReactNode } from 'react';

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
