import { randomBytes } from 'node:crypto';
import { ExportError } from './errors';

/** Bytes in a SHA-256 digest, and characters in its one-byte string. */
export const DIGEST_LENGTH = 32;

/** A hash must reach the set, the state file and the wire as its raw 32 bytes; anything else is a bug upstream. */
export function assertDigest(value: string): void {
  if (value.length !== DIGEST_LENGTH) throw new ExportError('internal', 'An identifier that should be a 32-byte SHA-256 digest is not one');
}

const EMPTY = 0;
const DELETED = -1;
/** Rehash once live entries and tombstones fill half the slots: linear probes stay short. */
const MAX_LOAD = 0.5;

/**
 * A set of SHA-256 digests (32-byte one-byte strings). The digests live side by side in one buffer,
 * in insertion order, and the table is one Int32Array of indexes into it: 32 bytes and 8–16 bytes of
 * table per identifier, where a JS `Set` of strings spends ~90 (a string object each, and its table).
 * Ten million identifiers fit in 400–500 MB, and a state file's bytes are the buffer as they stand
 * (`fromBytes`), and saving writes `chunks` of it. Strings are made only when an entry is read
 * (iteration, `at`). Entries keep their place in the storage (deleted ones leave a hole), so an
 * index names one entry for the set's life. The slot is a keyed hash of all 32
 * bytes (see `slotOf`). It is not meant to be changed while being iterated.
 */
export class DigestSet implements Set<string> {
  private slots: Int32Array;
  private mask: number;
  /** The digests in insertion order, 32 bytes each; `used` of them, deleted ones included. */
  private arena: Buffer;
  /** 1 for a deleted entry of the arena. */
  private dead: Uint8Array;
  private used = 0;
  private live = 0;
  private tombstones = 0;
  /** Where a digest given as a string is written to be hashed and compared as bytes. */
  private readonly scratch = Buffer.allocUnsafe(DIGEST_LENGTH);

  constructor(expected = 0) {
    const capacity = capacityFor(expected);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.arena = Buffer.allocUnsafe(Math.max(16, expected) * DIGEST_LENGTH);
    this.dead = new Uint8Array(Math.max(16, expected));
  }

  /**
   * A set over digests stored back to back (a state file's body): the buffer is kept as the set's
   * own storage, not copied. Repeated digests (a crafted file) are kept once.
   */
  static fromBytes(bytes: Buffer): DigestSet {
    const set = DigestSet.over(bytes);
    set.indexEntries(0, set.used);
    return set;
  }

  /** The same, indexing a slice at a time between turns of the event loop (ten million take about a second). */
  static async fromBytesYielding(bytes: Buffer, entriesPerSlice = 500_000): Promise<DigestSet> {
    const set = DigestSet.over(bytes);
    for (let from = 0; from < set.used; from += entriesPerSlice) {
      set.indexEntries(from, Math.min(set.used, from + entriesPerSlice));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return set;
  }

  private static over(bytes: Buffer): DigestSet {
    if (bytes.length % DIGEST_LENGTH !== 0) throw new ExportError('internal', 'Digest bytes are not a whole number of 32-byte digests');
    const count = bytes.length / DIGEST_LENGTH;
    const set = new DigestSet(0);
    set.arena = bytes;
    set.dead = new Uint8Array(Math.max(16, count));
    set.slots = new Int32Array(capacityFor(count));
    set.mask = set.slots.length - 1;
    set.used = count;
    return set;
  }

  /** Put the stored entries `from`–`to` in the table; a repeat of an earlier entry is marked deleted. */
  private indexEntries(from: number, to: number): void {
    const { arena } = this;
    for (let entry = from; entry < to; entry++) {
      const slot = this.probeAt(arena, entry * DIGEST_LENGTH);
      if (slot >= 0) {
        this.dead[entry] = 1; // a repeat: the first copy stands
        this.tombstones++; // so the next growth leaves it out of the table
        continue;
      }
      this.slots[emptySlot(slot)] = entry + 1;
      this.live++;
    }
  }

  get size(): number {
    return this.live;
  }

  has(digest: string): boolean {
    return this.indexOf(digest) >= 0;
  }

  /** The entry holding `digest`, or -1. Entries keep their index until `clear`. */
  indexOf(digest: string): number {
    assertDigest(digest);
    this.scratch.write(digest, 0, 'latin1');
    const slot = this.probeAt(this.scratch, 0);
    return slot >= 0 ? this.slots[slot] - 1 : -1;
  }

  add(digest: string): this {
    this.insert(digest);
    return this;
  }

  /** Add `digest`; true when it was not there yet (one probe, where `has` then `add` take two). */
  insert(digest: string): boolean {
    assertDigest(digest);
    this.scratch.write(digest, 0, 'latin1');
    let slot = this.probeAt(this.scratch, 0);
    if (slot >= 0) return false;
    if (this.live + this.tombstones + 1 > this.slots.length * MAX_LOAD) {
      this.rehash(capacityFor(this.live + 1));
      slot = this.probeAt(this.scratch, 0);
    }
    this.slots[emptySlot(slot)] = this.append(this.scratch);
    this.live++;
    return true;
  }

  delete(digest: string): boolean {
    assertDigest(digest);
    this.scratch.write(digest, 0, 'latin1');
    const slot = this.probeAt(this.scratch, 0);
    if (slot < 0) return false;
    this.dead[this.slots[slot] - 1] = 1;
    this.slots[slot] = DELETED;
    this.live--;
    this.tombstones++;
    return true;
  }

  clear(): void {
    this.slots = new Int32Array(capacityFor(0));
    this.mask = this.slots.length - 1;
    this.arena = Buffer.allocUnsafe(16 * DIGEST_LENGTH);
    this.dead = new Uint8Array(16);
    this.used = 0;
    this.live = 0;
    this.tombstones = 0;
  }

  /** Entries ever appended since the last `clear` (deleted ones included): the range of `at`. */
  get span(): number {
    return this.used;
  }

  /** The digest of entry `index` as a string, or undefined when it was deleted. */
  at(index: number): string | undefined {
    if (index < 0 || index >= this.used || this.dead[index] === 1) return undefined;
    const at = index * DIGEST_LENGTH;
    return this.arena.toString('latin1', at, at + DIGEST_LENGTH);
  }

  /** The live digests' bytes, in insertion order, as views of the set's storage (valid until it changes). */
  *chunks(): Generator<Buffer> {
    const { arena, dead, used } = this;
    let start = 0;
    while (start < used) {
      while (start < used && dead[start] === 1) start++;
      let end = start;
      while (end < used && dead[end] === 0) end++;
      if (end > start) yield arena.subarray(start * DIGEST_LENGTH, end * DIGEST_LENGTH);
      start = end;
    }
  }

  *values(): IterableIterator<string> {
    const { arena, dead, used } = this;
    for (let i = 0; i < used; i++) {
      if (dead[i] === 1) continue;
      const at = i * DIGEST_LENGTH;
      yield arena.toString('latin1', at, at + DIGEST_LENGTH);
    }
  }

  keys(): IterableIterator<string> {
    return this.values();
  }

  *entries(): IterableIterator<[string, string]> {
    for (const item of this.values()) yield [item, item];
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.values();
  }

  forEach(callback: (value: string, key: string, set: Set<string>) => void, thisArg?: unknown): void {
    for (const item of this.values()) callback.call(thisArg, item, item, this);
  }

  /**
   * How far entries sit from their home slot (0 = in it), averaged and at most: what a look-up
   * costs. A diagnostic for tests; it walks the whole table.
   */
  probeDistances(): { mean: number; max: number } {
    const { slots, arena, mask } = this;
    let total = 0;
    let max = 0;
    let count = 0;
    for (let slot = 0; slot < slots.length; slot++) {
      const entry = slots[slot];
      if (entry === EMPTY || entry === DELETED) continue;
      const distance = (slot - (slotOf(arena, (entry - 1) * DIGEST_LENGTH) & mask)) & mask;
      total += distance;
      max = Math.max(max, distance);
      count++;
    }
    return { mean: count === 0 ? 0 : total / count, max };
  }

  get [Symbol.toStringTag](): string {
    return 'DigestSet';
  }

  /**
   * One walk of the probe sequence for the 32 bytes at `bytes[offset]`: the slot holding them
   * (≥ 0), or, when they are absent, the empty slot that ends the walk, encoded as a negative
   * number (see `emptySlot`).
   */
  private probeAt(bytes: Buffer, offset: number): number {
    const { slots, arena, mask } = this;
    for (let slot = slotOf(bytes, offset) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot];
      if (entry === EMPTY) return -slot - 1;
      if (entry !== DELETED && sameDigest(arena, (entry - 1) * DIGEST_LENGTH, bytes, offset)) return slot;
    }
  }

  /** Store at the end of the insertion order; answers the 1-based index the table keeps. */
  private append(digest: Buffer): number {
    if ((this.used + 1) * DIGEST_LENGTH > this.arena.length) this.growStorage(Math.max(16, this.used * 2));
    digest.copy(this.arena, this.used * DIGEST_LENGTH, 0, DIGEST_LENGTH);
    this.dead[this.used] = 0;
    return ++this.used;
  }

  private growStorage(entries: number): void {
    const arena = Buffer.allocUnsafe(entries * DIGEST_LENGTH);
    this.arena.copy(arena, 0, 0, this.used * DIGEST_LENGTH);
    this.arena = arena;
    const dead = new Uint8Array(entries);
    dead.set(this.dead.subarray(0, this.used));
    this.dead = dead;
  }

  /**
   * A new table for the live entries. The storage is not compacted: an entry keeps its index for the
   * set's life, so a run can refer to ranges of entries while the set still grows.
   */
  private rehash(capacity: number): void {
    const { arena, dead, used } = this;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.tombstones = 0;
    for (let entry = 0; entry < used; entry++) {
      if (dead[entry] === 0) this.slots[emptySlot(this.probeAt(arena, entry * DIGEST_LENGTH))] = entry + 1;
    }
  }
}

function sameDigest(a: Buffer, aAt: number, b: Buffer, bAt: number): boolean {
  for (let k = 0; k < DIGEST_LENGTH; k++) if (a[aAt + k] !== b[bAt + k]) return false;
  return true;
}

/** The empty slot a negative `probe` answer names. */
function emptySlot(probed: number): number {
  return -probed - 1;
}

function capacityFor(entries: number): number {
  let capacity = 16;
  while (capacity * MAX_LOAD < entries + 1) capacity *= 2;
  return capacity;
}

/** Per-process random keys: eight odd multipliers, one per 32-bit word of a digest, and a seed. */
const KEYS = (() => {
  const bytes = randomBytes(36);
  const keys = new Int32Array(9);
  for (let i = 0; i < 9; i++) keys[i] = bytes.readInt32LE(i * 4) | (i < 8 ? 1 : 0);
  return keys;
})();

/**
 * A keyed hash of the digest's 32 bytes. Digests of addresses are uniform, but a 64-hex value in a
 * segment (or a state file) is taken as a digest as it stands: values crafted to share their first
 * bytes would all land in one slot and make every probe walk them (60,000 such values once stalled
 * the runtime for 4 s). Mixing every word with keys the sender cannot know spreads them like any
 * other values. Each step (xor, multiply by an odd key, xorshift) is a bijection of the running
 * value, and the final avalanche is MurmurHash3's.
 */
function slotOf(bytes: Buffer, offset: number): number {
  let h = KEYS[8];
  for (let word = 0; word < 8; word++) {
    const at = offset + word * 4;
    const value = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    h = Math.imul(h ^ value, KEYS[word]);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
