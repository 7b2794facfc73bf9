import { definePlatform } from '../../core/platform';
import { OAUTH_APP_CREDENTIALS, oauthAppOf } from '../../core/session';
import { SNAPCHAT_LIMITS, SnapchatAdapter, type SnapchatAudienceSettings } from './adapter';
import { SNAPCHAT_DEFAULTS, SnapchatConnection } from './connection';
import { exchangeSnapchatCode, snapchatAuthorizeUrl } from './oauth';

interface ConnectionSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
}

/** Snapchat Customer List segments (`EMAIL_SHA256`): the platform as the glue, the approvals and the editor see it. */
export const snapchat = definePlatform<ConnectionSettings, SnapchatAudienceSettings, SnapchatConnection>({
  id: 'snapchat',
  label: 'Snapchat',
  color: '#FFFC00',
  icon: 'snapchat.svg',
  limits: SNAPCHAT_LIMITS,
  replaceStrategy: 'clear-then-add',
  connection: {
    fields: [
      { name: 'authBaseUrl', kind: 'url', default: SNAPCHAT_DEFAULTS.authBaseUrl, icon: 'sign-in', section: 'endpoints', host: true },
      { name: 'apiBaseUrl', kind: 'url', default: SNAPCHAT_DEFAULTS.apiBaseUrl, icon: 'server', section: 'endpoints', host: true },
    ],
    credentials: OAUTH_APP_CREDENTIALS,
    hosts: (settings) => [settings.authBaseUrl, settings.apiBaseUrl],
    open: (context) => new SnapchatConnection({ ...context.settings, ...oauthAppOf(context) }),
    signIn: {
      authorizeUrl: (settings, params) => snapchatAuthorizeUrl(settings.authBaseUrl, params),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeSnapchatCode(http, { authBaseUrl: settings.authBaseUrl, ...client }, code, redirectUri),
    },
    identify: async (session) => {
      const me = await session.client.me();
      return [me.displayName ?? 'Snapchat user', me.organizationId ? `(organization ${me.organizationId})` : ''].filter(Boolean).join(' ');
    },
    audiences: async (session, query) => (await session.client.listSegments(query.adAccountId)).map((segment) => ({ id: segment.id, name: segment.name })),
  },
  audience: {
    fields: [
      { name: 'adAccountId', kind: 'id', default: '', required: true, icon: 'briefcase', section: 'audience', picker: 'query' },
      { name: 'audienceId', kind: 'id', default: '', icon: 'users', section: 'audience', picker: 'target' },
      { name: 'retentionDays', kind: 'integer', default: 9999, min: 1, max: 9999, icon: 'calendar', section: 'audience', tip: 'text' },
    ],
    adapter: (session, settings) => new SnapchatAdapter(session.client, settings),
  },
});
