import * as path from 'node:path';
import type { z } from 'zod';
import type { EmailEncoding } from '../core/email';
import { ExportError, toExportError } from '../core/errors';
import { type ExportSummary, runExport } from '../core/export-run';
import { PartsGatherer } from '../core/parts-gatherer';
import { stateStoreFor } from '../core/sync-state';
import type { PlatformAdapter, PlatformName } from '../core/types';
import { approvalFingerprint, assertApproved } from './approvals';
import { describeIssues, type ExportBase, exportBaseSchema, SegmentInputSchema } from './config-schemas';
import type { ConnectionNode, PlatformSession } from './connection-node';
import type { DoneFunction, NodeConfig, NodeMessage, NodeRedApi, RuntimeNode, SendFunction } from './red-types';
import { dataDirectory, retryPolicy } from './runtime-settings';
import { ExportStatus } from './status';

export interface ExportDescriptor<Settings, Session extends PlatformSession> {
  readonly type: string;
  readonly connectionType: string;
  readonly platform: PlatformName;
  readonly defaultMaxProfiles: number;
  /** The platform's own properties (ad account, audience id, …). */
  readonly settingsSchema: z.ZodType<Settings>;
  readonly encoding?: (settings: Settings) => EmailEncoding;
  adapter(session: Session, settings: Settings): PlatformAdapter;
}

interface Config<Settings> {
  readonly base: ExportBase;
  readonly settings: Settings;
}

/**
 * Registers an export (flow) node: one input, output 1 per batch, output 2 per segment (DESIGN §3).
 * Node-RED glue only: validation of settings and messages, `msg.parts` gathering, one run at a
 * time per node, status, outputs and `done(err)`. The export itself is the engine's.
 */
export function registerExportNode<Settings, Session extends PlatformSession>(RED: NodeRedApi, descriptor: ExportDescriptor<Settings, Session>): void {
  function ExportNodeConstructor(this: RuntimeNode, nodeConfig: NodeConfig): void {
    RED.nodes.createNode(this, nodeConfig);
    const node = this;
    const status = new ExportStatus(RED, node);
    const gatherer = new PartsGatherer<NodeMessage>();
    const base = exportBaseSchema(descriptor.defaultMaxProfiles).safeParse(nodeConfig);
    const settings = descriptor.settingsSchema.safeParse(nodeConfig);
    const config: Config<Settings> | undefined = base.success && settings.success ? { base: base.data, settings: settings.data } : undefined;
    const configError = [base, settings].flatMap((r) => (r.success ? [] : [describeIssues(r.error)])).join('; ');
    if (!config) status.invalidConfig();
    // What an approval must match (DESIGN §6); the admin endpoint reads it for the editor's badge.
    (node as RuntimeNode & { fingerprint?: string }).fingerprint = approvalFingerprint(nodeConfig);

    // Runs are queued: two exports of one node must not race on the same mirror state.
    let queue: Promise<void> = Promise.resolve();

    node.on('input', (msg, send, done) => {
      if (!config) {
        status.invalidConfig();
        releaseSegment(msg, undefined);
        done(localised(new ExportError('invalid_config', `The export node is misconfigured: ${configError}`)));
        return;
      }
      let payload: unknown = msg.payload;
      let first = msg;
      if (PartsGatherer.isPart(msg)) {
        const gathered = gatherer.add(msg);
        if (!gathered.complete) {
          status.working('gathering', { sequences: gatherer.pending });
          done();
          return;
        }
        payload = gathered.payload;
        first = gathered.first;
      }
      // The engine takes the profiles out of this holder once hashed; the message lets go of them too.
      const input = { payload };
      payload = undefined;
      msg.payload = undefined;
      first.payload = undefined;
      queue = queue.then(() => exportSegment(config, first, input, send, done));
    });

    node.on('close', (_removed, done) => {
      gatherer.clear();
      status.clear();
      done();
    });

    /** Errors for Catch nodes and the log: the runtime language's sentence for the code, then the details. */
    function localised(error: ExportError): ExportError {
      const sentence = RED._(`audience-export.errors.${error.code}`);
      return new ExportError(error.code, `${sentence} (${error.message})`, { httpStatus: error.httpStatus, platformCode: error.platformCode });
    }

    async function exportSegment(config: Config<Settings>, msg: NodeMessage, input: { payload?: unknown }, send: SendFunction, done: DoneFunction): Promise<void> {
      const outputBase = withoutSegmentData(msg);
      try {
        const summary = await runFor(config, msg, input, (report) => {
          send([{ ...outputBase, payload: report }, null]);
          status.progress(report.batch, report.batches);
        });
        status.finished(summary);
        send([null, { ...outputBase, payload: summary }]);
        const error = summary.error;
        // A Catch node receives a clone of this msg: give it the summary, not the segment's emails.
        releaseSegment(msg, summary);
        done(error ? localised(new ExportError(error.code, error.message)) : undefined);
      } catch (thrown) {
        const error = toExportError(thrown);
        releaseSegment(msg, undefined);
        status.set({ fill: 'red', shape: 'ring', text: RED._('audience-export.status.failed', { code: error.code }) });
        done(localised(error));
      }
    }

    async function runFor(config: Config<Settings>, msg: NodeMessage, input: { payload?: unknown }, onBatch: Parameters<typeof runExport>[0]['onBatch']): Promise<ExportSummary> {
      const { base: settingsBase, settings: platformSettings } = config;
      const segment = SegmentInputSchema.safeParse(msg.segment ?? msg.topic);
      const adapterResult = openAdapter(config);
      status.working('preparing');
      return runExport({
        adapter: adapterResult.adapter,
        runId: RED.util.generateId(),
        segmentName: segment.success ? segment.data : undefined,
        segments: settingsBase.segments,
        input,
        mode: settingsBase.mode,
        dryRun: settingsBase.dryRun || msg.dryRun === true,
        maxProfiles: settingsBase.maxProfiles,
        emailField: settingsBase.emailField,
        consentField: settingsBase.consentField || undefined,
        encoding: descriptor.encoding?.(platformSettings) ?? 'sha256',
        state: stateStoreFor(path.join(dataDirectory(RED), 'state')),
        retry: retryPolicy(RED),
        assertAllowed: async () => {
          adapterResult.connection.assertAllowed();
          await assertApproved(RED, nodeConfig, adapterResult.connection.base.scope);
        },
        onAuthExpired: (error) => adapterResult.session.tokens.invalidate(error.tokenGeneration),
        onBatch,
      });
    }

    function openAdapter(config: Config<Settings>): { adapter: PlatformAdapter; session: Session; connection: ConnectionNode<Session> } {
      const connection = RED.nodes.getNode(config.base.connection) as ConnectionNode<Session> | null;
      if (!connection || connection.type !== descriptor.connectionType) {
        throw new ExportError('invalid_config', `The export node's connection is missing or not a ${descriptor.connectionType}`);
      }
      const session = connection.session();
      return { adapter: descriptor.adapter(session, config.settings), session, connection };
    }
  }
  RED.nodes.registerType(descriptor.type, ExportNodeConstructor);
}

/** Output messages keep the input's own properties but not the segment's data. */
function withoutSegmentData(msg: NodeMessage): NodeMessage {
  const { payload: _payload, parts: _parts, ...rest } = msg;
  return rest;
}

/** Drop the segment's data from a message that is done (Catch nodes clone it; the heap should not keep it). */
function releaseSegment(msg: NodeMessage, summary: ExportSummary | undefined): void {
  msg.payload = summary;
  delete msg.parts;
}
