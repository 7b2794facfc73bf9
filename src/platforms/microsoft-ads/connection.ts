import type { AxiosInstance } from 'axios';
import { createHttpClient, joinUrl } from '../../core/http';
import { holdSecrets } from '../../core/redact';
import { type RefreshTokenStore, TokenManager } from '../../core/token-manager';
import { MicrosoftAdsAdapter, type MicrosoftAdsAudienceSettings } from './adapter';
import { MicrosoftAdsClient } from './client';
import { type MicrosoftEnvironment, refreshMicrosoftToken } from './oauth';

export const MICROSOFT_ADS_DEFAULTS = {
  authBaseUrl: 'https://login.microsoftonline.com',
  apiBaseUrl: 'https://campaign.api.bingads.microsoft.com',
  sandboxApiBaseUrl: 'https://campaign.api.sandbox.bingads.microsoft.com',
  tenant: 'common',
} as const;

export interface MicrosoftAdsConnectionSettings {
  readonly authBaseUrl: string;
  /** The production host is swapped for the sandbox host when `environment` is `sandbox`; any other value is kept. */
  readonly apiBaseUrl: string;
  readonly tenant: string;
  readonly environment: MicrosoftEnvironment;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken?: string;
  readonly developerToken: string;
  readonly tokenStore?: RefreshTokenStore;
  readonly assertAllowed?: () => void;
  /** Wait after a 117 CallRateExceeded (reference: 60 s). */
  readonly throttleWaitMs?: number;
  readonly http?: AxiosInstance;
}

export function effectiveApiBaseUrl(apiBaseUrl: string, environment: MicrosoftEnvironment): string {
  const isProductionDefault = joinUrl(apiBaseUrl, '') === MICROSOFT_ADS_DEFAULTS.apiBaseUrl;
  return environment === 'sandbox' && isProductionDefault ? MICROSOFT_ADS_DEFAULTS.sandboxApiBaseUrl : apiBaseUrl;
}

/** One Microsoft Advertising connection: its token (rotated refresh tokens kept) and its API client. */
export class MicrosoftAdsConnection {
  readonly tokens: TokenManager;
  readonly client: MicrosoftAdsClient;
  private readonly releaseSecrets: () => void;

  constructor(settings: MicrosoftAdsConnectionSettings) {
    const http = settings.http ?? createHttpClient();
    this.releaseSecrets = holdSecrets([settings.clientSecret, settings.developerToken]);
    this.tokens = new TokenManager({
      requestToken: (refreshToken) => refreshMicrosoftToken(http, settings, refreshToken),
      refreshToken: settings.refreshToken,
      store: settings.tokenStore,
      assertAllowed: settings.assertAllowed,
      defaultLifetimeSeconds: 3600,
    });
    this.client = new MicrosoftAdsClient({
      http,
      apiBaseUrl: effectiveApiBaseUrl(settings.apiBaseUrl, settings.environment),
      developerToken: settings.developerToken,
      token: () => this.tokens.get(),
      throttleWaitMs: settings.throttleWaitMs ?? 60_000,
    });
  }

  /** The connection is done with: its secrets and tokens are no longer held for masking. */
  close(): void {
    this.tokens.close();
    this.releaseSecrets();
  }

  adapter(settings: MicrosoftAdsAudienceSettings): MicrosoftAdsAdapter {
    return new MicrosoftAdsAdapter(this.client, settings);
  }
}
