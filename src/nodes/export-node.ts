import { ExportError, toExportError } from '../core/errors';
import { DEFAULT_GRACE_MS, type ExportRequest, type ExportSummary, refusedSummary, runExport } from '../core/export-run';
import { settingsSchema } from '../core/fields';
import { nodeTypesOf, type PlatformDefinition, type PlatformSession, type Settings } from '../core/platform';
import { SegmentIntake } from '../core/segment-intake';
import { partProfilesOf, type ReadOptions } from '../core/segment-reader';
import { isBareComplete, partOf, SequenceTracker } from '../core/sequences';
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
    /** The segments of sequences still arriving, by `parts.id`: each part is hashed into its intake on arrival. */
    const intakes = new Map<string, ArrivingSegment>();
    const sequences = new SequenceTracker<NodeMessage>({
      timeoutMs: partsTimeoutMs(RED),
      onExpired: (error, id, first) => {
        const sequence = intakes.get(id);
        intakes.delete(id);
        // Its run reports the failure; a sequence whose run is gone was reported then.
        if (sequence) sequence.intake.fail(error);
        else refuse(first, error, (msg) => node.send(msg), (err) => err && node.error(err, first));
      },
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
      const part = partOf(msg);
      if (part !== undefined || isBareComplete(msg)) {
        const expectedProfiles = expectedSize(part, msg.payload);
        let outcome = sequences.add(msg);
        // A part's payload is its profiles: an array, or one item (a profile, or a line of text).
        let profiles: readonly unknown[] | undefined;
        if (outcome.state === 'part' && outcome.payload !== undefined) {
          try {
            profiles = partProfilesOf(outcome.payload);
          } catch (thrown) {
            outcome = sequences.refuse(outcome.id, toExportError(thrown));
          }
        }
        msg.payload = undefined;
        if (outcome.state === 'dropped') return done();
        if (outcome.state === 'failed') {
          const running = outcome.ids.map((id) => intakes.get(id)).filter((sequence) => sequence !== undefined);
          for (const id of outcome.ids) intakes.delete(id);
          // Sequences with a run: each run reports (and sends nothing more); otherwise this message is refused.
          if (running.length === 0) return refuse(outcome.first ?? msg, outcome.error, send, done);
          for (const sequence of running) sequence.intake.fail(outcome.error);
          return done();
        }
        let sequence = intakes.get(outcome.id);
        if (outcome.opened) {
          sequence = { intake: new SegmentIntake(readOptions(config), { expectedProfiles }), first: outcome.first };
          intakes.set(outcome.id, sequence);
          enqueue(config, sequence, send, done);
        } else {
          if (runs === 0) status.receiving(sequences.parts);
          done();
        }
        if (!sequence) return;
        // The outputs carry the lowest-index part's message, whichever part came first.
        sequence.first = outcome.first;
        if (profiles) sequence.intake.push(profiles);
        if (outcome.complete) {
          sequence.intake.end();
          intakes.delete(outcome.id);
        }
        return;
      }
      // One message is the whole segment: hashed now, even if its run waits behind another.
      const intake = SegmentIntake.ofPayload(msg.payload, readOptions(config));
      msg.payload = undefined;
      enqueue(config, { intake, first: msg }, send, done);
    });

    /** Queue a run for a segment (it starts when the runs before it are done). */
    function enqueue(config: Config, segment: ArrivingSegment, send: SendFunction, done: DoneFunction): void {
      segment.first.payload = undefined;
      const fromQueue = runs > 0;
      runs++;
      status.setQueued(runs - 1);
      queue = queue.then(async () => {
        status.setQueued(runs - 1);
        try {
          await exportSegment(config, segment, send, done, fromQueue);
        } finally {
          runs--;
        }
      });
    }

    function readOptions(config: Config): ReadOptions {
      return {
        emailField: config.base.emailField,
        consentField: config.base.consentField || undefined,
        encoding: platform.audience.encoding?.(config.settings) ?? 'sha256',
        parsePath: (expression) => RED.util.normalisePropertyExpression(expression),
      };
    }

    node.on('close', (_removed, done) => {
      closing.abort();
      sequences.clear();
      for (const sequence of intakes.values()) sequence.intake.discard();
      intakes.clear();
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

    async function exportSegment(config: Config, segment: ArrivingSegment, send: SendFunction, done: DoneFunction, fromQueue: boolean): Promise<void> {
      const input = segment.intake;
      // The message that names the segment: the first to arrive (Split and CSV copy it to every part).
      const opener = segment.first;
      // Drop the segment's data from the messages that are done (Catch clones the opener's; the outputs copy the lowest index's).
      const release = (summary: ExportSummary | undefined): void => {
        releaseSegment(opener, summary);
        releaseSegment(segment.first, summary);
      };
      if (closing.signal.aborted) {
        // Queued behind a run when the node closed: it never starts.
        input.discard();
        release(undefined);
        node.warn(RED._('audience-export.errors.aborted'));
        done();
        return;
      }
      const batchMessages = config.base.batchMessages === 'each';
      status.started(fromQueue);
      let raised: ExportError | undefined;
      try {
        const summary = await runFor(config, opener, input, (report) => {
          if (batchMessages) send([outputOf(segment.first, report, report.segment), null]);
          status.batchDone(report.batches);
        }, (error) => (raised = error));
        release(summary);
        if (closing.signal.aborted) {
          // The node is gone from the flow: its outputs lead nowhere; the log says what happened.
          node.warn(localised(new ExportError('aborted', summary.error?.message ?? 'stopped')).message);
          done();
          return;
        }
        status.finished(summary);
        send([null, outputOf(segment.first, summary, summary.segment)]);
        await activity.finished(summary).catch((thrown: unknown) => node.warn(localised(toExportError(thrown)).message));
        const error = summary.error;
        // A Catch node receives a clone of this msg: it holds the summary, not the segment's emails.
        done(error ? localised(raised ?? new ExportError(error.code, error.message)) : undefined);
      } catch (thrown) {
        const error = toExportError(thrown);
        input.discard();
        release(undefined);
        status.finished(refusedSummary({ platform: platform.id, runId: RED.util.generateId(), segmentName: undefined, mode: config.base.mode, dryRun: config.base.dryRun }, error));
        done(localised(error));
      }
    }

    async function runFor(config: Config, msg: NodeMessage, input: SegmentIntake, onBatch: ExportRequest['onBatch'], onError: ExportRequest['onError']): Promise<ExportSummary> {
      const { base: settingsBase } = config;
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
        ...readOptions(config),
        state,
        locks: state.locks,
        retry: retryPolicy(RED),
        signal: state.guard?.(closing.signal) ?? closing.signal,
        graceMs: DEFAULT_GRACE_MS,
        onWaiting: () => status.busy(),
        onPlan: (batches, final) => status.planned(batches, final),
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

/** A sequence's likely size, from its first part: parts × that part's profiles (Split makes equal parts). */
function expectedSize(part: ReturnType<typeof partOf>, payload: unknown): number | undefined {
  if (part === undefined || part instanceof ExportError || part.count === undefined || !Array.isArray(payload)) return undefined;
  return part.count * payload.length;
}

/** A segment on its way in: its intake, and the message its outputs are made from (the lowest-index part of a sequence). */
interface ArrivingSegment {
  readonly intake: SegmentIntake;
  first: NodeMessage;
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
