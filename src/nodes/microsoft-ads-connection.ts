import { z } from 'zod';
import { MICROSOFT_ADS_DEFAULTS, MicrosoftAdsConnection } from '../platforms/microsoft-ads';
import { baseUrl } from './config-schemas';
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
  registerConnectionNode(RED, {
    type: 'microsoft-ads-connection',
    credentials: { clientId: { type: 'text' }, clientSecret: { type: 'password' }, refreshToken: { type: 'password' }, developerToken: { type: 'password' } },
    settingsSchema: SettingsSchema,
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
