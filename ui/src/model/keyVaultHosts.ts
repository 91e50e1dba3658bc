// Key Vault hosts depend on the cloud: vault.azure.net in Azure public, vault.azure.cn in Azure China,
// vault.usgovcloudapi.net in US Government, vault.localhost:PORT in the sandbox. The UI takes the
// suffix from app_info's cloud and never assumes Azure public.

/** The suffix as app_info gives it, without a leading dot or trailing slash. */
function bareSuffix(keyVaultSuffix: string): string {
  return keyVaultSuffix.trim().replace(/^\.+/, '').replace(/\/+$/, '');
}

/** The Key URI field's hint, showing the shape of a key URI in this cloud. */
export function keyUriHint(keyVaultSuffix: string): string {
  return `https://{vault}.${bareSuffix(keyVaultSuffix)}/keys/{key}, with /{version} to pin a version.`;
}

/** The start of every key URI in `vaultName`, to prefill Enter key URI with. */
export function vaultKeysPrefix(vaultName: string, keyVaultSuffix: string): string {
  return `https://${vaultName}.${bareSuffix(keyVaultSuffix)}/keys/`;
}
