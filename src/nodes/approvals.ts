import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ExportError } from '../core/errors';
import { exportFields } from '../core/export-fields';
import { defaultsOf, type FieldValue } from '../core/fields';
import { type JsonDocument, MISSING } from '../core/json-file';
import { nodeTypesOf, type PlatformDefinition } from '../core/platform';
import { PLATFORMS } from '../platforms';
import type { NodeRedApi } from './red-types';
import { documentOf } from './stores';

/**
 * Administrator approvals (DESIGN §6), kept outside the flow file in `<data dir>/approvals.json`, so
 * editing flows cannot grant one. Two maps: `exports` binds an export node's id to a fingerprint of
 * its settings, `connections` binds a connection to a fingerprint of its own (hosts, consent, scope,
 * tenant/environment/grant/version) and remembers that it is administrator-scoped. A run on an
 * administrator-scoped connection needs both to match what is deployed: a contributor who edits the
 * export, or the connection it uses (its hosts, its "I agree", its scope), makes it wait for an
 * administrator again. What binds is read from the platform definitions, with their defaults (so an
 * omitted field and its default agree).
 */

type Scope = 'administrators' | 'contributors';

/** Per node type, the settings its approval binds and their defaults. */
const BOUND = new Map<string, Record<string, FieldValue>>(
  PLATFORMS.flatMap((platform: PlatformDefinition) => {
    const types = nodeTypesOf(platform);
    const bound = (fields: PlatformDefinition['audience']['fields']) => defaultsOf(fields.filter((field) => field.approval !== false));
    return [
      [types.export, { type: '', connection: '', ...bound(exportFields(platform.limits.defaultMaxProfiles)), ...bound(platform.audience.fields) }],
      [types.connection, { type: '', scope: 'administrators', consent: false, ...bound(platform.connection.fields) }],
    ];
  }),
);

export const EXPORT_TYPES = PLATFORMS.map((platform) => nodeTypesOf(platform).export);
export const CONNECTION_TYPES = PLATFORMS.map((platform) => nodeTypesOf(platform).connection);

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

/** sha256 of the canonical JSON of a node's approval-relevant settings (keys sorted): an export's or a connection's. */
export function fingerprintOf(config: Readonly<Record<string, unknown>>): string {
  const fields = BOUND.get(typeof config.type === 'string' ? config.type : '') ?? { type: '' };
  let segments = config.segments;
  if (typeof segments === 'string') segments = segments.split(',');
  const values: Record<string, Canonical> = {};
  for (const key of Object.keys(fields).sort()) {
    const raw = key === 'segments' ? segments : config[key];
    values[key] = canonical(raw === undefined || raw === null || raw === '' ? fields[key] : raw);
  }
  return createHash('sha256').update(JSON.stringify(values)).digest('hex');
}



const ConnectionRecordSchema = z.object({ fingerprint: z.string().optional(), scope: z.enum(['administrators', 'contributors']).optional() });
const FileSchema = z.object({ exports: z.record(z.string(), z.string()), connections: z.record(z.string(), ConnectionRecordSchema) });
type ApprovalFile = z.infer<typeof FileSchema>;
type ConnectionRecord = z.infer<typeof ConnectionRecordSchema>;
/** The first version kept one flat map, connections as `connection:<id>` (which an export node's id could overwrite). */
const LegacySchema = z.record(z.string(), z.string());
const LEGACY_CONNECTION_PREFIX = 'connection:';

const UNREADABLE = 'The approvals file could not be read';

/** The approvals document: `approvals.json` in the data directory, or its key in a shared store (stores.ts). */
export class ApprovalStore {
  constructor(private readonly document: JsonDocument) {}

  static for(RED: NodeRedApi): ApprovalStore {
    return new ApprovalStore(documentOf(RED, 'approvals.json'));
  }

  async read(): Promise<ApprovalFile> {
    return parseApprovals(await this.document.read(UNREADABLE));
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

  /**
   * A connection started (or was deployed disabled) administrator-scoped: remember the scope, so editing
   * it in the flow file cannot lower it, and, when no administrator has approved the connection yet, its
   * configuration as first deployed, so what a contributor changes after that needs an administrator
   * again (an administrator saving an export's dialog no longer approves the changed connection with it).
   */
  async recordAdministratorConnection(connectionId: string, connectionPrint: string): Promise<void> {
    const known = await this.connection(connectionId);
    if (known?.scope === 'administrators' && known.fingerprint) return;
    await this.change((file) => {
      const current = file.connections[connectionId];
      file.connections[connectionId] = { fingerprint: current?.fingerprint ?? connectionPrint, scope: 'administrators' };
    });
  }

  private change(apply: (file: ApprovalFile) => void): Promise<void> {
    return this.document.update(
      UNREADABLE,
      (json) => {
        const file = parseApprovals(json);
        apply(file);
        return file;
      },
      2,
    );
  }
}

function parseApprovals(json: unknown): ApprovalFile {
  if (json === MISSING) return { exports: {}, connections: {} };
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
  if (approvedExport === fingerprintOf(exportConfig) && approvedConnection?.fingerprint === fingerprintOf(connectionConfig)) return;
  throw new ExportError(
    'approval_required',
    'This export uses an administrator-scoped connection and an administrator has not approved it, or its connection, as they are now configured: an administrator must open and save (Done) the export node; nothing was sent',
  );
}
