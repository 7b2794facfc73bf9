export { MICROSOFT_ADS_LIMITS, MicrosoftAdsAdapter, type MicrosoftAdsAudienceSettings } from './adapter';
export { MicrosoftAdsClient } from './client';
export { effectiveApiBaseUrl, MICROSOFT_ADS_DEFAULTS, MicrosoftAdsConnection, type MicrosoftAdsConnectionSettings } from './connection';
export { exchangeMicrosoftCode, microsoftAuthorizeUrl, MICROSOFT_SCOPES, type MicrosoftEnvironment, microsoftTokenUrl, refreshMicrosoftToken } from './oauth';
