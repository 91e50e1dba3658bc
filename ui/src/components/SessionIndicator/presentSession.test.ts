import { describe, expect, it } from 'vitest';
import { presentSession, shortAccount } from './presentSession';

describe('shortAccount', () => {
  it.each([
    ['service principal b3c1d2e4-5f60-4a71-8b92-c3d4e5f6a7b8', 'service principal b3c1d2e4…'],
    ['ada@contoso.com', 'ada@contoso.com'],
  ])('shows %s as %s', (account, shown) => {
    expect(shortAccount(account)).toBe(shown);
  });
});

describe('presentSession', () => {
  it('shortens only what the header shows: the full label names the button', () => {
    const account = 'service principal b3c1d2e4-5f60-4a71-8b92-c3d4e5f6a7b8';
    const shown = presentSession({ kind: 'signedIn', account, tenantId: 't', isDemo: false });
    expect(shown.label).toBe('service principal b3c1d2e4…');
    expect(shown.fullLabel).toBe(account);
  });
});
