import { definePlatform } from '../../core/platform';
import { META_LIMITS, MetaAdapter, type MetaAudienceSettings } from './adapter';
import { META_DEFAULTS, MetaConnection } from './connection';
import { describeToken } from './identify';
import { exchangeMetaCode, metaAuthorizeUrl } from './oauth';

interface ConnectionSettings {
  readonly apiVersion: string;
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
}

/** Meta customer-list Custom Audiences (`subtype=CUSTOM`, email SHA-256), found or created by name. */
export const meta = definePlatform<ConnectionSettings, MetaAudienceSettings, MetaConnection>({
  id: 'meta',
  label: 'Meta',
  color: '#6FA8F5',
  icon: 'meta.svg',
  limits: META_LIMITS,
  // usersreplace: its first batch (batch_seq=1) wipes the audience and adds; the rest add in that session.
  replaceStrategy: 'first-batch-replaces',
  connection: {
    fields: [
      { name: 'apiVersion', kind: 'text', default: META_DEFAULTS.apiVersion, pattern: '^v\\d+\\.\\d+$', blankIsDefault: true, icon: 'code-fork', section: 'credentials', tip: 'text' },
      // The login dialog receives no secret (an app id and a one-time state): it is not pinned.
      { name: 'authBaseUrl', kind: 'url', default: META_DEFAULTS.authBaseUrl, icon: 'sign-in', section: 'endpoints' },
      { name: 'apiBaseUrl', kind: 'url', default: META_DEFAULTS.apiBaseUrl, icon: 'server', section: 'endpoints', host: true },
    ],
    credentials: [
      { name: 'accessToken', secret: true, icon: 'key' },
      { name: 'appId', secret: false, icon: 'id-card-o' },
      { name: 'appSecret', secret: true, icon: 'lock' },
    ],
    // The token and the app secret (and the proof made of them) go to the Graph API only.
    hosts: (settings) => [settings.apiBaseUrl],
    open: (context) =>
      new MetaConnection({
        apiBaseUrl: context.settings.apiBaseUrl,
        apiVersion: context.settings.apiVersion,
        accessToken: context.credentials.accessToken,
        appId: context.credentials.appId,
        appSecret: context.credentials.appSecret,
        assertAllowed: context.assertAllowed,
      }),
    signIn: {
      // Meta's app id and secret sign in; what is kept is the long-lived access token (no refresh token).
      credentials: { clientId: 'appId', clientSecret: 'appSecret', token: 'accessToken' },
      authorizeUrl: (settings, params) => metaAuthorizeUrl(settings, params),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeMetaCode(http, settings, client, code, redirectUri),
    },
    identify: async (session) => describeToken(await session.client.debugToken()),
    audiences: async (session, query) => {
      if (!query.adAccountId) return [];
      const audiences = await session.client.listAudiences(query.adAccountId);
      return audiences.filter((audience) => (audience.subtype ?? 'CUSTOM') === 'CUSTOM').map(({ id, name }) => ({ id, name }));
    },
  },
  audience: {
    fields: [
      { name: 'adAccountId', kind: 'text', default: '', required: true, pattern: '^(act_)?\\d*$', icon: 'briefcase', section: 'audience', picker: 'query' },
      { name: 'audienceId', kind: 'id', default: '', digits: true, icon: 'users', section: 'audience', picker: 'target' },
      { name: 'audienceName', kind: 'text', default: '', maxLength: 255, icon: 'font', section: 'audience' },
      {
        name: 'customerFileSource',
        kind: 'select',
        default: 'USER_PROVIDED_ONLY',
        options: ['USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED'],
        icon: 'handshake-o',
        section: 'data',
        tip: 'options',
      },
    ],
    adapter: (session, settings) => new MetaAdapter(session.client, settings),
  },
});
