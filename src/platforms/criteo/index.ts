export { CRITEO_LIMITS, CriteoAdapter, type CriteoAudienceSettings } from './adapter';
export { CriteoClient } from './client';
export { CRITEO_DEFAULTS, CRITEO_OPENAPI_AUTHORIZE_URL, CriteoConnection, type CriteoConnectionSettings } from './connection';
export { criteoAuthorizeUrl, exchangeCriteoCode, type CriteoGrantType, requestCriteoToken } from './oauth';
