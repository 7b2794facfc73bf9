import { z } from 'zod';
import { SNAPCHAT_DEFAULTS, SnapchatConnection } from '../platforms/snapchat';
import { baseUrl } from './config-schemas';
import { registerConnectionNode } from './connection-node';
import type { NodeRedApi } from './red-types';

const SettingsSchema = z.object({
  authBaseUrl: baseUrl(SNAPCHAT_DEFAULTS.authBaseUrl),
  apiBaseUrl: baseUrl(SNAPCHAT_DEFAULTS.apiBaseUrl),
});

export = function register(RED: NodeRedApi): void {
  registerConnectionNode(RED, {
    type: 'snapchat-connection',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' }, refreshToken: { type: 'password' } },
    settingsSchema: SettingsSchema,
    open: ({ settings, credentials, assertAllowed, tokenStore }) =>
      new SnapchatConnection({
        ...settings,
        clientId: credentials.clientId ?? '',
        clientSecret: credentials.clientSecret ?? '',
        refreshToken: credentials.refreshToken,
        tokenStore,
        assertAllowed,
      }),
  });
};
