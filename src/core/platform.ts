import type { AxiosInstance } from 'axios';
import type { EmailEncoding } from './email';
import type { FieldDefinition, FieldValue } from './fields';
import type { RefreshTokenStore, TokenGrant, TokenManager } from './token-manager';
import type { PlatformAdapter, PlatformLimits, ReplaceStrategy } from './types';

/**
 * The platform definition contract (DESIGN §9): everything the node glue, the admin routes, the
 * approvals and the editor build need to know of a platform, as one plain record, in the spirit of
 * Segment's action-destinations. A platform folder exports one; `src/platforms/index.ts` lists them.
 * No Node-RED type appears here: the glue turns a definition into node types, the build turns it
 * into dialogs, help and catalogues.
 */
export interface PlatformDefinition<ConnectionSettings = Settings, AudienceSettings = Settings, Session extends PlatformSession = PlatformSession> {
  /** `platform` in every output (`snapchat`), and the prefix of its node types (`snapchat-connection`, `snapchat-audience`). */
  readonly id: string;
  /** The platform's name in words (`Snapchat`, `Microsoft Advertising`). */
  readonly label: string;
  /** The node colour in the palette. */
  readonly color: string;
  /** The palette icon (an SVG in the platform's folder, copied beside the nodes by the build). */
  readonly icon: string;
  readonly limits: PlatformLimits;
  readonly replaceStrategy: ReplaceStrategy;
  readonly connection: ConnectionDefinition<ConnectionSettings, Session>;
  readonly audience: AudienceDefinition<AudienceSettings, Session>;
}

export type Settings = Readonly<Record<string, FieldValue>>;

/** A credential of the connection (Node-RED's credential store): a secret is never shown again and is pinned to hosts. */
export interface CredentialField {
  readonly name: string;
  readonly secret: boolean;
  /** Font Awesome 4.7 icon of its dialog row. */
  readonly icon: string;
}

export interface ConnectionDefinition<Settings, Session extends PlatformSession> {
  /** The connection's own settings (hosts, tenant, grant…), beside the name, scope and consent every connection has. */
  readonly fields: readonly FieldDefinition[];
  readonly credentials: readonly CredentialField[];
  /** Every base URL a secret, or a token made from one, is sent to: what the secrets are pinned to. */
  hosts(settings: Settings): string[];
  /** A session on these settings and credentials. Opening sends nothing. */
  open(context: SessionContext<Settings>): Session;
  /** "Authenticate with …": the consent page and the code exchange; undefined for settings that sign in no one. */
  readonly signIn?: SignIn<Settings>;
  /** Who the connection is authenticated as, in a few non-personal words (Test connection). */
  identify(session: Session, settings: Settings): Promise<string>;
  /** The account's audiences for the editor's picker; `query` holds the export's picker fields. */
  audiences?(session: Session, query: Readonly<Record<string, string>>): Promise<AudienceChoice[]>;
}

export interface SignIn<Settings> {
  /** Only for these settings (Criteo's authorization-code grant); the editor shows the button then. */
  readonly when?: { readonly field: string; readonly equals: FieldValue };
  /**
   * Which credentials sign in and which one keeps the result: by default the app is `clientId` and
   * `clientSecret` and the grant's refresh token is kept in `refreshToken`. A platform without refresh
   * tokens (Meta) keeps the grant's access token instead (`token: 'accessToken'`).
   */
  readonly credentials?: SignInCredentials;
  authorizeUrl(settings: Settings, params: { clientId: string; redirectUri: string; state: string }): string | undefined;
  exchangeCode(http: AxiosInstance, settings: Settings, client: { clientId: string; clientSecret: string }, code: string, redirectUri: string): Promise<TokenGrant>;
}

export interface SignInCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The credential the sign-in's token goes to; `refreshToken` keeps the grant's refresh token, any other name its access token. */
  readonly token: string;
}

/** The credentials of the OAuth app that signs in, and where the result goes, as most platforms name them. */
export const DEFAULT_SIGN_IN_CREDENTIALS: SignInCredentials = { clientId: 'clientId', clientSecret: 'clientSecret', token: 'refreshToken' };

export interface SessionContext<Settings> {
  readonly settings: Settings;
  readonly credentials: Readonly<Record<string, string | undefined>>;
  /** Throws when nothing may be sent (consent, host pins, a closed connection): checked before every token is handed out. */
  readonly assertAllowed: () => void | Promise<void>;
  /** Where a rotated refresh token is kept across restarts. */
  readonly tokenStore?: RefreshTokenStore;
  /** Optional tuning from the runtime's settings (e.g. `audienceExportThrottleWaitMs`). */
  readonly tuning: Readonly<Record<string, unknown>>;
}

/** What a platform's connection object offers the engine and the admin routes. */
export interface PlatformSession {
  readonly tokens: TokenManager;
  /** Done with: its secrets and tokens are no longer held for masking. */
  close(): void;
}

/** An audience as the editor's picker lists it. */
export interface AudienceChoice {
  readonly id: string;
  readonly name: string;
}

export interface AudienceDefinition<Settings, Session extends PlatformSession> {
  /** The export's platform settings (ad account, audience…), beside the fields every export has. */
  readonly fields: readonly FieldDefinition[];
  /** How emails leave the process; SHA-256 unless the platform takes plain addresses by choice. */
  encoding?(settings: Settings): EmailEncoding;
  adapter(session: Session, settings: Settings): PlatformAdapter;
}

/** The node types a platform registers. */
export function nodeTypesOf(platform: Pick<PlatformDefinition, 'id'>): { readonly connection: string; readonly export: string } {
  return { connection: `${platform.id}-connection`, export: `${platform.id}-audience` };
}

/**
 * A platform's definition, typed with its own settings and session, as the list holds it. The one
 * place the platform's types are erased: its settings are what its own fields parse to.
 */
export function definePlatform<ConnectionSettings, AudienceSettings, Session extends PlatformSession>(definition: PlatformDefinition<ConnectionSettings, AudienceSettings, Session>): PlatformDefinition {
  return definition as unknown as PlatformDefinition;
}
