import type { AppInfo } from '../../api/contract';
import type { Fact } from '../FactList';

const unknown = 'Not known yet: keyblade is still asking its back end';

/** The About facts, in the order a bug report wants them. */
export function aboutFacts(info: AppInfo | null): Fact[] {
  if (info === null) return [{ term: 'Version', value: unknown }];
  return [
    { term: 'Version', value: info.version, monospace: true },
    { term: 'Commit', value: info.commit, monospace: true },
    { term: 'Cloud', value: info.cloud.name },
    { term: 'Resource Manager', value: info.cloud.armEndpoint, monospace: true },
    { term: 'Key Vault suffix', value: info.cloud.keyVaultSuffix, monospace: true },
    { term: 'Proxy', value: info.proxy },
    {
      term: 'Data folder',
      value: info.dataFolder ?? 'None: this platform gives keyblade no data folder, so nothing is kept between runs',
      monospace: info.dataFolder !== null,
    },
    {
      term: 'Log file',
      value: info.logFile ?? 'None: keyblade keeps no log without a data folder',
      monospace: info.logFile !== null,
    },
  ];
}
