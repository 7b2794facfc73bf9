import { definePlatform } from '../../core/platform';
import { OAUTH_APP_CREDENTIALS, oauthAppOf } from '../../core/session';
import { MICROSOFT_ADS_LIMITS, MicrosoftAdsAdapter, type MicrosoftAdsAudienceSettings } from './adapter';
import { effectiveApiBaseUrl, MICROSOFT_ADS_DEFAULTS, MicrosoftAdsConnection } from './connection';
import { exchangeMicrosoftCode, type MicrosoftEnvironment, microsoftAuthorizeUrl } from './oauth';

interface ConnectionSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly tenant: string;
  readonly environment: MicrosoftEnvironment;
}

/** Wait after a 117 CallRateExceeded: 60 s per Microsoft; `audienceExportThrottleWaitMs` in settings.js shortens it for tests. */
function throttleWaitMs(tuning: Readonly<Record<string, unknown>>): number {
  const wait = tuning.audienceExportThrottleWaitMs;
  return typeof wait === 'number' && Number.isInteger(wait) && wait >= 0 ? wait : 60_000;
}

/** Microsoft Advertising Customer Match lists, one per segment, named after it. */
export const microsoftAds = definePlatform<ConnectionSettings, MicrosoftAdsAudienceSettings, MicrosoftAdsConnection>({
  id: 'microsoft-ads',
  label: 'Microsoft Advertising',
  color: '#7FBA00',
  icon: 'microsoft-ads.svg',
  limits: MICROSOFT_ADS_LIMITS,
  replaceStrategy: 'first-batch-replaces',
  connection: {
    fields: [
      { name: 'tenant', kind: 'text', default: MICROSOFT_ADS_DEFAULTS.tenant, pattern: '^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,98}[A-Za-z0-9])?$', blankIsDefault: true, icon: 'building', section: 'endpoints' },
      { name: 'environment', kind: 'select', default: 'production', options: ['production', 'sandbox'], icon: 'flask', section: 'endpoints', tip: 'options', host: true },
      { name: 'authBaseUrl', kind: 'url', default: MICROSOFT_ADS_DEFAULTS.authBaseUrl, icon: 'sign-in', section: 'endpoints', host: true },
      { name: 'apiBaseUrl', kind: 'url', default: MICROSOFT_ADS_DEFAULTS.apiBaseUrl, icon: 'server', section: 'endpoints', host: true },
    ],
    credentials: [
      ...OAUTH_APP_CREDENTIALS,
      { name: 'developerToken', secret: true, icon: 'key' },
    ],
    hosts: (settings) => [settings.authBaseUrl, effectiveApiBaseUrl(settings.apiBaseUrl, settings.environment)],
    open: (context) =>
      new MicrosoftAdsConnection({
        ...context.settings,
        ...oauthAppOf(context),
        developerToken: context.credentials.developerToken ?? '',
        throttleWaitMs: throttleWaitMs(context.tuning),
      }),
    signIn: {
      authorizeUrl: (settings, params) => microsoftAuthorizeUrl(settings, params),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeMicrosoftCode(http, { ...settings, ...client }, code, redirectUri),
    },
    // Listing customers needs the Customer Management service: the granted scope says enough for a test.
    // The environment is named only where the host is Microsoft's own for it: a test says where it went.
    identify: async (session, settings) => {
      const token = await session.tokens.get();
      const api = effectiveApiBaseUrl(settings.apiBaseUrl, settings.environment);
      const named = api === MICROSOFT_ADS_DEFAULTS.apiBaseUrl ? 'production ' : api === MICROSOFT_ADS_DEFAULTS.sandboxApiBaseUrl ? 'sandbox ' : '';
      return `Microsoft Advertising ${named}API at ${new URL(api).host}, tenant ${settings.tenant}${token.scope ? `, scope ${token.scope}` : ''}`;
    },
  },
  audience: {
    fields: [
      { name: 'customerId', kind: 'id', default: '', required: true, digits: true, icon: 'building-o', section: 'audience' },
      { name: 'accountId', kind: 'id', default: '', required: true, digits: true, icon: 'briefcase', section: 'audience' },
      { name: 'membershipDuration', kind: 'integer', default: 30, min: 1, max: 390, also: [-1], icon: 'calendar', section: 'audience', tip: 'text' },
      { name: 'acceptTerms', kind: 'boolean', default: false, icon: 'check-square-o', section: 'audience', tip: 'text', warnWhenOff: true },
    ],
    adapter: (session, settings) => new MicrosoftAdsAdapter(session.client, settings),
  },
});
