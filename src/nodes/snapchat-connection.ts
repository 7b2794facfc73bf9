import { z } from 'zod';
import { exchangeSnapchatCode, SNAPCHAT_DEFAULTS, SnapchatConnection, snapchatAuthorizeUrl } from '../platforms/snapchat';
import { baseUrl, parseAdminQuery, queryId } from './config-schemas';
import { registerAdminApi } from './admin-api';
import { registerConnectionNode } from './connection-node';
import type { NodeRedApi } from './red-types';

const SettingsSchema = z.object({
  authBaseUrl: baseUrl(SNAPCHAT_DEFAULTS.authBaseUrl),
  apiBaseUrl: baseUrl(SNAPCHAT_DEFAULTS.apiBaseUrl),
});

export = function register(RED: NodeRedApi): void {
  registerAdminApi(RED);
  registerConnectionNode<z.output<typeof SettingsSchema>, SnapchatConnection>(RED, {
    type: 'snapchat-connection',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' }, refreshToken: { type: 'password' } },
    settingsSchema: SettingsSchema,
    hosts: (settings) => [settings.authBaseUrl, settings.apiBaseUrl],
    admin: {
      authorizeUrl: (settings, params) => snapchatAuthorizeUrl(settings.authBaseUrl, params),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeSnapchatCode(http, { authBaseUrl: settings.authBaseUrl, ...client }, code, redirectUri),
      identify: async (session) => {
        const me = await session.client.me();
        return [me.displayName ?? 'Snapchat user', me.organizationId ? `(organization ${me.organizationId})` : ''].filter(Boolean).join(' ');
      },
      audiences: async (session, query) => {
        const { adAccountId } = parseAdminQuery(z.object({ adAccountId: queryId('adAccountId') }), query);
        return (await session.client.listSegments(adAccountId)).map((segment) => ({ id: segment.id, name: segment.name }));
      },
    },
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
