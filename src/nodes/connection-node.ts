import { createHash } from 'node:crypto';
import { ExportError } from '../core/errors';
import { settingsSchema } from '../core/fields';
import { nodeTypesOf, type PlatformDefinition, type PlatformSession, type Settings } from '../core/platform';
import { EncryptedRefreshTokenStore } from '../core/secret-store';
import { DocumentSecretPins, hostSetKey, type Secrets } from '../core/secret-pins';
import type { RefreshTokenStore } from '../core/token-manager';
import { ApprovalStore, fingerprintOf } from './approvals';
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
      pinned = recordStart(RED, platform, config, node.credentials ?? {});
      pinned.catch(() => undefined); // reported when the connection is used
    };
    pin();

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
 * What a connection's start records, enabled or not: its secrets pinned to its hosts (known ones must
 * have been entered for them: refused otherwise) and, administrator-scoped, its scope and first
 * deployed configuration (approvals.ts). Resolves when the pins allow the connection to be used.
 */
function recordStart(RED: NodeRedApi, platform: PlatformDefinition, config: NodeConfig, credentials: Readonly<Record<string, string | undefined>>): Promise<void> {
  const base = ConnectionBaseSchema.safeParse(config);
  if (base.success && base.data.scope === 'administrators' && RED.settings.adminAuth) {
    ApprovalStore.for(RED).recordAdministratorConnection(config.id, fingerprintOf(config)).catch(() => undefined);
  }
  const settings = settingsSchema(platform.connection.fields).safeParse(config);
  if (!settings.success) return Promise.resolve();
  return secretPins(RED).verify(config.id, secretsOf(platform, credentials), platform.connection.hosts(settings.data));
}

/** The listener of the runtime this module was last registered with (a test runtime registers it again). */
let watching: { readonly RED: NodeRedApi; readonly listener: () => void } | undefined;

/**
 * A disabled connection (or one on a disabled tab) is configured but never constructed: record its
 * start at each deploy all the same, so secrets an administrator deployed on it are pinned to the hosts
 * they came with before a contributor can re-host, re-scope and enable it.
 */
export function recordStartsOfIdleConnections(RED: NodeRedApi, platforms: readonly PlatformDefinition[]): void {
  if (watching) watching.RED.events?.removeListener('flows:started', watching.listener);
  const byType = new Map(platforms.map((platform) => [nodeTypesOf(platform).connection, platform]));
  const listener = (): void => {
    RED.nodes.eachNode?.((config) => {
      const platform = byType.get(config.type);
      if (!platform || RED.nodes.getNode(config.id)) return; // a constructed one recorded its own start
      recordStart(RED, platform, config, RED.nodes.getCredentials?.(config.id) ?? {}).catch(() => undefined);
    });
  };
  RED.events?.on('flows:started', listener);
  watching = { RED, listener };
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
