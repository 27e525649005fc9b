/**
 * The checker's memory: interned model states and Lowe's memo of (linearized set, state), stored
 * compactly. Both exist so that a search costs few bytes per configuration it remembers and never
 * calls a model's `equal` per memo lookup.
 *
 * - `StateTable` gives every distinct model state a small integer id. States are compared once, when
 *   they are interned (by the model's `hash`/`equal`, or by canonical JSON); afterwards the search and
 *   the memo use only the id. A model with `hash`/`equal` therefore costs no more per node than one
 *   without (it usually costs less: its hash is cheaper than canonical JSON).
 * - `KeySet` is an open-addressing hash set of short Uint32 word strings (a memo key: state id, the
 *   lowest unplaced operation, a window of the linearized-set bitset, the pending operations' bits),
 *   stored back to back in chunked Uint32Arrays. An entry costs 4 bytes per word plus 2 header
 *   words, plus at most 16 bytes of table: `bytes` is exact, not an estimate.
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

/** Words of the largest chunk; entry references are (chunk << chunkBits) | position. */
const chunkBits = 18;
const maxChunkWords = 1 << chunkBits;
const firstChunkWords = 256;

/** A set of Uint32 word strings, each up to `maxChunkWords - 2` words long. */
export class KeySet {
  private table = new Int32Array(64);
  private readonly chunks: Uint32Array[] = [new Uint32Array(firstChunkWords)];
  private fill = 0; // words used in the last chunk
  size = 0;

  /** Bytes held by the set's arrays. */
  get bytes(): number {
    let total = this.table.byteLength;
    for (const chunk of this.chunks) total += chunk.byteLength;
    return total;
  }

  /** Whether `key[0..length)` is present. */
  has(key: Uint32Array, length: number): boolean {
    return this.slotOf(key, length, hashWords(key, length)) < 0;
  }

  /** Adds `key[0..length)`; false when it was already present. */
  add(key: Uint32Array, length: number): boolean {
    const hash = hashWords(key, length);
    const slot = this.slotOf(key, length, hash);
    if (slot < 0) return false;
    this.table[slot] = this.store(key, length, hash) + 1;
    this.size++;
    if (this.size * 2 > this.table.length) this.grow();
    return true;
  }

  /** The empty slot where the key would go, or -1 when it is present. */
  private slotOf(key: Uint32Array, length: number, hash: number): number {
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const ref = this.table[slot]! - 1;
      if (ref < 0) return slot;
      const chunk = this.chunks[ref >>> chunkBits]!;
      const at = ref & (maxChunkWords - 1);
      if (chunk[at] !== hash || chunk[at + 1] !== length) continue;
      let k = 0;
      while (k < length && chunk[at + 2 + k] === key[k]) k++;
      if (k === length) return -1;
    }
  }

  private store(key: Uint32Array, length: number, hash: number): number {
    const need = length + 2;
    let chunk = this.chunks[this.chunks.length - 1]!;
    if (this.fill + need > chunk.length) {
      if (chunk.length < maxChunkWords && this.fill + need <= maxChunkWords) {
        // Grow the last chunk in place (copy) while it is small, so tiny memos stay tiny.
        let words = chunk.length * 2;
        while (words < this.fill + need) words *= 2;
        const bigger = new Uint32Array(Math.min(words, maxChunkWords));
        bigger.set(chunk.subarray(0, this.fill));
        chunk = this.chunks[this.chunks.length - 1] = bigger;
      } else {
        if (need > maxChunkWords) throw new RangeError(`a memo key of ${length} words is too long`);
        chunk = new Uint32Array(maxChunkWords);
        this.chunks.push(chunk);
        this.fill = 0;
      }
    }
    const at = this.fill;
    chunk[at] = hash;
    chunk[at + 1] = length;
    chunk.set(key.subarray(0, length), at + 2);
    this.fill += need;
    return ((this.chunks.length - 1) << chunkBits) | at;
  }

  private grow(): void {
    const old = this.table;
    const table = new Int32Array(old.length * 2);
    const mask = table.length - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      const ref = entry - 1;
      let slot = this.chunks[ref >>> chunkBits]![ref & (maxChunkWords - 1)]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = entry;
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
