import { ExportError } from './errors';

/**
 * `msg.parts` sequences as Node-RED's core nodes make them (DESIGN §3): Split, CSV and File-in. A part
 * carries `parts.id` and `parts.index`; `parts.count` may be missing or not a number until some part
 * carries it (File-in learns the count only at the end of the file, and the CSV node turns the unknown
 * count into NaN); `msg.complete` ends a sequence, and the CSV node closes a file that ends with a
 * newline with a bare `{ complete: true }` that carries no `parts` at all. Parts may arrive in any
 * order. A sequence that contradicts itself fails at once, one that stops arriving expires: its run
 * sends nothing more (and no removal at all). The tracker holds no payload: each part's payload goes
 * on at once, to be hashed on arrival (segment-intake.ts).
 */
export interface PartInfo {
  readonly id: string;
  readonly index: number;
  /** Undefined until a part states it as a positive integer. */
  readonly count?: number;
}

export interface SequenceMessage {
  parts?: unknown;
  payload?: unknown;
  complete?: unknown;
}

/** The `parts` of a message that belongs to a sequence, or undefined when it does not (no id or no index). */
export function partOf(msg: SequenceMessage): PartInfo | undefined | ExportError {
  const parts = msg.parts;
  if (typeof parts !== 'object' || parts === null) return undefined;
  const { id, index, count } = parts as { id?: unknown; index?: unknown; count?: unknown };
  if ((typeof id !== 'string' && typeof id !== 'number') || index === undefined) return undefined;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    return new ExportError('invalid_input', `msg.parts.index must be a whole number from 0 (got ${describeValue(index)}); the sequence was not exported`);
  }
  // NaN and absent counts mean "not known yet" (the CSV node after File-in); anything else must be a count.
  if (count === undefined || count === null || (typeof count === 'number' && Number.isNaN(count))) return { id: String(id), index };
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    return new ExportError('invalid_input', `msg.parts.count must be a whole number from 1 (got ${describeValue(count)}); the sequence was not exported`);
  }
  return { id: String(id), index, count };
}

/** A bare end-of-sequence message: `msg.complete` without `msg.parts` (the CSV node's, after a final newline). */
export function isBareComplete(msg: SequenceMessage): boolean {
  return msg.complete !== undefined && msg.complete !== false && (msg.parts === undefined || msg.parts === null);
}

export type AddOutcome<M> =
  /** A part placed: its payload (to be read now), whether it opened the sequence, whether the sequence is now complete, and the lowest-index part's message so far. */
  | { readonly state: 'part'; readonly id: string; readonly opened: boolean; readonly complete: boolean; readonly payload: unknown; readonly first: M }
  /** The sequences `ids` contradict themselves (or the message cannot be placed): report it; nothing more is sent. */
  | { readonly state: 'failed'; readonly error: ExportError; readonly ids: readonly string[]; readonly first: M | undefined }
  /** A straggler of a sequence that already failed: it was reported then. */
  | { readonly state: 'dropped' };

export interface SequenceOptions<M> {
  /** A sequence with no new part for this long expires. */
  readonly timeoutMs: number;
  /** Called when a sequence expires (with its id and first message). */
  readonly onExpired: (error: ExportError, id: string, first: M) => void;
}

interface Sequence<M> {
  /** Indexes received. */
  readonly indexes: Set<number>;
  count?: number;
  /** Highest index seen: the count when `msg.complete` ends a sequence whose count nobody stated. */
  maxIndex: number;
  /** The part with the lowest index so far: its message's properties go on the outputs (Split and CSV copy the message to every part). */
  first: M;
  firstIndex: number;
  timer?: NodeJS.Timeout;
}

export class SequenceTracker<M extends SequenceMessage> {
  private readonly sequences = new Map<string, Sequence<M>>();
  /** Ids of sequences that failed, kept until their stragglers would have expired too. */
  private readonly failed = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: SequenceOptions<M>) {}

  /** Parts received of the sequences still pending. */
  get parts(): number {
    let parts = 0;
    for (const sequence of this.sequences.values()) parts += sequence.indexes.size;
    return parts;
  }

  /** Sequences still waiting for parts. */
  get pending(): number {
    return this.sequences.size;
  }

  /** Place one message: a part, or a bare `msg.complete` (which ends the one sequence pending, if exactly one is). */
  add(msg: M): AddOutcome<M> {
    if (isBareComplete(msg) && partOf(msg) === undefined) return this.completeBare(msg);
    const part = partOf(msg);
    if (part === undefined) throw new Error('SequenceTracker.add: not a part'); // the caller checks first
    if (part instanceof ExportError) return { state: 'failed', error: part, ids: [], first: msg };
    if (this.failed.has(part.id)) return { state: 'dropped' };

    let sequence = this.sequences.get(part.id);
    const opened = !sequence;
    if (!sequence) {
      sequence = { indexes: new Set(), maxIndex: -1, first: msg, firstIndex: part.index };
      this.sequences.set(part.id, sequence);
    }
    const contradiction = this.contradiction(sequence, part);
    if (contradiction) return this.fail([part.id], contradiction);

    if (part.count !== undefined) sequence.count = part.count;
    sequence.indexes.add(part.index);
    sequence.maxIndex = Math.max(sequence.maxIndex, part.index);
    if (part.index < sequence.firstIndex) {
      sequence.first = msg;
      sequence.firstIndex = part.index;
    }
    if (msg.complete !== undefined && msg.complete !== false) this.markCompleted(sequence);
    return { state: 'part', id: part.id, opened, complete: this.settle(part.id, sequence), payload: msg.payload, first: sequence.first };
  }

  /** A part's content cannot be exported (a CSV row handed over as text): its sequence fails as a contradiction does. */
  refuse(id: string, error: ExportError): AddOutcome<M> {
    return this.fail([id], error);
  }

  /** Drop every pending sequence and timer (the node closes). */
  clear(): void {
    for (const sequence of this.sequences.values()) clearTimeout(sequence.timer);
    for (const timer of this.failed.values()) clearTimeout(timer);
    this.sequences.clear();
    this.failed.clear();
  }

  private contradiction(sequence: Sequence<M>, part: PartInfo): ExportError | undefined {
    const where = `msg.parts sequence ${quote(part.id)}`;
    if (part.count !== undefined && sequence.count !== undefined && part.count !== sequence.count) {
      return new ExportError('invalid_input', `${where} changed its count from ${sequence.count} to ${part.count}; the sequence was not exported`);
    }
    const count = part.count ?? sequence.count;
    if (count !== undefined && part.index >= count) {
      return new ExportError('invalid_input', `${where} has a part with index ${part.index} but a count of ${count}; the sequence was not exported`);
    }
    if (count !== undefined && sequence.maxIndex >= count) {
      return new ExportError('invalid_input', `${where} has a part with index ${sequence.maxIndex} but a count of ${count}; the sequence was not exported`);
    }
    if (sequence.indexes.has(part.index)) {
      return new ExportError('invalid_input', `${where} sent part ${part.index} twice; the sequence was not exported`);
    }
    return undefined;
  }

  /** `msg.complete`: the sequence ends at the stated count, or after the highest index seen. */
  private markCompleted(sequence: Sequence<M>): void {
    sequence.count ??= sequence.maxIndex + 1;
  }

  private completeBare(msg: M): AddOutcome<M> {
    if (this.sequences.size === 1) {
      const [id, sequence] = [...this.sequences][0];
      this.markCompleted(sequence);
      return { state: 'part', id, opened: false, complete: this.settle(id, sequence), payload: undefined, first: sequence.first };
    }
    if (this.sequences.size === 0) {
      return { state: 'failed', error: new ExportError('invalid_input', 'msg.complete arrived without msg.parts while no sequence was pending (an empty file?); nothing was sent'), ids: [], first: msg };
    }
    // Which one it ends cannot be told: none of them may be exported as if it were complete.
    const ids = [...this.sequences.keys()];
    const error = new ExportError(
      'invalid_input',
      `msg.complete arrived without msg.parts while ${ids.length} sequences were pending, so which one it ends is unknown; none of them is exported as complete and nothing more of them is sent (send one sequence at a time, or keep msg.parts on the closing message)`,
    );
    return this.fail(ids, error);
  }

  /** Complete when every index below the count is in; otherwise wait (and restart the expiry clock). */
  private settle(id: string, sequence: Sequence<M>): boolean {
    clearTimeout(sequence.timer);
    if (sequence.count !== undefined && sequence.indexes.size === sequence.count) {
      this.sequences.delete(id);
      return true;
    }
    sequence.timer = setTimeout(() => this.expire(id), this.options.timeoutMs);
    sequence.timer.unref();
    return false;
  }

  private expire(id: string): void {
    const sequence = this.sequences.get(id);
    if (!sequence) return;
    const received = sequence.indexes.size;
    const of = sequence.count !== undefined ? ` of ${sequence.count}` : '';
    this.drop(id);
    const seconds = Math.round(this.options.timeoutMs / 1000);
    const error = new ExportError(
      'sequence_timeout',
      `msg.parts sequence ${quote(id)} received ${received}${of} ${(sequence.count ?? received) === 1 ? 'part' : 'parts'} and then nothing for ${seconds} s; it expired and nothing more was sent (audienceExportPartsTimeoutMs in settings.js sets the wait)`,
      { params: { received, count: received, seconds } },
    );
    this.options.onExpired(error, id, sequence.first);
  }

  private fail(ids: readonly string[], error: ExportError): AddOutcome<M> {
    const firsts = ids.map((id) => this.drop(id));
    return { state: 'failed', error, ids, first: firsts.find((msg) => msg !== undefined) };
  }

  /** Forget a sequence and ignore its stragglers for a while. */
  private drop(id: string): M | undefined {
    const sequence = this.sequences.get(id);
    clearTimeout(sequence?.timer);
    this.sequences.delete(id);
    clearTimeout(this.failed.get(id));
    const timer = setTimeout(() => this.failed.delete(id), this.options.timeoutMs);
    timer.unref();
    this.failed.set(id, timer);
    return sequence?.first;
  }
}

function quote(id: string): string {
  return JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id);
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return 'a string';
  return value === null ? 'null' : `a ${typeof value}`;
}
