import { joinUrl } from '../../core/http';
import { type OAuthAppSettings, TokenSession } from '../../core/session';
import { MicrosoftAdsClient } from './client';
import { type MicrosoftEnvironment, refreshMicrosoftToken } from './oauth';

export const MICROSOFT_ADS_DEFAULTS = {
  authBaseUrl: 'https://login.microsoftonline.com',
  apiBaseUrl: 'https://campaign.api.bingads.microsoft.com',
  sandboxApiBaseUrl: 'https://campaign.api.sandbox.bingads.microsoft.com',
  tenant: 'common',
} as const;

export interface MicrosoftAdsConnectionSettings extends OAuthAppSettings {
  readonly authBaseUrl: string;
  /** The production host is swapped for the sandbox host when `environment` is `sandbox`; any other value is kept. */
  readonly apiBaseUrl: string;
  readonly tenant: string;
  readonly environment: MicrosoftEnvironment;
  readonly developerToken: string;
  /** Wait after a 117 CallRateExceeded (reference: 60 s). */
  readonly throttleWaitMs?: number;
}

export function effectiveApiBaseUrl(apiBaseUrl: string, environment: MicrosoftEnvironment): string {
  const isProductionDefault = joinUrl(apiBaseUrl, '') === MICROSOFT_ADS_DEFAULTS.apiBaseUrl;
  return environment === 'sandbox' && isProductionDefault ? MICROSOFT_ADS_DEFAULTS.sandboxApiBaseUrl : apiBaseUrl;
}

/** One Microsoft Advertising connection: its token (rotated refresh tokens kept) and its API client. */
export class MicrosoftAdsConnection extends TokenSession {
  readonly client: MicrosoftAdsClient;

  constructor(settings: MicrosoftAdsConnectionSettings) {
    super(settings, {
      requestToken: (http, refreshToken) => refreshMicrosoftToken(http, settings, refreshToken),
      lifetimeSeconds: 3600,
      moreSecrets: [settings.developerToken],
    });
    this.client = new MicrosoftAdsClient({
      http: this.http,
      apiBaseUrl: effectiveApiBaseUrl(settings.apiBaseUrl, settings.environment),
      developerToken: settings.developerToken,
      token: () => this.tokens.get(),
      throttleWaitMs: settings.throttleWaitMs ?? 60_000,
    });
  }
}
