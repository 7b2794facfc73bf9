import { definePlatform } from '../../core/platform';
import { OAUTH_APP_CREDENTIALS, oauthAppOf } from '../../core/session';
import { CRITEO_LIMITS, CriteoAdapter } from './adapter';
import { CRITEO_DEFAULTS, CRITEO_OPENAPI_AUTHORIZE_URL, CriteoConnection } from './connection';
import { type CriteoGrantType, criteoAuthorizeUrl, exchangeCriteoCode } from './oauth';

interface ConnectionSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly grantType: CriteoGrantType;
  readonly apiVersion: string;
  readonly authorizeUrl: string;
}

interface AudienceSettings {
  readonly advertiserId: string;
  readonly audienceName: string;
  readonly audienceId: string;
  readonly emailEncoding: 'sha256' | 'plain';
}

/** Criteo contact-list audience segments, found or created by name. */
export const criteo = definePlatform<ConnectionSettings, AudienceSettings, CriteoConnection>({
  id: 'criteo',
  label: 'Criteo',
  color: '#FF7A3D',
  icon: 'criteo.svg',
  limits: CRITEO_LIMITS,
  replaceStrategy: 'clear-then-add',
  connection: {
    fields: [
      { name: 'grantType', kind: 'select', default: 'client_credentials', options: ['client_credentials', 'authorization_code'], icon: 'exchange', section: 'credentials', tip: 'options' },
      { name: 'apiVersion', kind: 'text', default: CRITEO_DEFAULTS.apiVersion, pattern: '^(\\d{4}-\\d{2}|preview)$', blankIsDefault: true, icon: 'code-fork', section: 'credentials', tip: 'text' },
      { name: 'authBaseUrl', kind: 'url', default: CRITEO_DEFAULTS.authBaseUrl, icon: 'sign-in', section: 'endpoints', host: true },
      { name: 'apiBaseUrl', kind: 'url', default: CRITEO_DEFAULTS.apiBaseUrl, icon: 'server', section: 'endpoints', host: true },
      { name: 'authorizeUrl', kind: 'url', default: CRITEO_DEFAULTS.authorizeUrl, suggestions: [CRITEO_DEFAULTS.authorizeUrl, CRITEO_OPENAPI_AUTHORIZE_URL], icon: 'external-link', section: 'endpoints', tip: 'text' },
    ],
    credentials: OAUTH_APP_CREDENTIALS,
    // The consent page receives no secret (a client id and a one-time state): it is not pinned.
    hosts: (settings) => [settings.authBaseUrl, settings.apiBaseUrl],
    open: (context) => new CriteoConnection({ ...context.settings, ...oauthAppOf(context) }),
    signIn: {
      // Client-credentials apps have nobody to sign in.
      when: { field: 'grantType', equals: 'authorization_code' },
      authorizeUrl: (settings, params) => (settings.grantType === 'authorization_code' ? criteoAuthorizeUrl(settings.authorizeUrl, params) : undefined),
      exchangeCode: (http, settings, client, code, redirectUri) => exchangeCriteoCode(http, { authBaseUrl: settings.authBaseUrl, ...client }, code, redirectUri),
    },
    identify: async (session) => {
      const me = await session.client.me();
      return [me.name ?? 'Criteo application', me.organizationId ? `(organization ${me.organizationId})` : ''].filter(Boolean).join(' ');
    },
    audiences: async (session, query) => (await session.client.searchContactLists(query.advertiserId || undefined)).map((segment) => ({ id: segment.id, name: segment.name })),
  },
  audience: {
    fields: [
      { name: 'advertiserId', kind: 'id', default: '', digits: true, icon: 'briefcase', section: 'audience', picker: 'query' },
      { name: 'audienceName', kind: 'text', default: '', maxLength: 255, icon: 'font', section: 'audience' },
      { name: 'audienceId', kind: 'id', default: '', digits: true, icon: 'users', section: 'audience', picker: 'target' },
      { name: 'emailEncoding', kind: 'select', default: 'sha256', options: ['sha256', 'plain'], icon: 'hashtag', section: 'data', tip: 'options' },
    ],
    // Plain mode: Criteo hashes on arrival (the one case an address leaves the process, by the user's choice).
    encoding: (settings) => settings.emailEncoding,
    adapter: (session, settings) => new CriteoAdapter(session.client, settings),
  },
});
