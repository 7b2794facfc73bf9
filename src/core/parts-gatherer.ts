import { z } from 'zod';

/** `msg.parts` as the Split, CSV and File-in nodes make it. `count` may only arrive on the last part. */
const PartsSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  index: z.number().int().nonnegative(),
  count: z.number().int().positive().optional(),
});

interface Sequence {
  readonly chunks: Map<number, unknown>;
  count?: number;
}

export type GatherResult<M> = { readonly complete: false } | { readonly complete: true; readonly payload: unknown[]; readonly first: M };

/** Collects split sequences until every part is in, then hands them on as one segment. */
export class PartsGatherer<M extends { parts?: unknown; payload?: unknown }> {
  private readonly sequences = new Map<string, Sequence & { first?: M }>();

  /** True when the message belongs to a sequence (and should be gathered rather than run). */
  static isPart(msg: { parts?: unknown }): boolean {
    return PartsSchema.safeParse(msg.parts).success;
  }

  add(msg: M): GatherResult<M> {
    const parts = PartsSchema.parse(msg.parts);
    let sequence = this.sequences.get(parts.id);
    if (!sequence) {
      sequence = { chunks: new Map() };
      this.sequences.set(parts.id, sequence);
    }
    if (parts.index === 0 || !sequence.first) sequence.first = parts.index === 0 ? msg : (sequence.first ?? msg);
    if (parts.count !== undefined) sequence.count = parts.count;
    sequence.chunks.set(parts.index, msg.payload);
    if (sequence.count === undefined || !hasEveryIndex(sequence.chunks, sequence.count)) return { complete: false };

    this.sequences.delete(parts.id);
    const payload: unknown[] = [];
    for (let index = 0; index < sequence.count; index++) {
      const chunk = sequence.chunks.get(index);
      if (Array.isArray(chunk)) for (const item of chunk) payload.push(item);
      else payload.push(chunk);
    }
    return { complete: true, payload, first: sequence.first ?? msg };
  }

  /** Sequences still waiting for parts. */
  get pending(): number {
    return this.sequences.size;
  }

  clear(): void {
    this.sequences.clear();
  }
}

/** Complete only when every index below `count` arrived (a stray index beyond it does not stand in for a missing one). */
function hasEveryIndex(chunks: ReadonlyMap<number, unknown>, count: number): boolean {
  if (chunks.size < count) return false;
  for (let index = 0; index < count; index++) if (!chunks.has(index)) return false;
  return true;
}
