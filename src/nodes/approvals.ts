import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ExportError } from '../core/errors';
import { DEFAULT_MAX_REMOVAL_PERCENT } from './config-schemas';
import type { NodeRedApi } from './red-types';
import { dataDirectory } from './runtime-settings';

/**
 * Administrator approvals of export nodes (DESIGN §6), kept outside the flow file in
 * `<data dir>/approvals.json` as `{ [exportNodeId]: fingerprint }`, so editing flows cannot grant one.
 * The same file remembers, as `connection:<id>`, every connection an administrator approved an
 * export on while it was administrator-scoped: editing its scope in the flow file afterwards does
 * not make it a contributors' connection (only an administrator can lift that, by editing the file).
 */

/** The settings an approval binds, with the defaults a flow may leave out (so an omitted field and its default agree). */
const COMMON_FIELDS: Record<string, unknown> = { type: '', connection: '', segments: [], mode: 'mirror', emailField: 'email', consentField: '', dryRun: false, maxRemovalPercent: DEFAULT_MAX_REMOVAL_PERCENT };
const PLATFORM_FIELDS: Record<string, Record<string, unknown>> = {
  'snapchat-audience': { adAccountId: '', audienceId: '', retentionDays: 9999 },
  'microsoft-ads-audience': { customerId: '', accountId: '', membershipDuration: 30, acceptTerms: false },
  'criteo-audience': { advertiserId: '', audienceName: '', audienceId: '', emailEncoding: 'sha256' },
};

export const EXPORT_TYPES = Object.keys(PLATFORM_FIELDS);

type Canonical = string | boolean | Canonical[];

/** Editor and flow file spell values differently (9999 vs "9999", "true" vs true, " a" vs "a"): one spelling. */
function canonical(value: unknown): Canonical {
  if (Array.isArray(value)) return value.map(canonical).filter((v) => v !== '');
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === 'true' ? true : trimmed === 'false' ? false : trimmed;
  }
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** sha256 of the canonical JSON of an export node's approval-relevant settings (keys sorted). */
export function approvalFingerprint(config: Readonly<Record<string, unknown>>): string {
  const type = typeof config.type === 'string' ? config.type : '';
  const fields = { ...COMMON_FIELDS, ...(PLATFORM_FIELDS[type] ?? {}) };
  let segments = config.segments;
  if (typeof segments === 'string') segments = segments.split(',');
  const values: Record<string, Canonical> = {};
  for (const key of Object.keys(fields).sort()) {
    const raw = key === 'segments' ? segments : config[key];
    values[key] = canonical(raw === undefined || raw === null || raw === '' ? fields[key] : raw);
  }
  return createHash('sha256').update(JSON.stringify(values)).digest('hex');
}

const FileSchema = z.record(z.string(), z.string());
const CONNECTION_PREFIX = 'connection:';
type Scope = 'administrators' | 'contributors';

/** Writes to one file are serialised in this process; each lands atomically (random temp name, then rename). */
const writeChains = new Map<string, Promise<unknown>>();

export class ApprovalStore {
  constructor(private readonly file: string) {}

  static for(RED: NodeRedApi): ApprovalStore {
    return new ApprovalStore(path.join(dataDirectory(RED), 'approvals.json'));
  }

  async read(): Promise<Record<string, string>> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (thrown) {
      if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ExportError('state_io', 'The approvals file could not be read');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = FileSchema.safeParse(json);
    if (!parsed.success) throw new ExportError('state_io', 'The approvals file is damaged');
    return parsed.data;
  }

  async fingerprintOf(nodeId: string): Promise<string | undefined> {
    return (await this.read())[nodeId];
  }

  /** `administrators` when an approval was given on this connection while it was administrator-scoped. */
  async recordedScope(connectionId: string): Promise<Scope | undefined> {
    return (await this.read())[CONNECTION_PREFIX + connectionId] === 'administrators' ? 'administrators' : undefined;
  }

  /** Approve an export node as configured; `adminConnection` records its connection as administrator-scoped. */
  approve(nodeId: string, fingerprint: string, adminConnection?: string): Promise<void> {
    const previous = writeChains.get(this.file) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      const approvals = await this.read();
      approvals[nodeId] = fingerprint;
      if (adminConnection) approvals[CONNECTION_PREFIX + adminConnection] = 'administrators';
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
      await fs.writeFile(temporary, JSON.stringify(approvals, null, 2), { mode: 0o600 });
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

/** The scope that counts: the flow file's, unless an administrator's approval recorded the connection as theirs. */
export async function effectiveScope(RED: NodeRedApi, connectionId: string, flowScope: Scope): Promise<Scope> {
  if (flowScope === 'administrators' || !RED.settings.adminAuth) return flowScope;
  return (await ApprovalStore.for(RED).recordedScope(connectionId)) ?? flowScope;
}

/** Throws `approval_required` unless an administrator approved this export node exactly as it is configured now. */
export async function assertApproved(RED: NodeRedApi, config: Readonly<Record<string, unknown>> & { readonly id: string }, connectionScope: Scope): Promise<void> {
  const connectionId = typeof config.connection === 'string' ? config.connection : '';
  if (!approvalsEnforced(RED, await effectiveScope(RED, connectionId, connectionScope))) return;
  const approved = await ApprovalStore.for(RED).fingerprintOf(config.id);
  if (approved !== approvalFingerprint(config)) {
    throw new ExportError(
      'approval_required',
      'This export uses an administrator-scoped connection and an administrator has not approved it as it is now configured: an administrator must open and save (Done) the export node; nothing was sent',
    );
  }
}
