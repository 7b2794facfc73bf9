export { META_LIMITS, MetaAdapter, type MetaAudienceSettings } from './adapter';
export { actId, appSecretProof, MetaClient } from './client';
export { META_DEFAULTS, MetaConnection, type MetaConnectionSettings } from './connection';
export { graphError, regainAccessMs, termsLink } from './errors';
export { daysLeft, describeToken, EXPIRY_WARNING_DAYS } from './identify';
export { exchangeMetaCode, META_SCOPES, metaAuthorizeUrl } from './oauth';
