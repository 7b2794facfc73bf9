import type { SandboxDemo } from '../platform';
import { CRITEO_SANDBOX } from './fixtures';

export const CRITEO_DEMO: SandboxDemo = {
  platform: 'criteo',
  tabLabel: 'Criteo export demo',
  credentials: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret, refreshToken: CRITEO_SANDBOX.refreshToken },
  // Criteo's consent page is a setting of its own: the sandbox answers it at /request as consent.criteo.com does.
  connection: (url) => ({ authBaseUrl: url, apiBaseUrl: url, authorizeUrl: `${url}/request`, grantType: 'client_credentials', apiVersion: CRITEO_SANDBOX.apiVersion }),
  exporter: { advertiserId: CRITEO_SANDBOX.advertiserId },
};
