import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { DesiredChange } from '../../bindings';
import { registryRules, storageRules } from '../../test/kinds';
import { useEncryptionType } from './useEncryptionType';

const turnOff: DesiredChange = { keySource: 'microsoftManaged', keyUri: '', identity: { type: 'systemAssigned' }, grantAccess: false };
const keep: DesiredChange = { ...turnOff, keySource: 'customerManaged', keyUri: 'https://kv-contoso.vault.azure.net/keys/cmk' };

describe('useEncryptionType', () => {
  it('keeps a registry on customer-managed keys: it cannot go back', () => {
    const { result } = renderHook(() => useEncryptionType(registryRules));
    act(() => {
      result.current.choose('microsoftManaged');
    });
    expect(result.current).toMatchObject({ offered: false, keySource: 'customerManaged', turningOff: false });
  });

  it.each([
    { name: 'saves a customer-managed key at once', desired: keep, asks: false },
    { name: 'asks before turning customer-managed keys off', desired: turnOff, asks: true },
  ])('$name', ({ desired, asks }) => {
    const save = vi.fn();
    const { result } = renderHook(() => useEncryptionType(storageRules));
    act(() => {
      result.current.requestSave(desired, save);
    });
    expect(result.current.confirming).toBe(asks);
    expect(save).toHaveBeenCalledTimes(asks ? 0 : 1);
    if (asks) {
      act(() => {
        result.current.confirmTurnOff(save);
      });
      expect(save).toHaveBeenCalledOnce();
      expect(result.current.confirming).toBe(false);
    }
  });
});
