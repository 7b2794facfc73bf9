import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { z } from 'zod';
import type { AxiosInstance } from 'axios';
import { ExportError } from '../core/errors';
import { EncryptedRefreshTokenFile } from '../core/secret-store';
import { hostSetKey, secretPinsFor, type Secrets } from '../core/secret-pins';
import type { RefreshTokenStore, TokenGrant, TokenManager } from '../core/token-manager';
import { ApprovalStore } from './approvals';
import { type ConnectionBase, ConnectionBaseSchema, describeIssues } from './config-schemas';
import type { CredentialDefinition, NodeConfig, NodeRedApi, RuntimeNode } from './red-types';
import { dataDirectory } from './runtime-settings';

/** What a platform's connection object must offer the export nodes and the admin routes. */
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

/** What the admin endpoints need of a platform: sign-in, identity, audiences. */
export interface ConnectionAdmin<Settings, Session extends PlatformSession> {
  /** The consent page; undefined when the connection does not sign in (Criteo client credentials). */
  authorizeUrl(settings: Settings, params: { clientId: string; redirectUri: string; state: string }): string | undefined;
  exchangeCode(http: AxiosInstance, settings: Settings, client: { clientId: string; clientSecret: string }, code: string, redirectUri: string): Promise<TokenGrant>;
  /** Who the connection is authenticated as, in a few non-personal words. */
  identify(session: Session, settings: Settings): Promise<string>;
  /** The account's audiences; `query` holds the export's ids (ad account, customer and account, advertiser). */
  audiences(session: Session, query: Readonly<Record<string, unknown>>): Promise<AudienceChoice[]>;
}

export interface ConnectionDescriptor<Settings, Session extends PlatformSession> {
  readonly type: string;
  readonly admin: ConnectionAdmin<NoInfer<Settings>, NoInfer<Session>>;
  readonly credentials: Record<string, CredentialDefinition>;
  /** The platform's own properties (base URLs, tenant, …) with their defaults. */
  readonly settingsSchema: z.ZodType<Settings>;
  /** Every base URL a secret or a token derived from it is sent to: what the secrets are pinned to. */
  hosts(settings: Settings): string[];
  open(context: {
    readonly settings: Settings;
    readonly credentials: Readonly<Record<string, string | undefined>>;
    readonly assertAllowed: () => void | Promise<void>;
    readonly tokenStore?: RefreshTokenStore;
    /** Node-RED's settings, for the package's optional tuning (e.g. `audienceExportThrottleWaitMs`). */
    readonly runtimeSettings: NodeRedApi['settings'];
  }): Session;
}

/** A deployed connection config node, as the export nodes see it. */
export interface ConnectionNode<Session extends PlatformSession, Settings = unknown> extends RuntimeNode {
  readonly base: ConnectionBase;
  /** The node's configuration as deployed (what an approval of the connection binds). */
  readonly config: NodeConfig;
  /** The platform settings, when valid. */
  readonly settings?: Settings;
  /** The credentials changed (sign-in): read them again and start a new session. */
  reloadCredentials(): void;
  /** Throws an ExportError when the connection may not send anything (closed, no consent, misconfigured, secrets entered for other hosts). */
  assertAllowed(): Promise<void>;
  /** The platform session (token, client), opened on first use. */
  session(): Session;
}

/** Connection types by name, for the admin endpoints. */
const descriptors = new Map<string, ConnectionDescriptor<unknown, PlatformSession>>();

export function connectionDescriptor(type: string): ConnectionDescriptor<unknown, PlatformSession> | undefined {
  return descriptors.get(type);
}

/** The credentials that are secrets (password fields): what is pinned to hosts and masked. */
export function secretsOf(descriptor: Pick<ConnectionDescriptor<unknown, PlatformSession>, 'credentials'>, credentials: Readonly<Record<string, string | undefined>>): Secrets {
  const secrets: Record<string, string | undefined> = {};
  for (const [name, definition] of Object.entries(descriptor.credentials)) if (definition.type === 'password') secrets[name] = credentials[name];
  return secrets;
}

export function secretPins(RED: NodeRedApi) {
  return secretPinsFor(path.join(dataDirectory(RED), 'pins.json'));
}

export function registerConnectionNode<Settings, Session extends PlatformSession>(RED: NodeRedApi, descriptor: ConnectionDescriptor<Settings, Session>): void {
  descriptors.set(descriptor.type, descriptor as unknown as ConnectionDescriptor<unknown, PlatformSession>);
  function ConnectionNodeConstructor(this: RuntimeNode, config: NodeConfig): void {
    RED.nodes.createNode(this, config);
    const node = this as ConnectionNode<Session, Settings> & { base: ConnectionBase; config: NodeConfig; settings?: Settings; configError?: string };
    const base = ConnectionBaseSchema.safeParse(config);
    const settings = descriptor.settingsSchema.safeParse(config);
    node.base = base.success ? base.data : ConnectionBaseSchema.parse({});
    node.config = config;
    node.settings = settings.success ? settings.data : undefined;
    node.configError = [base, settings].flatMap((r) => (r.success ? [] : [describeIssues(r.error)])).join('; ') || undefined;
    let session: Session | undefined;
    let closed = false;

    /** Secrets new to this connection are pinned to its hosts; known ones must have been entered for them. */
    let pinned: Promise<void> = Promise.resolve();
    const pin = (): void => {
      if (!node.settings) return;
      pinned = secretPins(RED).verify(node.id, secretsOf(descriptor, node.credentials ?? {}), descriptor.hosts(node.settings));
      pinned.catch(() => undefined); // reported when the connection is used
    };
    pin();
    // Once administrator-scoped, always, until an administrator says otherwise (see approvals.ts).
    if (node.base.scope === 'administrators' && RED.settings.adminAuth) ApprovalStore.for(RED).recordAdministratorScope(node.id).catch(() => undefined);

    node.assertAllowed = async () => {
      // Closed by a deploy (consent withdrawn, hosts changed) or a shutdown: its runs send nothing more.
      if (closed) throw new ExportError('aborted', 'The connection was closed (redeployed or stopped); nothing more is sent with it');
      if (!node.base.consent) {
        throw new ExportError('consent_required', 'The connection\'s data privacy and compliance terms are not accepted ("I agree" is not ticked): nothing was sent');
      }
      if (node.configError) throw new ExportError('invalid_config', `The connection is misconfigured: ${node.configError}`);
      await pinned;
    };

    node.reloadCredentials = () => {
      node.credentials = { ...(RED.nodes.getCredentials?.(node.id) ?? node.credentials ?? {}) };
      session?.close();
      session = undefined;
      pin();
    };

    // Opening a session sends nothing (a dry run plans with it offline); the gate above sits in front
    // of every token request and every export instead.
    node.session = () => {
      if (node.configError) throw new ExportError('invalid_config', `The connection is misconfigured: ${node.configError}`);
      if (session) return session;
      const credentials = node.credentials ?? {};
      const current = node.settings as Settings;
      session = descriptor.open({
        settings: current,
        credentials,
        assertAllowed: node.assertAllowed,
        tokenStore: tokenStoreFor(RED, node.id, credentials, descriptor.hosts(current)),
        runtimeSettings: RED.settings,
      });
      return session;
    };

    node.on('close', (_removed, done) => {
      closed = true;
      session?.close();
      session = undefined;
      done();
    });
  }
  RED.nodes.registerType(descriptor.type, ConnectionNodeConstructor, { credentials: descriptor.credentials });
}

/**
 * Rotated refresh tokens go to `<data dir>/tokens/<digest of the connection id>.json`, encrypted with
 * the client secret and bound to the hosts they came from: a token answered by other hosts is never
 * read back. The digest keeps names distinct (`conn/1` and `conn_1` once shared a file).
 */
export function tokenStoreFor(RED: NodeRedApi, connectionId: string, credentials: Readonly<Record<string, string | undefined>>, hosts: readonly string[]): RefreshTokenStore | undefined {
  const { clientSecret, refreshToken } = credentials;
  if (!clientSecret || !refreshToken) return undefined;
  const directory = path.join(dataDirectory(RED), 'tokens');
  const file = path.join(directory, `${createHash('sha256').update(connectionId).digest('hex').slice(0, 32)}.json`);
  return new EncryptedRefreshTokenFile(file, { clientSecret, connectionId, credentialRefreshToken: refreshToken, hosts: hostSetKey(hosts) });
}
