import { z } from 'zod';
import { CRITEO_DEFAULTS, CriteoConnection } from '../platforms/criteo';
import { baseUrl } from './config-schemas';
import { registerConnectionNode } from './connection-node';
import type { NodeRedApi } from './red-types';

const SettingsSchema = z.object({
  authBaseUrl: baseUrl(CRITEO_DEFAULTS.authBaseUrl),
  apiBaseUrl: baseUrl(CRITEO_DEFAULTS.apiBaseUrl),
  grantType: z.enum(['client_credentials', 'authorization_code']).default('client_credentials'),
  apiVersion: z
    .string()
    .trim()
    .transform((version) => version || CRITEO_DEFAULTS.apiVersion)
    .pipe(z.string().regex(/^(\d{4}-\d{2}|preview)$/, 'apiVersion must look like 2026-07 (or be "preview")'))
    .default(CRITEO_DEFAULTS.apiVersion),
});

export = function register(RED: NodeRedApi): void {
  registerConnectionNode(RED, {
    type: 'criteo-connection',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' }, refreshToken: { type: 'password' } },
    settingsSchema: SettingsSchema,
    open: ({ settings, credentials, assertAllowed, tokenStore }) =>
      new CriteoConnection({
        ...settings,
        clientId: credentials.clientId ?? '',
        clientSecret: credentials.clientSecret ?? '',
        refreshToken: credentials.refreshToken,
        tokenStore,
        assertAllowed,
      }),
  });
};
