import type { AxiosInstance } from 'axios';
import { z } from 'zod';
import { ExportError, toExportError } from '../core/errors';
import { createHttpClient } from '../core/http';
import { holdSecrets, redact } from '../core/redact';
import type { Secrets } from '../core/secret-pins';
import { ApprovalStore, approvalsEnforced, CONNECTION_TYPES, effectiveScope, EXPORT_TYPES, fingerprintOf } from './approvals';
import { booleanish, settingsSchema } from '../core/fields';
import { DEFAULT_SIGN_IN_CREDENTIALS, nodeTypesOf, type PlatformDefinition, type PlatformSession, type Settings } from '../core/platform';
import { PLATFORMS } from '../platforms';
import { describeIssues } from './config-schemas';
import { type ConnectionNode, secretPins, secretsOf, tokenStoreFor } from './connection-node';
import type { AdminApp, AdminHandler, AdminRequest, AdminResponse, NodeConfig, NodeRedApi } from './red-types';
import { callbackPage, type PendingSignIn, PendingSignIns } from './sign-in';

/**
 * The package's admin endpoints under /audience-export/ (DESIGN §6): sign-in, test, audience picker,
 * host pins and approvals. Each route needs `audience-export.admin` for an administrator-scoped
 * connection and `audience-export.write` for a contributor-scoped one; the callback is protected by
 * its state alone (the platform's redirect cannot carry the editor's token). No answer ever holds a
 * token or secret.
 *
 * The routes act on the connection as the dialog shows it (its typed hosts, consent and secrets). A
 * secret stored earlier is used only for the hosts it was entered for (see core/secret-pins.ts):
 * otherwise the route asks for it to be entered again, and sends nothing.
 */

type Scope = 'administrators' | 'contributors';
const PERMISSION: Record<Scope, string> = { administrators: 'audience-export.admin', contributors: 'audience-export.write' };
const ROOT = '/audience-export';
/** The editor's placeholder for a password it does not know (the value stays as stored). */
const UNCHANGED = '__PWRD__';

const ScopeSchema = z.enum(['administrators', 'contributors']);
/** A connection as the dialog has it: its type, settings (the platform's own), consent, scope and whatever secrets were typed. */
const DialogSchema = z.looseObject({ type: z.string().max(100), scope: ScopeSchema.optional(), consent: booleanish.optional() });
const StartBodySchema = z.looseObject({
  type: z.string().max(100),
  redirectUri: z.url({ protocol: /^https?$/, message: 'redirectUri must be an http(s) URL' }),
});
const CodeBodySchema = z.object({ code: z.string().trim().min(1).max(4000), state: z.string().min(1).max(200) });
const ExportConfigSchema = z.looseObject({ type: z.enum(EXPORT_TYPES as [string, ...string[]]), connection: z.string().min(1).max(100), id: z.string().optional() });
const ConnectionConfigSchema = z.looseObject({ type: z.enum(CONNECTION_TYPES as [string, ...string[]]), scope: ScopeSchema.default('administrators') });
const ApproveBodySchema = z.looseObject({ connectionConfig: ConnectionConfigSchema });
const PickerBodySchema = z.object({ connection: z.looseObject({}), query: z.record(z.string(), z.unknown()).default({}) });

/** The connection a route acts on. */
interface Resolved {
  readonly platform: PlatformDefinition;
  readonly settings: Settings;
  readonly hosts: string[];
  readonly consent: boolean;
  readonly credentials: Record<string, string | undefined>;
  /** Secrets typed in the dialog for this request (entered for `hosts`). */
  readonly typed: Record<string, string>;
}

/** The platform whose connection node type this is. */
function platformOf(type: unknown): PlatformDefinition | undefined {
  return PLATFORMS.find((platform) => nodeTypesOf(platform).connection === type);
}

const signIns = new PendingSignIns();
let httpClient: AxiosInstance | undefined;
const http = (): AxiosInstance => (httpClient ??= createHttpClient(30_000));
const registered = new WeakSet<AdminApp>();

/** Register the routes once per admin app (each connection node set and each test-helper load calls this). */
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

  const deployed = (id: unknown): ConnectionNode | undefined => {
    if (typeof id !== 'string') return undefined;
    const node = RED.nodes.getNode(id) as ConnectionNode | null;
    return node && platformOf(node.type) && 'base' in node ? node : undefined;
  };
  /** The connection as deployed, disabled or not (a disabled config node is configured but never instantiated). */
  const configured = (id: string): NodeConfig | undefined => {
    let found: NodeConfig | undefined;
    RED.nodes.eachNode?.((config) => {
      if (config.id === id && platformOf(config.type)) found = config;
    });
    return deployed(id)?.config ?? found;
  };
  const stored = (id: string): Record<string, string | undefined> => ({ ...(RED.nodes.getCredentials?.(id) ?? deployed(id)?.credentials ?? {}) });

  /**
   * The permission a connection's routes need: its deployed (or disabled) configuration's scope; for a
   * connection that only exists in the dialog, the scope it posts, unless secrets are already stored
   * under its id (then administrators). An administrator's earlier approval can only raise it.
   */
  const scopeOf = (id: string, posted: unknown): Promise<Scope> => {
    const config = configured(id);
    const hasSecrets = Object.values(stored(id)).some(Boolean);
    const postedScope = ScopeSchema.safeParse(posted);
    const flowScope: Scope = config ? (config.scope === 'contributors' ? 'contributors' : 'administrators') : !hasSecrets && postedScope.success ? postedScope.data : 'administrators';
    return effectiveScope(RED, id, flowScope);
  };
  const connectionScope = (req: AdminRequest): Promise<Scope> => {
    const body = req.body as { scope?: unknown; connection?: { scope?: unknown } } | undefined;
    return scopeOf(req.params.connectionId, body?.scope ?? body?.connection?.scope);
  };

  /**
   * The connection as the dialog shows it: posted settings when the dialog sent them, else as
   * configured. Typed secrets are used as typed; stored ones only for the hosts they were entered for.
   */
  const resolve = async (id: string, body: unknown): Promise<Resolved> => {
    const config = configured(id);
    const dialog = DialogSchema.safeParse(body);
    const type = dialog.success ? dialog.data.type : config?.type;
    if (config && type !== config.type) throw new ExportError('invalid_input', 'The connection id belongs to another platform');
    const platform = platformOf(type);
    if (!platform) throw new ExportError('invalid_input', 'Unknown connection type: post the connection as the dialog has it');
    const source = dialog.success ? (body as Record<string, unknown>) : (config ?? {});
    const settings = settingsSchema(platform.connection.fields).safeParse(source);
    if (!settings.success) throw new ExportError('invalid_config', describeIssues(settings.error));
    const consent = booleanish.catch(false).parse(dialog.success && dialog.data.consent !== undefined ? dialog.data.consent : config?.consent);
    const typed: Record<string, string> = {};
    for (const { name } of platform.connection.credentials) {
      const value = typedValue(body, name);
      if (value !== undefined) typed[name] = value;
    }
    const hosts = platform.connection.hosts(settings.data);
    const kept = stored(id);
    for (const name of Object.keys(typed)) delete kept[name];
    // Stored secrets travel only to the hosts they were entered for: otherwise ask for them again.
    await secretPins(RED).assertEnteredFor(id, secretsOf(platform, kept), hosts);
    return { platform, settings: settings.data, hosts, consent, credentials: { ...kept, ...typed }, typed };
  };

  /** A short-lived session on the resolved connection: nothing is sent while consent is not given. */
  const withSession = async <T>(id: string, connection: Resolved, use: (session: PlatformSession) => Promise<T>): Promise<T> => {
    if (!connection.consent) {
      throw new ExportError('consent_required', 'The connection\'s "I agree" is not ticked: nothing is sent to the platform, not even to test it');
    }
    const session = connection.platform.connection.open({
      settings: connection.settings,
      credentials: connection.credentials,
      assertAllowed: () => undefined,
      tokenStore: tokenStoreFor(RED, id, connection.credentials, connection.hosts),
      tuning: RED.settings,
    });
    const release = holdSecrets(Object.values(connection.typed));
    try {
      return await use(session);
    } finally {
      session.close();
      release();
    }
  };

  /** Exchange a code, keep the refresh token in the connection's credentials, and pin it to the sign-in's hosts. */
  const complete = async (signIn: PendingSignIn, code: string): Promise<void> => {
    const platform = platformOf(signIn.type);
    if (!platform?.connection.signIn) throw new ExportError('invalid_config', 'This connection does not sign in');
    const release = holdSecrets([signIn.clientSecret]);
    try {
      const grant = await platform.connection.signIn
        .exchangeCode(http(), signIn.settings as Settings, { clientId: signIn.clientId, clientSecret: signIn.clientSecret }, code, signIn.redirectUri)
        .catch((thrown: unknown) => {
          const error = toExportError(thrown);
          // invalid_grant here is about the code, not a refresh token: say so.
          if (error.code !== 'reauth_required') throw error;
          throw new ExportError('invalid_input', `${platform.label} refused the code: a code works once and only for a few minutes; authenticate again`, { httpStatus: error.httpStatus, platformCode: error.platformCode });
        });
      const names = platform.connection.signIn.credentials ?? DEFAULT_SIGN_IN_CREDENTIALS;
      // The refresh token by default; a platform without refresh tokens (Meta) keeps the access token.
      const kept = names.token === 'refreshToken' ? grant.refreshToken : grant.accessToken;
      if (!kept) throw new ExportError('auth_failed', 'The platform signed in but gave no refresh token (Microsoft: the offline_access scope must be consented)');
      const client = signIn.clientPosted ? { [names.clientId]: signIn.clientId, [names.clientSecret]: signIn.clientSecret } : {};
      const credentials = { ...stored(signIn.connectionId), ...client, [names.token]: kept };
      await secretPins(RED).enter(signIn.connectionId, secretsOf(platform, { [names.clientSecret]: signIn.clientSecret, [names.token]: kept }), signIn.hosts);
      await RED.nodes.addCredentials?.(signIn.connectionId, credentials);
      deployed(signIn.connectionId)?.reloadCredentials();
    } finally {
      release();
    }
  };

  app.post(`${ROOT}/auth/:connectionId/start`, gate(connectionScope), (req, res) => {
    void handle(res, async () => {
      const id = req.params.connectionId;
      const body = parseBody(StartBodySchema, req.body);
      const connection = await resolve(id, body);
      const names = connection.platform.connection.signIn?.credentials ?? DEFAULT_SIGN_IN_CREDENTIALS;
      const clientId = connection.credentials[names.clientId];
      const clientSecret = connection.credentials[names.clientSecret];
      if (!clientId || !clientSecret) throw new ExportError('invalid_input', 'Enter the client ID and client secret first');
      const storedClient = stored(id);
      const scope = await scopeOf(id, (body as { scope?: unknown }).scope);
      const state = signIns.create({
        connectionId: id,
        user: userOf(req),
        type: body.type,
        scope,
        settings: connection.settings,
        hosts: connection.hosts,
        clientId,
        clientSecret,
        clientPosted: Boolean(connection.typed[names.clientSecret]) || clientId !== storedClient[names.clientId],
        redirectUri: body.redirectUri,
      });
      const authorizeUrl = connection.platform.connection.signIn?.authorizeUrl(connection.settings, { clientId, redirectUri: body.redirectUri, state });
      if (!authorizeUrl) {
        signIns.take(state);
        throw new ExportError('invalid_input', 'This connection does not sign in (Criteo client credentials need no refresh token)');
      }
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

  const codeScope = (req: AdminRequest): Scope | Promise<Scope> => {
    const pending = signIns.peek((req.body as { state?: unknown } | undefined)?.state);
    return pending && pending.connectionId === req.params.connectionId ? pending.scope : scopeOf(req.params.connectionId, undefined);
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
        const connection = await resolve(id, req.body);
        const identity = await withSession(id, connection, (session) => connection.platform.connection.identify(session, connection.settings));
        res.json({ ok: true, identity: redact(identity) });
      } catch (thrown) {
        res.json({ ok: false, error: safeError(thrown) });
      }
    })();
  });

  app.post(`${ROOT}/audiences/:connectionId`, gate(connectionScope), (req, res) => {
    void handle(res, async () => {
      const id = req.params.connectionId;
      const body = parseBody(PickerBodySchema, req.body);
      const connection = await resolve(id, body.connection);
      const { audiences } = connection.platform.connection;
      if (!audiences) throw new ExportError('invalid_input', 'This platform has no audiences to pick: each segment gets its own');
      const query = parseBody(settingsSchema(connection.platform.audience.fields.filter((field) => field.picker === 'query')), body.query);
      const listed = await withSession(id, connection, (session) => audiences(session, Object.fromEntries(Object.entries(query).map(([name, value]) => [name, String(value)]))));
      return listed.map((audience) => ({ id: audience.id, name: audience.name }));
    });
  });

  /** The dialog saved secrets typed for its hosts: pin them there (entering them again is how a host change is made). */
  app.post(`${ROOT}/pins/:connectionId`, gate(connectionScope), (req, res) => {
    void handle(res, async () => {
      const id = req.params.connectionId;
      const dialog = parseBody(DialogSchema, req.body);
      const platform = platformOf(dialog.type);
      if (!platform) throw new ExportError('invalid_input', 'Unknown connection type');
      const settings = settingsSchema(platform.connection.fields).safeParse(req.body);
      if (!settings.success) throw new ExportError('invalid_config', describeIssues(settings.error));
      const typed: Secrets = secretsOf(platform, Object.fromEntries(platform.connection.credentials.map(({ name }) => [name, typedValue(req.body, name)])));
      await secretPins(RED).enter(id, typed, platform.connection.hosts(settings.data));
      return { pinned: Object.entries(typed).filter(([, value]) => value).map(([name]) => name) };
    });
  });

  app.post(`${ROOT}/approvals/:nodeId`, needs(PERMISSION.administrators), (req, res) => {
    void handle(res, async () => {
      const config = parseBody(ExportConfigSchema, req.body);
      const { connectionConfig } = parseBody(ApproveBodySchema, req.body);
      if (config.id !== undefined && config.id !== req.params.nodeId) throw new ExportError('invalid_input', 'The body is another node\'s configuration');
      const fingerprint = fingerprintOf(config);
      const connectionApproved = await ApprovalStore.for(RED).approveExport(req.params.nodeId, fingerprint, { id: config.connection, fingerprint: fingerprintOf(connectionConfig), scope: connectionConfig.scope });
      return { approved: true, connectionApproved, fingerprint };
    });
  });

  app.post(`${ROOT}/connection-approvals/:connectionId`, needs(PERMISSION.administrators), (req, res) => {
    void handle(res, async () => {
      const config = parseBody(ConnectionConfigSchema, req.body);
      await ApprovalStore.for(RED).approveConnection(req.params.connectionId, fingerprintOf(config), config.scope);
      return { approved: true };
    });
  });

  app.get(`${ROOT}/approvals/:nodeId`, needs(PERMISSION.contributors), (req, res) => {
    void handle(res, async () => {
      const node = RED.nodes.getNode(req.params.nodeId) as { fingerprint?: unknown; connection?: unknown } | null;
      const asked = typeof req.query.fingerprint === 'string' ? req.query.fingerprint : typeof node?.fingerprint === 'string' ? node.fingerprint : undefined;
      const stored = await ApprovalStore.for(RED).exportFingerprint(req.params.nodeId);
      const connection = deployed(node?.connection);
      const required = connection ? approvalsEnforced(RED, await effectiveScope(RED, connection.id, connection.base.scope)) : Boolean(RED.settings.adminAuth);
      return { approved: asked !== undefined && stored === asked, required };
    });
  });
}

function typedValue(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value.trim() && value !== UNCHANGED ? value.trim() : undefined;
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
  if (code === 'invalid_input' || code === 'invalid_config' || code === 'consent_required' || code === 'secrets_required') return 400;
  if (code === 'not_found') return 404;
  if (code === 'state_io' || code === 'internal') return 500;
  return 502;
}
