import { ExportError, toExportError } from '../core/errors';
import { DEFAULT_GRACE_MS, type ExportRequest, type ExportSummary, refusedSummary, runExport } from '../core/export-run';
import { settingsSchema } from '../core/fields';
import { nodeTypesOf, type PlatformDefinition, type PlatformSession, type Settings } from '../core/platform';
import { isBareComplete, partOf, SequenceAssembler } from '../core/sequences';
import type { PlatformAdapter } from '../core/types';
import { assertApproved, fingerprintOf } from './approvals';
import { describeIssues, type ExportBase, exportBaseSchema, SegmentInputSchema } from './config-schemas';
import type { ConnectionNode } from './connection-node';
import type { DoneFunction, NodeConfig, NodeMessage, NodeRedApi, RuntimeNode, SendFunction } from './red-types';
import { ExportActivity } from './activity';
import { runtimeLocale } from './locale';
import { nodeErrorOf } from './node-error';
import { partsTimeoutMs, retryPolicy } from './runtime-settings';
import { stateStore } from './stores';
import { ExportStatus } from './status';

interface Config {
  readonly base: ExportBase;
  readonly settings: Settings;
}

/** A closing node waits this long for its run: the grace of its batches in flight, and a little more (Node-RED allows 15 s). */
const CLOSE_WAIT_MS = DEFAULT_GRACE_MS + 2_000;

/**
 * Registers an export (flow) node: one input, output 1 per batch, output 2 per segment (DESIGN §3).
 * Node-RED glue only: validation of settings and messages, `msg.parts` sequences, one run at a time
 * per node, stop on close, status, outputs and `done(err)`. The export itself is the engine's.
 */
export function registerExportNode(RED: NodeRedApi, platform: PlatformDefinition): void {
  const types = nodeTypesOf(platform);
  const baseSchema = exportBaseSchema(platform.limits.defaultMaxProfiles);
  const settingsOf = settingsSchema(platform.audience.fields);
  function ExportNodeConstructor(this: RuntimeNode, nodeConfig: NodeConfig): void {
    RED.nodes.createNode(this, nodeConfig);
    const node = this;
    const locale = runtimeLocale(RED);
    const activity = new ExportActivity(RED, node.id);
    const status = new ExportStatus(RED, node, (progress) => activity.progress(progress));
    const base = baseSchema.safeParse(nodeConfig);
    const settings = settingsOf.safeParse(nodeConfig);
    const config: Config | undefined = base.success && settings.success ? { base: base.data, settings: settings.data } : undefined;
    const configError = [base, settings].flatMap((r) => (r.success ? [] : [describeIssues(r.error)])).join('; ');
    if (!config) status.invalidConfig();
    // What an approval must match (DESIGN §6); the admin endpoint reads it for the editor's badge.
    (node as RuntimeNode & { fingerprint?: string }).fingerprint = fingerprintOf(nodeConfig);

    /** Aborted when the node closes: queued runs do not start, the running one sends no new batch. */
    const closing = new AbortController();
    const sequences = new SequenceAssembler<NodeMessage>({
      timeoutMs: partsTimeoutMs(RED),
      onExpired: (error, first) => refuse(first, error, (msg) => node.send(msg), (err) => err && node.error(err, first)),
    });
    // Runs are queued: two exports of one node must not race on the same mirror state.
    let queue: Promise<void> = Promise.resolve();
    /** Runs started or waiting; more than one means some wait behind the one in progress. */
    let runs = 0;

    node.on('input', (msg, send, done) => {
      if (!config) {
        status.invalidConfig();
        releaseSegment(msg, undefined);
        done(localised(new ExportError('invalid_config', `The export node is misconfigured: ${configError}`, { params: { detail: configError } })));
        return;
      }
      let payload: unknown = msg.payload;
      let first = msg;
      if (partOf(msg) !== undefined || isBareComplete(msg)) {
        const outcome = sequences.add(msg);
        msg.payload = undefined;
        if (outcome.state === 'failed') return refuse(outcome.first ?? msg, outcome.error, send, done);
        if (outcome.state !== 'complete') {
          if (outcome.state === 'pending') status.receiving(sequences.parts);
          done();
          return;
        }
        payload = outcome.payload;
        first = outcome.first;
      }
      // The engine takes the profiles out of this holder once hashed; the message lets go of them too.
      const input = { payload };
      payload = undefined;
      msg.payload = undefined;
      first.payload = undefined;
      const fromQueue = runs > 0;
      runs++;
      status.setQueued(runs - 1);
      queue = queue.then(async () => {
        status.setQueued(runs - 1);
        try {
          await exportSegment(config, first, input, send, done, fromQueue);
        } finally {
          runs--;
        }
      });
    });

    node.on('close', (_removed, done) => {
      closing.abort();
      sequences.clear();
      const waited = setTimeout(finish, CLOSE_WAIT_MS);
      void queue.then(finish);
      function finish(): void {
        clearTimeout(waited);
        status.clear();
        activity.closed();
        done();
      }
    });

    /** Errors for Catch nodes and the log: one sentence in the runtime's language, the code beside it. */
    function localised(error: ExportError): Error {
      return nodeErrorOf(RED, locale, error);
    }

    /** Output messages: the input's own properties without the segment's data, `topic` the segment. */
    function outputOf(msg: NodeMessage, payload: unknown, segment: string | undefined): NodeMessage {
      return { ...withoutSegmentData(msg), ...(segment ? { topic: segment } : {}), payload };
    }

    /** A message that cannot become an export (a broken or expired sequence): a failed summary, red status, Catch. */
    function refuse(msg: NodeMessage, error: ExportError, send: SendFunction, done: DoneFunction): void {
      const segment = SegmentInputSchema.safeParse(msg.segment ?? msg.topic);
      const base = config?.base;
      const summary = refusedSummary(
        { platform: platform.id, runId: RED.util.generateId(), segmentName: segment.success ? segment.data : undefined, mode: base?.mode ?? 'mirror', dryRun: Boolean(base?.dryRun || msg.dryRun === true) },
        error,
      );
      status.finished(summary);
      send([null, outputOf(msg, summary, summary.segment)]);
      void activity.finished(summary).catch((thrown: unknown) => node.warn(localised(toExportError(thrown)).message));
      releaseSegment(msg, summary);
      done(localised(error));
    }

    async function exportSegment(config: Config, msg: NodeMessage, input: { payload?: unknown }, send: SendFunction, done: DoneFunction, fromQueue: boolean): Promise<void> {
      if (closing.signal.aborted) {
        // Queued behind a run when the node closed: it never starts.
        releaseSegment(msg, undefined);
        node.warn(RED._('audience-export.errors.aborted'));
        done();
        return;
      }
      const batchMessages = config.base.batchMessages === 'each';
      status.started(fromQueue);
      let raised: ExportError | undefined;
      try {
        const summary = await runFor(config, msg, input, (report) => {
          if (batchMessages) send([outputOf(msg, report, report.segment), null]);
          status.batchDone(report.batches);
        }, (error) => (raised = error));
        releaseSegment(msg, summary);
        if (closing.signal.aborted) {
          // The node is gone from the flow: its outputs lead nowhere; the log says what happened.
          node.warn(localised(new ExportError('aborted', summary.error?.message ?? 'stopped')).message);
          done();
          return;
        }
        status.finished(summary);
        send([null, outputOf(msg, summary, summary.segment)]);
        await activity.finished(summary).catch((thrown: unknown) => node.warn(localised(toExportError(thrown)).message));
        const error = summary.error;
        // A Catch node receives a clone of this msg: it holds the summary, not the segment's emails.
        done(error ? localised(raised ?? new ExportError(error.code, error.message)) : undefined);
      } catch (thrown) {
        const error = toExportError(thrown);
        releaseSegment(msg, undefined);
        status.finished(refusedSummary({ platform: platform.id, runId: RED.util.generateId(), segmentName: undefined, mode: config.base.mode, dryRun: config.base.dryRun }, error));
        done(localised(error));
      }
    }

    async function runFor(config: Config, msg: NodeMessage, input: { payload?: unknown }, onBatch: ExportRequest['onBatch'], onError: ExportRequest['onError']): Promise<ExportSummary> {
      const { base: settingsBase, settings: platformSettings } = config;
      const segment = SegmentInputSchema.safeParse(msg.segment ?? msg.topic);
      const adapterResult = openAdapter(config);
      const state = stateStore(RED);
      return runExport({
        platform,
        adapter: adapterResult.adapter,
        runId: RED.util.generateId(),
        segmentName: segment.success ? segment.data : undefined,
        segments: settingsBase.segments,
        input,
        mode: settingsBase.mode,
        dryRun: settingsBase.dryRun || msg.dryRun === true,
        maxProfiles: settingsBase.maxProfiles,
        maxRemovalPercent: settingsBase.maxRemovalPercent,
        emailField: settingsBase.emailField,
        consentField: settingsBase.consentField || undefined,
        parsePath: (expression) => RED.util.normalisePropertyExpression(expression),
        encoding: platform.audience.encoding?.(platformSettings) ?? 'sha256',
        state,
        locks: state.locks,
        retry: retryPolicy(RED),
        signal: state.guard?.(closing.signal) ?? closing.signal,
        graceMs: DEFAULT_GRACE_MS,
        onWaiting: () => status.busy(),
        onPlan: (batches) => status.planned(batches),
        onRetryWait: (wait) => status.retrying(wait),
        assertAllowed: async () => {
          await adapterResult.connection.assertAllowed();
          await assertApproved(RED, nodeConfig, adapterResult.connection.config);
        },
        onAuthExpired: (error) => adapterResult.session.tokens.invalidate(error.tokenGeneration),
        onBatch,
        onError,
      });
    }

    function openAdapter(config: Config): { adapter: PlatformAdapter; session: PlatformSession; connection: ConnectionNode } {
      const connection = RED.nodes.getNode(config.base.connection) as ConnectionNode | null;
      if (!connection || connection.type !== types.connection) {
        throw new ExportError('invalid_config', `The export node's connection is missing or not a ${types.connection}`);
      }
      const session = connection.session();
      return { adapter: platform.audience.adapter(session, config.settings), session, connection };
    }
  }
  RED.nodes.registerType(types.export, ExportNodeConstructor);
}

/** Output messages keep the input's own properties but not the segment's data. */
function withoutSegmentData(msg: NodeMessage): NodeMessage {
  const { payload: _payload, parts: _parts, complete: _complete, ...rest } = msg;
  return rest;
}

/** Drop the segment's data from a message that is done (Catch nodes clone it; the heap should not keep it). */
function releaseSegment(msg: NodeMessage, summary: ExportSummary | undefined): void {
  msg.payload = summary;
  delete msg.parts;
}
