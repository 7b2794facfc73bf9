import type { SandboxDemo } from '../platform';
import { MICROSOFT_ADS_SANDBOX } from './fixtures';

export const MICROSOFT_ADS_DEMO: SandboxDemo = {
  platform: 'microsoft-ads',
  tabLabel: 'Microsoft Ads export demo',
  credentials: {
    clientId: MICROSOFT_ADS_SANDBOX.clientId,
    clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret,
    refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken,
    developerToken: MICROSOFT_ADS_SANDBOX.developerToken,
  },
  // The sandbox answers the production scope and paths on one base URL.
  connection: (url) => ({ authBaseUrl: url, apiBaseUrl: url, tenant: MICROSOFT_ADS_SANDBOX.tenant, environment: 'production' }),
  exporter: { customerId: MICROSOFT_ADS_SANDBOX.customerId, accountId: MICROSOFT_ADS_SANDBOX.accountId },
};
