import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { ExportError, toExportError } from '../core/errors';
import { createHttpClient } from '../core/http';
import { redact, registerSecret } from '../core/redact';
import { ApprovalStore, approvalFingerprint, approvalsEnforced, effectiveScope, EXPORT_TYPES } from './approvals';
import { describeIssues } from './config-schemas';
import { type ConnectionNode, connectionDescriptor, type PlatformSession, tokenStoreFor } from './connection-node';
import type { AdminApp, AdminHandler, AdminRequest, AdminResponse, NodeRedApi } from './red-types';
import { callbackPage, type PendingSignIn, PendingSignIns } from './sign-in';

/**
 * The package's admin endpoints under /audience-export/ (DESIGN §6): sign-in, test, audience picker,
 * approvals. Each route needs `audience-export.admin` for an administrator-scoped connection and
 * `audience-export.write` for a contributor-scoped one; the callback is protected by its state alone
 * (the platform's redirect cannot carry the editor's token). No answer ever holds a token or secret.
 */

type Scope = 'administrators' | 'contributors';
const PERMISSION: Record<Scope, string> = { administrators: 'audience-export.admin', contributors: 'audience-export.write' };
const ROOT = '/audience-export';

const ScopeSchema = z.enum(['administrators', 'contributors']);
const secretText = z.string().max(4000);
/** The editor's start request: the connection as the dialog has it (settings are the platform's own). */
const StartBodySchema = z.looseObject({
  type: z.string().max(100),
  scope: ScopeSchema.default('administrators'),
  clientId: z.string().trim().max(500).optional(),
  clientSecret: secretText.optional(),
  redirectUri: z.url({ protocol: /^https?$/, message: 'redirectUri must be an http(s) URL' }),
});
const CodeBodySchema = z.object({ code: z.string().trim().min(1).max(4000), state: z.string().min(1).max(200) });
const ExportConfigSchema = z.looseObject({ type: z.enum(EXPORT_TYPES as [string, ...string[]]), connection: z.string().min(1).max(100), id: z.string().optional() });

const registered = new WeakSet<AdminApp>();
const signIns = new PendingSignIns();
let httpClient: AxiosInstance | undefined;
const http = (): AxiosInstance => (httpClient ??= createHttpClient(30_000));

/** Register the routes once per admin app (each node file and each test-helper load calls this). */
export function registerAdminApi(RED: NodeRedApi): void {
  const app = RED.httpAdmin;
  if (!app || registered.has(app)) return;
  registered.add(app);

  /** Pick the permission per request from the connection's scope, then let Node-RED check it. */
  const gate =
    (scopeOf: (req: AdminRequest) => Scope | Promise<Scope>): AdminHandler =>
    (req, res, next) => {
      const needs = RED.auth?.needsPermission;
      if (!needs) return next();
      void Promise.resolve()
        .then(() => scopeOf(req))
        .catch((): Scope => 'administrators')
        .then((scope) => needs(PERMISSION[scope])(req, res, next));
    };
  const needs = (permission: string): AdminHandler => (req, res, next) => (RED.auth ? RED.auth.needsPermission(permission)(req, res, next) : next());

  const deployed = (id: unknown): ConnectionNode<PlatformSession> | undefined => {
    if (typeof id !== 'string') return undefined;
    const node = RED.nodes.getNode(id) as ConnectionNode<PlatformSession> | null;
    return node && connectionDescriptor(node.type) && 'base' in node ? node : undefined;
  };
  /** A deployed connection's own scope wins over anything posted; an administrator's approval recorded it for good. */
  const connectionScope = (req: AdminRequest): Promise<Scope> => {
    const id = req.params.connectionId;
    const node = deployed(id);
    const posted = ScopeSchema.safeParse((req.body as { scope?: unknown } | undefined)?.scope);
    const flowScope: Scope = node ? node.base.scope : posted.success ? posted.data : 'administrators';
    return effectiveScope(RED, id, flowScope);
  };
  const storedCredentials = (id: string): Record<string, string | undefined> => ({ ...(RED.nodes.getCredentials?.(id) ?? deployed(id)?.credentials ?? {}) });

  /** The connection to act on: the deployed one, else the one the editor posts (with what is stored for it). */
  const resolve = (id: string, body: unknown): { type: string; settings: unknown; credentials: Record<string, string | undefined> } => {
    const node = deployed(id);
    if (node) {
      if (node.settings === undefined) throw new ExportError('invalid_config', 'The deployed connection is misconfigured');
      return { type: node.type, settings: node.settings, credentials: storedCredentials(id) };
    }
    const posted = z.looseObject({ type: z.string() }).safeParse(body);
    const descriptor = posted.success ? connectionDescriptor(posted.data.type) : undefined;
    if (!posted.success || !descriptor) throw new ExportError('invalid_input', 'The connection is not deployed: post its type and settings');
    const settings = descriptor.settingsSchema.safeParse(body);
    if (!settings.success) throw new ExportError('invalid_config', describeIssues(settings.error));
    const credentials = storedCredentials(id);
    for (const name of Object.keys(descriptor.credentials)) {
      const value = (body as Record<string, unknown>)[name];
      if (typeof value === 'string' && value.trim() && value !== '__PWRD__') credentials[name] = value.trim();
    }
    return { type: posted.data.type, settings: settings.data, credentials };
  };

  const openSession = (id: string, connection: ReturnType<typeof resolve>): PlatformSession => {
    const descriptor = connectionDescriptor(connection.type) as NonNullable<ReturnType<typeof connectionDescriptor>>;
    // Identity and audience look-ups send no customer data: no consent gate, but rotated tokens are kept.
    return descriptor.open({ settings: connection.settings, credentials: connection.credentials, assertAllowed: () => undefined, tokenStore: tokenStoreFor(RED, id, connection.credentials), runtimeSettings: RED.settings });
  };

  /** Exchange a code and keep the refresh token in the connection's credentials. */
  const complete = async (signIn: PendingSignIn, code: string): Promise<void> => {
    const descriptor = connectionDescriptor(signIn.type);
    if (!descriptor) throw new ExportError('invalid_config', 'Unknown connection type');
    const grant = await descriptor.admin.exchangeCode(http(), signIn.settings, { clientId: signIn.clientId, clientSecret: signIn.clientSecret }, code, signIn.redirectUri);
    registerSecret(grant.accessToken);
    if (!grant.refreshToken) throw new ExportError('auth_failed', 'The platform signed in but gave no refresh token (Microsoft: the offline_access scope must be consented)');
    registerSecret(grant.refreshToken);
    const client = signIn.clientPosted ? { clientId: signIn.clientId, clientSecret: signIn.clientSecret } : {};
    await RED.nodes.addCredentials?.(signIn.connectionId, { ...storedCredentials(signIn.connectionId), ...client, refreshToken: grant.refreshToken });
    deployed(signIn.connectionId)?.reloadCredentials();
  };

  app.post(`${ROOT}/auth/:connectionId/start`, gate(connectionScope), (req, res) => {
    void handle(res, async () => {
      const id = req.params.connectionId;
      const body = parseBody(StartBodySchema, req.body);
      const node = deployed(id);
      if (node && node.type !== body.type) throw new ExportError('invalid_input', 'The connection id belongs to another platform');
      const descriptor = connectionDescriptor(body.type);
      if (!descriptor) throw new ExportError('invalid_input', 'Unknown connection type');
      const { settings, credentials } = resolve(id, body);
      // A stored secret is only used for the client id it was stored with.
      const clientId = body.clientId || credentials.clientId || '';
      const secretPosted = Boolean(body.clientSecret && body.clientSecret !== '__PWRD__');
      const clientSecret = secretPosted ? (body.clientSecret as string) : clientId === credentials.clientId ? (credentials.clientSecret ?? '') : '';
      if (!clientId || !clientSecret) throw new ExportError('invalid_input', 'Enter the client ID and client secret first');
      const scope = node ? node.base.scope : body.scope;
      const state = signIns.create({ connectionId: id, user: userOf(req), type: body.type, scope, settings, clientId, clientSecret, clientPosted: secretPosted || clientId !== credentials.clientId, redirectUri: body.redirectUri });
      const authorizeUrl = descriptor.admin.authorizeUrl(settings, { clientId, redirectUri: body.redirectUri, state });
      if (!authorizeUrl) {
        signIns.take(state);
        throw new ExportError('invalid_input', 'This connection does not sign in (Criteo client credentials need no refresh token)');
      }
      registerSecret(clientSecret);
      return { authorizeUrl, state };
    });
  });

  app.get(`${ROOT}/auth/callback`, (req, res) => {
    const signIn = signIns.take(req.query.state);
    const page = (status: number, result: { connectionId: string; ok: boolean; code?: string }) =>
      res.status(status).set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').type('text/html').send(callbackPage(result));
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    if (!signIn) return page(400, { connectionId: '', ok: false, code: 'invalid_state' });
    if (!code) return page(400, { connectionId: signIn.connectionId, ok: false, code: typeof req.query.error === 'string' ? 'access_denied' : 'invalid_input' });
    complete(signIn, code).then(
      () => page(200, { connectionId: signIn.connectionId, ok: true }),
      (thrown: unknown) => page(400, { connectionId: signIn.connectionId, ok: false, code: toExportError(thrown).code }),
    );
  });

  const codeScope = (req: AdminRequest): Scope => {
    const node = deployed(req.params.connectionId);
    return node ? node.base.scope : (signIns.peek((req.body as { state?: unknown } | undefined)?.state)?.scope ?? 'administrators');
  };
  app.post(`${ROOT}/auth/:connectionId/code`, gate(codeScope), (req, res) => {
    void handle(res, async () => {
      const body = parseBody(CodeBodySchema, req.body);
      const pending = signIns.peek(body.state);
      const signIn = pending && pending.connectionId === req.params.connectionId ? signIns.take(body.state, userOf(req)) : undefined;
      if (!signIn) throw new ExportError('invalid_input', 'The sign-in expired or is unknown: start it again');
      await complete(signIn, body.code);
      return { ok: true };
    });
  });

  app.post(`${ROOT}/test/:connectionId`, gate(connectionScope), (req, res) => {
    void (async () => {
      try {
        const id = req.params.connectionId;
        const connection = resolve(id, req.body);
        const descriptor = connectionDescriptor(connection.type) as NonNullable<ReturnType<typeof connectionDescriptor>>;
        const identity = await descriptor.admin.identify(openSession(id, connection), connection.settings);
        res.json({ ok: true, identity: redact(identity) });
      } catch (thrown) {
        res.json({ ok: false, error: safeError(thrown) });
      }
    })();
  });

  app.get(`${ROOT}/audiences/:connectionId`, gate(connectionScope), (req, res) => {
    void handle(res, async () => {
      const id = req.params.connectionId;
      if (!deployed(id)) throw new ExportError('not_found', 'Deploy the connection first');
      const connection = resolve(id, undefined);
      const descriptor = connectionDescriptor(connection.type) as NonNullable<ReturnType<typeof connectionDescriptor>>;
      const audiences = await descriptor.admin.audiences(openSession(id, connection), req.query);
      return audiences.map((audience) => ({ id: audience.id, name: audience.name }));
    });
  });

  app.post(`${ROOT}/approvals/:nodeId`, needs(PERMISSION.administrators), (req, res) => {
    void handle(res, async () => {
      const config = parseBody(ExportConfigSchema, req.body);
      if (config.id !== undefined && config.id !== req.params.nodeId) throw new ExportError('invalid_input', 'The body is another node\'s configuration');
      const fingerprint = approvalFingerprint(config);
      const connection = deployed(config.connection);
      const adminConnection = connection && (await effectiveScope(RED, config.connection, connection.base.scope)) === 'administrators' ? config.connection : undefined;
      await ApprovalStore.for(RED).approve(req.params.nodeId, fingerprint, adminConnection);
      return { approved: true, fingerprint };
    });
  });

  app.get(`${ROOT}/approvals/:nodeId`, needs(PERMISSION.contributors), (req, res) => {
    void handle(res, async () => {
      const node = RED.nodes.getNode(req.params.nodeId) as { fingerprint?: unknown; connection?: unknown } | null;
      const asked = typeof req.query.fingerprint === 'string' ? req.query.fingerprint : typeof node?.fingerprint === 'string' ? node.fingerprint : undefined;
      const stored = await ApprovalStore.for(RED).fingerprintOf(req.params.nodeId);
      const connection = deployed(node?.connection);
      const required = connection ? approvalsEnforced(RED, await effectiveScope(RED, connection.id, connection.base.scope)) : Boolean(RED.settings.adminAuth);
      return { approved: asked !== undefined && stored === asked, required };
    });
  });
}

function userOf(req: AdminRequest): string {
  return req.user?.username ?? '';
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ExportError('invalid_input', describeIssues(parsed.error));
  return parsed.data;
}

function safeError(thrown: unknown): { code: string; message: string } {
  const error = toExportError(thrown);
  return { code: error.code, message: redact(error.message) };
}

/** Run a handler: its value as JSON, or `{ error: { code, message } }` (platform errors as 502: a 401 would make the editor log out). */
async function handle(res: AdminResponse, run: () => Promise<unknown>): Promise<void> {
  try {
    res.json(await run());
  } catch (thrown) {
    const error = toExportError(thrown);
    res.status(statusFor(error.code)).json({ error: safeError(error) });
  }
}

function statusFor(code: string): number {
  if (code === 'invalid_input' || code === 'invalid_config') return 400;
  if (code === 'not_found') return 404;
  if (code === 'state_io' || code === 'internal') return 500;
  return 502;
}
