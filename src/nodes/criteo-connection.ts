import { z } from 'zod';
import { CRITEO_DEFAULTS, CriteoConnection, criteoAuthorizeUrl, exchangeCriteoCode } from '../platforms/criteo';
import { baseUrl, parseAdminQuery } from './config-schemas';
import { registerAdminApi } from './admin-api';
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
  authorizeUrl: baseUrl(CRITEO_DEFAULTS.authorizeUrl),
});

export = function register(RED: NodeRedApi): void {
  registerAdminApi(RED);
  registerConnectionNode<z.output<typeof SettingsSchema>, CriteoConnection>(RED, {
    type: 'criteo-connection',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' }, refreshToken: { type: 'password' } },
    settingsSchema: SettingsSchema,
    hosts: (settings) => [settings.authBaseUrl, settings.apiBaseUrl],
    admin: {
      // Client-credentials apps have nobody to sign in.
      authorizeUrl: (settings, params) => (settings.grantType === 'authorization_code' ? criteoAuthorizeUrl(settings.authorizeUrl, params) : undefined),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeCriteoCode(http, { authBaseUrl: settings.authBaseUrl, ...client }, code, redirectUri),
      identify: async (session) => {
        const me = await session.client.me();
        return [me.name ?? 'Criteo application', me.organizationId ? `(organization ${me.organizationId})` : ''].filter(Boolean).join(' ');
      },
      audiences: async (session, query) => {
        const { advertiserId } = parseAdminQuery(z.object({ advertiserId: z.string().trim().regex(/^\d*$/, 'advertiserId must be a numeric id').optional() }), query);
        return (await session.client.searchContactLists(advertiserId || undefined)).map((segment) => ({ id: segment.id, name: segment.name }));
      },
    },
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
