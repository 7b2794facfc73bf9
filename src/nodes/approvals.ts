import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ExportError } from '../core/errors';
import { CRITEO_DEFAULTS, CRITEO_LIMITS } from '../platforms/criteo';
import { MICROSOFT_ADS_DEFAULTS, MICROSOFT_ADS_LIMITS } from '../platforms/microsoft-ads';
import { SNAPCHAT_DEFAULTS, SNAPCHAT_LIMITS } from '../platforms/snapchat';
import { DEFAULT_MAX_REMOVAL_PERCENT } from './config-schemas';
import type { NodeRedApi } from './red-types';
import { dataDirectory } from './runtime-settings';

/**
 * Administrator approvals (DESIGN §6), kept outside the flow file in `<data dir>/approvals.json`, so
 * editing flows cannot grant one. Two maps: `exports` binds an export node's id to a fingerprint of
 * its settings, `connections` binds a connection to a fingerprint of its own (hosts, consent, scope,
 * tenant/environment/grant/version) and remembers that it is administrator-scoped. A run on an
 * administrator-scoped connection needs both to match what is deployed: a contributor who edits the
 * export, or the connection it uses (its hosts, its "I agree", its scope), makes it wait for an
 * administrator again.
 */

type Scope = 'administrators' | 'contributors';

/** The settings an export approval binds, with the defaults a flow may leave out (so an omitted field and its default agree). */
const EXPORT_FIELDS: Record<string, unknown> = { type: '', connection: '', segments: [], mode: 'mirror', emailField: 'email', consentField: '', dryRun: false, maxRemovalPercent: DEFAULT_MAX_REMOVAL_PERCENT };
const PLATFORM_EXPORT_FIELDS: Record<string, Record<string, unknown>> = {
  'snapchat-audience': { adAccountId: '', audienceId: '', retentionDays: 9999, maxProfiles: SNAPCHAT_LIMITS.defaultMaxProfiles },
  'microsoft-ads-audience': { customerId: '', accountId: '', membershipDuration: 30, acceptTerms: false, maxProfiles: MICROSOFT_ADS_LIMITS.defaultMaxProfiles },
  'criteo-audience': { advertiserId: '', audienceName: '', audienceId: '', emailEncoding: 'sha256', maxProfiles: CRITEO_LIMITS.defaultMaxProfiles },
};
/** What a connection approval binds: where its secrets and data go, and who may use it. */
const CONNECTION_FIELDS: Record<string, unknown> = { type: '', scope: 'administrators', consent: false };
const PLATFORM_CONNECTION_FIELDS: Record<string, Record<string, unknown>> = {
  'snapchat-connection': { authBaseUrl: SNAPCHAT_DEFAULTS.authBaseUrl, apiBaseUrl: SNAPCHAT_DEFAULTS.apiBaseUrl },
  'microsoft-ads-connection': { authBaseUrl: MICROSOFT_ADS_DEFAULTS.authBaseUrl, apiBaseUrl: MICROSOFT_ADS_DEFAULTS.apiBaseUrl, tenant: MICROSOFT_ADS_DEFAULTS.tenant, environment: 'production' },
  'criteo-connection': { authBaseUrl: CRITEO_DEFAULTS.authBaseUrl, apiBaseUrl: CRITEO_DEFAULTS.apiBaseUrl, grantType: 'client_credentials', apiVersion: CRITEO_DEFAULTS.apiVersion, authorizeUrl: CRITEO_DEFAULTS.authorizeUrl },
};

export const EXPORT_TYPES = Object.keys(PLATFORM_EXPORT_FIELDS);
export const CONNECTION_TYPES = Object.keys(PLATFORM_CONNECTION_FIELDS);

type Canonical = string | boolean | Canonical[];

/** Editor and flow file spell values differently (9999 vs "9999", "true" vs true, " a" vs "a", "a/" vs "a"): one spelling. */
function canonical(value: unknown): Canonical {
  if (Array.isArray(value)) return value.map(canonical).filter((v) => v !== '');
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^https?:\/\//i.test(trimmed)) return trimmed.replace(/\/+$/, '');
    return trimmed === 'true' ? true : trimmed === 'false' ? false : trimmed;
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

function fingerprint(config: Readonly<Record<string, unknown>>, fields: Record<string, unknown>): string {
  let segments = config.segments;
  if (typeof segments === 'string') segments = segments.split(',');
  const values: Record<string, Canonical> = {};
  for (const key of Object.keys(fields).sort()) {
    const raw = key === 'segments' ? segments : config[key];
    values[key] = canonical(raw === undefined || raw === null || raw === '' ? fields[key] : raw);
  }
  return createHash('sha256').update(JSON.stringify(values)).digest('hex');
}

/** sha256 of the canonical JSON of an export node's approval-relevant settings (keys sorted). */
export function approvalFingerprint(config: Readonly<Record<string, unknown>>): string {
  const type = typeof config.type === 'string' ? config.type : '';
  return fingerprint(config, { ...EXPORT_FIELDS, ...(PLATFORM_EXPORT_FIELDS[type] ?? {}) });
}

/** The same for a connection: its type, scope, consent and every setting that says where requests go. */
export function connectionFingerprint(config: Readonly<Record<string, unknown>>): string {
  const type = typeof config.type === 'string' ? config.type : '';
  return fingerprint(config, { ...CONNECTION_FIELDS, ...(PLATFORM_CONNECTION_FIELDS[type] ?? {}) });
}

const ConnectionRecordSchema = z.object({ fingerprint: z.string().optional(), scope: z.enum(['administrators', 'contributors']).optional() });
const FileSchema = z.object({ exports: z.record(z.string(), z.string()), connections: z.record(z.string(), ConnectionRecordSchema) });
type ApprovalFile = z.infer<typeof FileSchema>;
type ConnectionRecord = z.infer<typeof ConnectionRecordSchema>;
/** The first version kept one flat map, connections as `connection:<id>` (which an export node's id could overwrite). */
const LegacySchema = z.record(z.string(), z.string());
const LEGACY_CONNECTION_PREFIX = 'connection:';

/** Writes to one file are serialised in this process; each lands atomically (random temp name, then rename). */
const writeChains = new Map<string, Promise<unknown>>();

export class ApprovalStore {
  constructor(private readonly file: string) {}

  static for(RED: NodeRedApi): ApprovalStore {
    return new ApprovalStore(path.join(dataDirectory(RED), 'approvals.json'));
  }

  async read(): Promise<ApprovalFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (thrown) {
      if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return { exports: {}, connections: {} };
      throw new ExportError('state_io', 'The approvals file could not be read');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = FileSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    const legacy = LegacySchema.safeParse(json);
    if (!legacy.success) throw new ExportError('state_io', 'The approvals file is damaged');
    // Earlier fingerprints bound fewer settings: they no longer match, so those exports ask for approval again.
    const migrated: ApprovalFile = { exports: {}, connections: {} };
    for (const [key, value] of Object.entries(legacy.data)) {
      if (key.startsWith(LEGACY_CONNECTION_PREFIX)) migrated.connections[key.slice(LEGACY_CONNECTION_PREFIX.length)] = { scope: 'administrators' };
      else migrated.exports[key] = value;
    }
    return migrated;
  }

  async exportFingerprint(nodeId: string): Promise<string | undefined> {
    return (await this.read()).exports[nodeId];
  }

  async connection(connectionId: string): Promise<ConnectionRecord | undefined> {
    return (await this.read()).connections[connectionId];
  }

  /**
   * An administrator approved the export as configured. Its connection is approved with it only when
   * it has no approval yet: a connection changed since its approval (hosts, consent, scope) needs an
   * administrator to look at the connection itself (saving its dialog). Answers whether the
   * connection, as posted, is approved now.
   */
  async approveExport(nodeId: string, exportPrint: string, connection: { readonly id: string; readonly fingerprint: string; readonly scope: Scope }): Promise<boolean> {
    let connectionApproved = false;
    await this.change((file) => {
      file.exports[nodeId] = exportPrint;
      const known = file.connections[connection.id];
      if (!known?.fingerprint) file.connections[connection.id] = { fingerprint: connection.fingerprint, scope: known?.scope === 'administrators' ? 'administrators' : connection.scope };
      connectionApproved = file.connections[connection.id].fingerprint === connection.fingerprint;
    });
    return connectionApproved;
  }

  /** An administrator saved the connection as configured (an administrator may also lower its scope here). */
  approveConnection(connectionId: string, connectionPrint: string, scope: Scope): Promise<void> {
    return this.change((file) => {
      file.connections[connectionId] = { fingerprint: connectionPrint, scope };
    });
  }

  /** A connection started administrator-scoped: remember it, so editing its scope in the flow file cannot lower it. */
  async recordAdministratorScope(connectionId: string): Promise<void> {
    if ((await this.connection(connectionId))?.scope === 'administrators') return;
    await this.change((file) => {
      file.connections[connectionId] = { ...file.connections[connectionId], scope: 'administrators' };
    });
  }

  private change(apply: (file: ApprovalFile) => void): Promise<void> {
    const previous = writeChains.get(this.file) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const file = await this.read();
      apply(file);
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
      await fs.rename(temporary, this.file);
    });
    writeChains.set(this.file, next);
    return next;
  }
}

/** Without adminAuth there are no users to tell apart: every export counts as approved. */
export function approvalsEnforced(RED: NodeRedApi, connectionScope: Scope): boolean {
  return connectionScope === 'administrators' && Boolean(RED.settings.adminAuth);
}

/** The scope that counts: the flow file's, unless the connection was ever administrator-scoped and no administrator lowered it. */
export async function effectiveScope(RED: NodeRedApi, connectionId: string, flowScope: Scope): Promise<Scope> {
  if (flowScope === 'administrators' || !RED.settings.adminAuth) return flowScope;
  return (await ApprovalStore.for(RED).connection(connectionId))?.scope ?? flowScope;
}

/**
 * Throws `approval_required` unless an administrator approved this export node exactly as it is
 * configured now, on its connection exactly as that is configured now.
 */
export async function assertApproved(RED: NodeRedApi, exportConfig: Readonly<Record<string, unknown>> & { readonly id: string }, connectionConfig: Readonly<Record<string, unknown>> & { readonly id: string; readonly scope?: unknown }): Promise<void> {
  const flowScope: Scope = connectionConfig.scope === 'contributors' ? 'contributors' : 'administrators';
  if (!approvalsEnforced(RED, await effectiveScope(RED, connectionConfig.id, flowScope))) return;
  const store = ApprovalStore.for(RED);
  const [approvedExport, approvedConnection] = await Promise.all([store.exportFingerprint(exportConfig.id), store.connection(connectionConfig.id)]);
  if (approvedExport === approvalFingerprint(exportConfig) && approvedConnection?.fingerprint === connectionFingerprint(connectionConfig)) return;
  throw new ExportError(
    'approval_required',
    'This export uses an administrator-scoped connection and an administrator has not approved it, or its connection, as they are now configured: an administrator must open and save (Done) the export node; nothing was sent',
  );
}
