import { z } from 'zod';
import { effectiveApiBaseUrl, exchangeMicrosoftCode, MICROSOFT_ADS_DEFAULTS, MicrosoftAdsConnection, microsoftAuthorizeUrl } from '../platforms/microsoft-ads';
import { baseUrl, parseAdminQuery, queryId } from './config-schemas';
import { registerAdminApi } from './admin-api';
import { registerConnectionNode } from './connection-node';
import type { NodeRedApi } from './red-types';

const SettingsSchema = z.object({
  authBaseUrl: baseUrl(MICROSOFT_ADS_DEFAULTS.authBaseUrl),
  apiBaseUrl: baseUrl(MICROSOFT_ADS_DEFAULTS.apiBaseUrl),
  tenant: z
    .string()
    .trim()
    .transform((tenant) => tenant || MICROSOFT_ADS_DEFAULTS.tenant)
    .pipe(z.string().regex(/^[A-Za-z0-9.-]+$/, 'tenant must be "common", "organizations", "consumers", a tenant id or a domain'))
    .default(MICROSOFT_ADS_DEFAULTS.tenant),
  environment: z.enum(['production', 'sandbox']).default('production'),
});

/** Wait after a 117 CallRateExceeded: 60 s per Microsoft; `audienceExportThrottleWaitMs` in settings.js shortens it for tests. */
const ThrottleWaitSchema = z.number().int().min(0).default(60_000);

export = function register(RED: NodeRedApi): void {
  registerAdminApi(RED);
  registerConnectionNode<z.output<typeof SettingsSchema>, MicrosoftAdsConnection>(RED, {
    type: 'microsoft-ads-connection',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' }, refreshToken: { type: 'password' }, developerToken: { type: 'password' } },
    settingsSchema: SettingsSchema,
    hosts: (settings) => [settings.authBaseUrl, effectiveApiBaseUrl(settings.apiBaseUrl, settings.environment)],
    admin: {
      authorizeUrl: (settings, params) => microsoftAuthorizeUrl(settings, params),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeMicrosoftCode(http, { ...settings, ...client }, code, redirectUri),
      // Listing customers needs the Customer Management service: the granted scope says enough for a test.
      identify: async (session, settings) => {
        const token = await session.tokens.get();
        return `Microsoft Advertising ${settings.environment}, tenant ${settings.tenant}${token.scope ? `, scope ${token.scope}` : ''}`;
      },
      audiences: async (session, query) => {
        const account = parseAdminQuery(z.object({ customerId: queryId('customerId'), accountId: queryId('accountId') }), query);
        return (await session.client.queryAudiences(account, null)).map((audience) => ({ id: audience.Id, name: audience.Name }));
      },
    },
    open: ({ settings, credentials, assertAllowed, tokenStore, runtimeSettings }) =>
      new MicrosoftAdsConnection({
        ...settings,
        clientId: credentials.clientId ?? '',
        clientSecret: credentials.clientSecret ?? '',
        refreshToken: credentials.refreshToken,
        developerToken: credentials.developerToken ?? '',
        tokenStore,
        assertAllowed,
        throttleWaitMs: ThrottleWaitSchema.catch(60_000).parse(runtimeSettings.audienceExportThrottleWaitMs),
      }),
  });
};
