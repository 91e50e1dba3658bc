import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useCommand } from './useCommand';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('useCommand', () => {
  it('is idle without a key and asks nothing', () => {
    let calls = 0;
    const { result } = renderHook(() => useCommand(null, () => Promise.resolve(++calls), 'cmd'));
    expect(result.current.state).toEqual({ status: 'idle' });
    expect(calls).toBe(0);
  });

  it('never shows a slow answer for an old key under a new key', async () => {
    const answers = new Map([
      ['a', deferred<string>()],
      ['b', deferred<string>()],
    ]);
    const { result, rerender } = renderHook(
      ({ key }: { key: string }) => useCommand(key, () => answers.get(key)?.promise ?? Promise.reject(new Error()), 'cmd'),
      { initialProps: { key: 'a' } },
    );
    expect(result.current.state).toEqual({ status: 'loading' });

    rerender({ key: 'b' });
    await act(async () => {
      answers.get('a')?.resolve('answer for a');
      await Promise.resolve();
    });
    expect(result.current.state).toEqual({ status: 'loading' });

    await act(async () => {
      answers.get('b')?.resolve('answer for b');
      await Promise.resolve();
    });
    expect(result.current.state).toEqual({ status: 'loaded', value: 'answer for b' });
  });

  it('turns a rejection into a CommandError and asks again on reload', async () => {
    let attempt = 0;
    const { result } = renderHook(() =>
      useCommand(
        'k',
        () => {
          attempt += 1;
          return attempt === 1
            ? Promise.reject(new Error('socket closed'))
            : Promise.resolve('second time lucky');
        },
        'list_things',
      ),
    );
    await waitFor(() => {
      expect(result.current.state.status).toBe('failed');
    });
    const state = result.current.state;
    expect(state.status === 'failed' && state.error.details).toBe('socket closed');

    act(() => {
      result.current.reload();
    });
    expect(result.current.state).toEqual({ status: 'loading' });
    await waitFor(() => {
      expect(result.current.state).toEqual({ status: 'loaded', value: 'second time lucky' });
    });
  });
});
