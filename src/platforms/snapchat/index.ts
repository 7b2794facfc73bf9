export { SNAPCHAT_LIMITS, SnapchatAdapter, type SnapchatAudienceSettings } from './adapter';
export { SnapchatClient, usersBody } from './client';
export { SNAPCHAT_DEFAULTS, SnapchatConnection, type SnapchatConnectionSettings } from './connection';
export { snapchatAuthorizeUrl, exchangeSnapchatCode, refreshSnapchatToken, SNAPCHAT_AUTHORIZE_PATH, SNAPCHAT_SCOPE, SNAPCHAT_TOKEN_PATH } from './oauth';
