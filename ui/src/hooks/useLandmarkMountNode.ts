import { useState } from 'react';

/** The landmarks a floating element may be mounted in: the app shell's header, menu and main region, and so on. */
const landmarks = 'header, nav, main, aside, footer, [role="region"], [role="dialog"]';

/**
 * Where to mount a tooltip so it stays inside its trigger's landmark. Fluent portals tooltips to the end of
 * `<body>` by default, which puts their text outside every landmark (axe's `region` rule). Returns the mount node
 * for the Tooltip's `mountNode` (null, Fluent's default, until the trigger is mounted) and the callback to give
 * the trigger as its `ref`.
 */
export function useLandmarkMountNode(): [HTMLElement | null, (trigger: HTMLElement | null) => void] {
  const [trigger, setTrigger] = useState<HTMLElement | null>(null);
  return [trigger?.closest<HTMLElement>(landmarks) ?? null, setTrigger];
}
