import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { fakeMediaQueries } from '../test/matchMedia';
import { useOsColorScheme } from './useOsColorScheme';

describe('useOsColorScheme', () => {
  it('starts from the OS preference', () => {
    fakeMediaQueries.setPrefersDark(true);
    const { result } = renderHook(() => useOsColorScheme());
    expect(result.current).toBe('dark');
  });

  it('follows the OS when the user switches, and stops listening on unmount', () => {
    const { result, unmount } = renderHook(() => useOsColorScheme());
    expect(result.current).toBe('light');
    expect(fakeMediaQueries.listenerCount).toBe(1);

    act(() => {
      fakeMediaQueries.setPrefersDark(true);
    });
    expect(result.current).toBe('dark');
    act(() => {
      fakeMediaQueries.setPrefersDark(false);
    });
    expect(result.current).toBe('light');

    unmount();
    expect(fakeMediaQueries.listenerCount).toBe(0);
  });

  it('uses the high-contrast theme while the OS forces colours, over light or dark', () => {
    fakeMediaQueries.setPrefersDark(true);
    const { result } = renderHook(() => useOsColorScheme());
    expect(result.current).toBe('dark');
    act(() => {
      fakeMediaQueries.setForcedColors(true);
    });
    expect(result.current).toBe('highContrast');
    act(() => {
      fakeMediaQueries.setForcedColors(false);
    });
    expect(result.current).toBe('dark');
  });

  it('falls back to light where there is no matchMedia', () => {
    Object.defineProperty(window, 'matchMedia', { configurable: true, writable: true, value: undefined });
    try {
      const { result } = renderHook(() => useOsColorScheme());
      expect(result.current).toBe('light');
    } finally {
      fakeMediaQueries.install();
    }
  });
});
