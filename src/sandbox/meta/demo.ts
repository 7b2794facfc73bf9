import type { SandboxDemo } from '../platform';
import { META_SANDBOX } from './fixtures';

export const META_DEMO: SandboxDemo = {
  platform: 'meta',
  tabLabel: 'Meta export demo',
  credentials: { accessToken: META_SANDBOX.accessToken, appId: META_SANDBOX.appId, appSecret: META_SANDBOX.appSecret },
  connection: (url) => ({ authBaseUrl: url, apiBaseUrl: url, apiVersion: META_SANDBOX.apiVersion }),
  exporter: { adAccountId: `act_${META_SANDBOX.adAccountId}` },
};
