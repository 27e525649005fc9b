/**
 * The checker's memory: interned model states and Lowe's memo of (linearized set, state), stored
 * compactly. Both exist so that a search costs few bytes per configuration it remembers and never
 * calls a model's `equal` per memo lookup.
 *
 * - `StateTable` gives every distinct model state a small integer id. States are compared once, when
 *   they are interned (by the model's `hash`/`equal`, or by canonical JSON); afterwards the search and
 *   the memo use only the id. A model with `hash`/`equal` therefore costs no more per node than one
 *   without (it usually costs less: its hash is cheaper than canonical JSON).
 * - `Memo` is an open-addressing hash table of short Uint32 word strings (the base key: state id,
 *   the lowest unplaced operation, a window of the linearized-set bitset), each with a list of the
 *   pending-operation sets seen with it, stored back to back in chunked Uint32Arrays. A base entry
 *   costs 4 × (3 + words) bytes plus at most 16 bytes of table, a pending set 4 × (1 + pending / 32)
 *   bytes: `bytes` is exact, not an estimate.
 */
import { canonicalJson } from "./canonical.js";

/** Interns model states: equal states get the same id, and `states[id]` is the first one seen. */
export class StateTable<S> {
  readonly states: S[] = [];
  private readonly byKey = new Map<string | number, number | number[]>();

  constructor(
    private readonly key: (s: S) => string | number,
    /** When undefined, equal keys mean equal states (canonical JSON is exact). */
    private readonly equal: ((a: S, b: S) => boolean) | undefined,
  ) {}

  /** The id of `s`, interning it if it is new. */
  intern(s: S): number {
    const k = this.key(s);
    const found = this.byKey.get(k);
    if (found === undefined) {
      this.byKey.set(k, this.add(s));
      return this.states.length - 1;
    }
    if (this.equal === undefined) return found as number;
    const candidates = typeof found === "number" ? [found] : found;
    for (const id of candidates) if (this.equal(this.states[id]!, s)) return id;
    const id = this.add(s);
    this.byKey.set(k, [...candidates, id]);
    return id;
  }

  private add(s: S): number {
    this.states.push(s);
    return this.states.length - 1;
  }
}

/** The state key a model's states are interned by, and whether equal keys mean equal states. */
export function stateKeying<S>(
  hash: ((s: S) => string | number) | undefined,
  equal: ((a: S, b: S) => boolean) | undefined,
): { key: (s: S) => string | number; equal: ((a: S, b: S) => boolean) | undefined } {
  if (hash !== undefined) return { key: hash, equal: equal ?? ((a, b) => a === b || canonicalJson(a) === canonicalJson(b)) };
  // Without a hash, canonical JSON is the key; a user `equal` may still merge states it considers equal.
  return { key: canonicalJson, equal };
}

/** Words of the largest chunk; references are (chunk << chunkBits) | position, plus one (0 = none). */
const chunkBits = 18;
const maxChunkWords = 1 << chunkBits;
const firstChunkWords = 256;

/** Append-only storage of word records in chunked Uint32Arrays; small while small. */
class WordArena {
  readonly chunks: Uint32Array[] = [new Uint32Array(firstChunkWords)];
  private fill = 0; // words used in the last chunk

  /** Reserves `need` words; returns the record's reference (never 0). */
  reserve(need: number): number {
    let chunk = this.chunks[this.chunks.length - 1]!;
    if (this.fill + need > chunk.length) {
      if (need > maxChunkWords) throw new RangeError(`a memo record of ${need} words is too long`);
      if (chunk.length < maxChunkWords && this.fill + need <= maxChunkWords) {
        // Grow the last chunk (copy) while it is small, so tiny memos stay tiny.
        let words = chunk.length * 2;
        while (words < this.fill + need) words *= 2;
        const bigger = new Uint32Array(Math.min(words, maxChunkWords));
        bigger.set(chunk.subarray(0, this.fill));
        chunk = this.chunks[this.chunks.length - 1] = bigger;
      } else {
        chunk = new Uint32Array(maxChunkWords);
        this.chunks.push(chunk);
        this.fill = 0;
      }
    }
    const at = this.fill;
    this.fill += need;
    return (((this.chunks.length - 1) << chunkBits) | at) + 1;
  }

  chunkOf(ref: number): Uint32Array {
    return this.chunks[(ref - 1) >>> chunkBits]!;
  }

  static at(ref: number): number {
    return (ref - 1) & (maxChunkWords - 1);
  }

  get bytes(): number {
    let total = 0;
    for (const chunk of this.chunks) total += chunk.byteLength;
    return total;
  }
}

/**
 * Lowe's memo with subsumption of pending operations. A configuration is (base key, pending set):
 * the base key is the state id, `low` and the window of placed returned operations; the pending
 * set says which pending operations were placed. Pending operations are optional, so a
 * configuration whose pending set includes one already explored (same base key) can do nothing
 * that one could not: it is pruned too. Records: base entries `[hash, length, list, words…]` in a
 * hash table; each base entry's list of pending sets `[next, words…]`.
 */
export class Memo {
  private table = new Int32Array(64);
  private readonly arena = new WordArena();
  /** Base keys stored. */
  private bases = 0;
  /** Configurations stored (pending sets, or base keys when there are no pending operations). */
  size = 0;

  constructor(private readonly pendingWords: number) {}

  /** Bytes held by the memo's arrays. */
  get bytes(): number {
    return this.table.byteLength + this.arena.bytes;
  }

  /** Whether (base, pending) or a configuration that subsumes it is stored. */
  has(base: Uint32Array, length: number, pending: Uint32Array): boolean {
    const ref = this.table[this.slotOf(base, length, hashWords(base, length))]!;
    return ref !== 0 && this.subsumed(ref, pending);
  }

  /** Stores (base, pending); false when it, or a configuration that subsumes it, was stored. */
  add(base: Uint32Array, length: number, pending: Uint32Array): boolean {
    const hash = hashWords(base, length);
    const slot = this.slotOf(base, length, hash);
    let ref = this.table[slot]!;
    if (ref === 0) {
      ref = this.arena.reserve(length + 3);
      const chunk = this.arena.chunkOf(ref);
      const at = WordArena.at(ref);
      chunk[at] = hash;
      chunk[at + 1] = length;
      chunk[at + 2] = 0;
      chunk.set(base.subarray(0, length), at + 3);
      this.table[slot] = ref;
      this.bases++;
      if (this.bases * 2 > this.table.length) this.grow();
      if (this.pendingWords === 0) {
        this.size++;
        return true;
      }
    } else if (this.pendingWords === 0 || this.subsumed(ref, pending)) {
      return false;
    }
    // Prepend the pending set to the base entry's list.
    const node = this.arena.reserve(this.pendingWords + 1);
    const baseChunk = this.arena.chunkOf(ref);
    const baseAt = WordArena.at(ref);
    const chunk = this.arena.chunkOf(node);
    const at = WordArena.at(node);
    chunk[at] = baseChunk[baseAt + 2]!;
    chunk.set(pending.subarray(0, this.pendingWords), at + 1);
    baseChunk[baseAt + 2] = node;
    this.size++;
    return true;
  }

  /** Whether some stored pending set of the base entry `ref` is a subset of `pending`. */
  private subsumed(ref: number, pending: Uint32Array): boolean {
    if (this.pendingWords === 0) return true;
    for (let node = this.arena.chunkOf(ref)[WordArena.at(ref) + 2]!; node !== 0; ) {
      const chunk = this.arena.chunkOf(node);
      const at = WordArena.at(node);
      let w = 0;
      while (w < this.pendingWords && (chunk[at + 1 + w]! & ~pending[w]!) === 0) w++;
      if (w === this.pendingWords) return true;
      node = chunk[at]!;
    }
    return false;
  }

  /** The slot holding the base key, or the empty slot where it would go. */
  private slotOf(key: Uint32Array, length: number, hash: number): number {
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const ref = this.table[slot]!;
      if (ref === 0) return slot;
      const chunk = this.arena.chunkOf(ref);
      const at = WordArena.at(ref);
      if (chunk[at] !== hash || chunk[at + 1] !== length) continue;
      let k = 0;
      while (k < length && chunk[at + 3 + k] === key[k]) k++;
      if (k === length) return slot;
    }
  }

  private grow(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = table.length - 1;
    for (const ref of old) {
      if (ref === 0) continue;
      let slot = this.arena.chunkOf(ref)[WordArena.at(ref)]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = ref;
    }
    this.table = table;
  }
}

/** A 32-bit hash of `words[0..length)` (murmur3's mixing, finalised). */
function hashWords(words: Uint32Array, length: number): number {
  let h = length ^ 0x9e3779b9;
  for (let k = 0; k < length; k++) {
    let w = Math.imul(words[k]!, 0xcc9e2d51);
    w = (w << 15) | (w >>> 17);
    h ^= Math.imul(w, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
