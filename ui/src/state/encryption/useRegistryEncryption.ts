import { useCallback, useRef } from 'react';
import { getEncryption } from '../../api';
import type { EncryptionSource } from '../../components/EncryptionBlade/encryptionSource';
import { useCommand } from '../../hooks/useCommand';
import type { ResourceContext } from '../../model/resourceContext';

/**
 * Reads the selected resource's encryption (a registry or an account: get_encryption takes any kind's ID)
 * while `active` (the Encryption blade is shown) and returns it as the blade's source. `refresh` reads it
 * again, bypassing keyblade's caches.
 */
export function useRegistryEncryption(
  context: ResourceContext,
  active: boolean,
): { source: EncryptionSource | null; refresh: () => void } {
  const registryId = active && context.kind === 'resource' ? context.selection.resource.id : null;
  const fresh = useRef(false);
  const { state, reload } = useCommand(
    registryId,
    () => {
      const bypassCache = fresh.current;
      fresh.current = false;
      return getEncryption(registryId ?? '', bypassCache);
    },
    'get_encryption',
  );
  const refresh = useCallback(() => {
    fresh.current = true;
    reload();
  }, [reload]);

  switch (state.status) {
    case 'idle':
      return { source: null, refresh };
    case 'loading':
      return { source: { kind: 'loading' }, refresh };
    case 'failed':
      return { source: { kind: 'failed', error: state.error }, refresh };
    case 'loaded':
      return { source: { kind: 'loaded', view: state.value }, refresh };
  }
}
