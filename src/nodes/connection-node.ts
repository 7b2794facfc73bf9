import { createHash } from 'node:crypto';
import { ExportError } from '../core/errors';
import { settingsSchema } from '../core/fields';
import { nodeTypesOf, type PlatformDefinition, type PlatformSession, type Settings } from '../core/platform';
import { EncryptedRefreshTokenStore } from '../core/secret-store';
import { DocumentSecretPins, hostSetKey, type Secrets } from '../core/secret-pins';
import type { RefreshTokenStore } from '../core/token-manager';
import { ApprovalStore } from './approvals';
import { type ConnectionBase, ConnectionBaseSchema, describeIssues } from './config-schemas';
import type { CredentialDefinition, NodeConfig, NodeRedApi, RuntimeNode } from './red-types';
import { documentOf } from './stores';

/** A deployed connection config node, as the export nodes and the admin routes see it. */
export interface ConnectionNode extends RuntimeNode {
  readonly platform: PlatformDefinition;
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
  session(): PlatformSession;
}

/** The credentials that are secrets: what is pinned to hosts and masked. */
export function secretsOf(platform: PlatformDefinition, credentials: Readonly<Record<string, string | undefined>>): Secrets {
  return Object.fromEntries(platform.connection.credentials.filter((field) => field.secret).map((field) => [field.name, credentials[field.name]]));
}

/** Node-RED's credential declaration for a platform's connection (text or password). */
export function credentialTypes(platform: PlatformDefinition): Record<string, CredentialDefinition> {
  return Object.fromEntries(platform.connection.credentials.map((field) => [field.name, { type: field.secret ? 'password' : 'text' }]));
}

/** The host pins: `pins.json` in the data directory, or its key in a shared store (stores.ts). */
export function secretPins(RED: NodeRedApi): DocumentSecretPins {
  return new DocumentSecretPins(documentOf(RED, 'pins.json'));
}

/** Registers a platform's connection config node (DESIGN §3, §6). */
export function registerConnectionNode(RED: NodeRedApi, platform: PlatformDefinition): void {
  const settingsOf = settingsSchema(platform.connection.fields);
  function ConnectionNodeConstructor(this: RuntimeNode, config: NodeConfig): void {
    RED.nodes.createNode(this, config);
    const node = this as ConnectionNode & { platform: PlatformDefinition; base: ConnectionBase; config: NodeConfig; settings?: Settings; configError?: string };
    const base = ConnectionBaseSchema.safeParse(config);
    const settings = settingsOf.safeParse(config);
    node.platform = platform;
    node.base = base.success ? base.data : ConnectionBaseSchema.parse({});
    node.config = config;
    node.settings = settings.success ? settings.data : undefined;
    node.configError = [base, settings].flatMap((r) => (r.success ? [] : [describeIssues(r.error)])).join('; ') || undefined;
    let session: PlatformSession | undefined;
    let closed = false;

    /** Secrets new to this connection are pinned to its hosts; known ones must have been entered for them. */
    let pinned: Promise<void> = Promise.resolve();
    const pin = (): void => {
      if (!node.settings) return;
      pinned = secretPins(RED).verify(node.id, secretsOf(platform, node.credentials ?? {}), platform.connection.hosts(node.settings));
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
      if (node.configError) throw new ExportError('invalid_config', `The connection is misconfigured: ${node.configError}`, { params: { detail: `connection: ${node.configError}` } });
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
      if (node.configError || !node.settings) throw new ExportError('invalid_config', `The connection is misconfigured: ${node.configError}`, { params: { detail: `connection: ${node.configError}` } });
      if (session) return session;
      const credentials = node.credentials ?? {};
      session = platform.connection.open({
        settings: node.settings,
        credentials,
        assertAllowed: node.assertAllowed,
        tokenStore: tokenStoreFor(RED, node.id, credentials, platform.connection.hosts(node.settings)),
        tuning: RED.settings,
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
  RED.nodes.registerType(nodeTypesOf(platform).connection, ConnectionNodeConstructor, { credentials: credentialTypes(platform) });
}

/**
 * Rotated refresh tokens go to `<data dir>/tokens/<digest of the connection id>.json` (or that key of a
 * shared store), encrypted with
 * the client secret and bound to the hosts they came from: a token answered by other hosts is never
 * read back. The digest keeps names distinct (`conn/1` and `conn_1` once shared a file).
 */
export function tokenStoreFor(RED: NodeRedApi, connectionId: string, credentials: Readonly<Record<string, string | undefined>>, hosts: readonly string[]): RefreshTokenStore | undefined {
  const { clientSecret, refreshToken } = credentials;
  if (!clientSecret || !refreshToken) return undefined;
  const name = `tokens/${createHash('sha256').update(connectionId).digest('hex').slice(0, 32)}.json`;
  return new EncryptedRefreshTokenStore(documentOf(RED, name), { clientSecret, connectionId, credentialRefreshToken: refreshToken, hosts: hostSetKey(hosts) });
}
