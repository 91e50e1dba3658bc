import { describe, expect, it } from 'vitest';
import { aboutFacts } from './aboutFacts';
import type { AppInfo } from '../../api/contract';
import { kindRows } from '../../test/kinds';

const info: AppInfo = {
  version: '0.2.0',
  commit: 'abc123def456',
  logFile: null,
  cloud: { name: 'AzureCloud', armEndpoint: 'https://management.azure.com/', keyVaultSuffix: 'vault.azure.net' },
  session: { state: 'connecting', message: 'Starting…' },
  accounts: [],
  signInCloud: null,
  proxy: 'http://***@proxy.corp:3128 (from HTTPS_PROXY)',
  dataFolder: null,
  kinds: kindRows,
};

describe('aboutFacts', () => {
  it('names the proxy as the shell describes it, and says when there is no data folder', () => {
    const facts = aboutFacts(info);
    expect(facts.find((f) => f.term === 'Proxy')?.value).toBe('http://***@proxy.corp:3128 (from HTTPS_PROXY)');
    expect(facts.find((f) => f.term === 'Data folder')?.value).toMatch(/^None: /);
    expect(facts.map((f) => f.term)).toEqual([
      'Version',
      'Commit',
      'Cloud',
      'Resource Manager',
      'Key Vault suffix',
      'Proxy',
      'Data folder',
      'Log file',
    ]);
  });

  it('does not guess before the back end answers', () => {
    expect(aboutFacts(null)).toEqual([{ term: 'Version', value: expect.stringMatching(/Not known yet/) as unknown }]);
  });
});
