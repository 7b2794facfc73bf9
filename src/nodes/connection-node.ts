import * as path from 'node:path';
import type { z } from 'zod';
import { ExportError } from '../core/errors';
import { EncryptedRefreshTokenFile } from '../core/secret-store';
import type { RefreshTokenStore, TokenManager } from '../core/token-manager';
import { type ConnectionBase, ConnectionBaseSchema, describeIssues } from './config-schemas';
import type { CredentialDefinition, NodeConfig, NodeRedApi, RuntimeNode } from './red-types';
import { dataDirectory } from './runtime-settings';

/** What a platform's connection object must offer the export nodes. */
export interface PlatformSession {
  readonly tokens: TokenManager;
}

export interface ConnectionDescriptor<Settings, Session extends PlatformSession> {
  readonly type: string;
  readonly credentials: Record<string, CredentialDefinition>;
  /** The platform's own properties (base URLs, tenant, …) with their defaults. */
  readonly settingsSchema: z.ZodType<Settings>;
  open(context: {
    readonly settings: Settings;
    readonly credentials: Readonly<Record<string, string | undefined>>;
    readonly assertAllowed: () => void;
    readonly tokenStore?: RefreshTokenStore;
    /** Node-RED's settings, for the package's optional tuning (e.g. `audienceExportThrottleWaitMs`). */
    readonly runtimeSettings: NodeRedApi['settings'];
  }): Session;
}

/** A deployed connection config node, as the export nodes see it. */
export interface ConnectionNode<Session extends PlatformSession> extends RuntimeNode {
  readonly base: ConnectionBase;
  /** Throws an ExportError when the connection may not send anything. */
  assertAllowed(): void;
  /** The platform session (token, client), opened on first use. */
  session(): Session;
}

export function registerConnectionNode<Settings, Session extends PlatformSession>(RED: NodeRedApi, descriptor: ConnectionDescriptor<Settings, Session>): void {
  function ConnectionNodeConstructor(this: RuntimeNode, config: NodeConfig): void {
    RED.nodes.createNode(this, config);
    const node = this as ConnectionNode<Session> & { base: ConnectionBase; configError?: string };
    const base = ConnectionBaseSchema.safeParse(config);
    const settings = descriptor.settingsSchema.safeParse(config);
    node.base = base.success ? base.data : ConnectionBaseSchema.parse({});
    node.configError = [base, settings].flatMap((r) => (r.success ? [] : [describeIssues(r.error)])).join('; ') || undefined;
    let session: Session | undefined;

    node.assertAllowed = () => {
      if (!node.base.consent) {
        throw new ExportError('consent_required', 'The connection\'s data privacy and compliance terms are not accepted ("I agree" is not ticked): nothing was sent');
      }
      if (node.configError) throw new ExportError('invalid_config', `The connection is misconfigured: ${node.configError}`);
    };

    // Opening a session sends nothing (a dry run plans with it offline); the consent gate sits in
    // front of every token request and every export instead.
    node.session = () => {
      if (node.configError) throw new ExportError('invalid_config', `The connection is misconfigured: ${node.configError}`);
      if (session) return session;
      const credentials = node.credentials ?? {};
      session = descriptor.open({
        settings: (settings as { data: Settings }).data,
        credentials,
        assertAllowed: node.assertAllowed,
        tokenStore: tokenStoreFor(RED, node.id, credentials),
        runtimeSettings: RED.settings,
      });
      return session;
    };
  }
  RED.nodes.registerType(descriptor.type, ConnectionNodeConstructor, { credentials: descriptor.credentials });
}

/** Rotated refresh tokens go to `<data dir>/tokens/<connection id>.json`, encrypted with the client secret. */
function tokenStoreFor(RED: NodeRedApi, connectionId: string, credentials: Readonly<Record<string, string | undefined>>): RefreshTokenStore | undefined {
  const { clientSecret, refreshToken } = credentials;
  if (!clientSecret || !refreshToken) return undefined;
  const file = path.join(dataDirectory(RED), 'tokens', `${connectionId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  return new EncryptedRefreshTokenFile(file, { clientSecret, connectionId, credentialRefreshToken: refreshToken });
}
