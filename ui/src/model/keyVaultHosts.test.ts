import { describe, expect, it } from 'vitest';
import { keyUriHint, vaultKeysPrefix } from './keyVaultHosts';

describe('keyUriHint and vaultKeysPrefix', () => {
  it.each([
    { suffix: 'vault.azure.net', host: 'kv.vault.azure.net' },
    { suffix: 'vault.azure.cn', host: 'kv.vault.azure.cn' },
    { suffix: 'vault.usgovcloudapi.net', host: 'kv.vault.usgovcloudapi.net' },
    { suffix: 'vault.localhost:8443', host: 'kv.vault.localhost:8443' },
    // Metadata from custom clouds may carry a leading dot or a trailing slash.
    { suffix: '.vault.contoso.local/', host: 'kv.vault.contoso.local' },
  ])('uses the $suffix suffix as given by the cloud', ({ suffix, host }) => {
    expect(vaultKeysPrefix('kv', suffix)).toBe(`https://${host}/keys/`);
    expect(keyUriHint(suffix)).toBe(`https://{vault}.${host.slice('kv.'.length)}/keys/{key}, with /{version} to pin a version.`);
  });
});
