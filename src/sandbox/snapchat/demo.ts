import type { SandboxDemo } from '../platform';
import { SNAPCHAT_SANDBOX } from './fixtures';

export const SNAPCHAT_DEMO: SandboxDemo = {
  platform: 'snapchat',
  tabLabel: 'Snapchat export demo',
  credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken },
  connection: (url) => ({ authBaseUrl: url, apiBaseUrl: url }),
  exporter: { adAccountId: SNAPCHAT_SANDBOX.adAccountId },
};
