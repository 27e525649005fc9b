/**
 * A StateTable is a hash set of fixed-width int32 vectors, each with one int32 value. It stores
 * the vectors themselves (no hash compaction), so a lookup never confuses two states: a stateful
 * search that uses it misses nothing through collisions. Open addressing, linear probing, load
 * factor ≤ 1/2; a JS Map would throw past 2^24 entries (anchors.md).
 */
/** A visited set of fixed-width int32 vectors, each with one int32 value (see the two below). */
export interface VisitedSet {
  readonly size: number;
  /** Finds `vec`; if absent, inserts it with `value` and returns -1, else returns its entry index. */
  findOrInsert(vec: Int32Array, value: number): number;
  value(entry: number): number;
  setValue(entry: number, value: number): void;
  /** Bytes held by the table. */
  bytes(): number;
  /** The probability that some stored state stood for another one (0 for an exact table). */
  missProbability(): number;
}

/** A copy of `a` twice as long (the tail zeroed). */
export function doubled(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** A slot array of `length` (a power of two) indexing entries 0…size−1 by their hashes (entry + 1; 0 = empty). */
function slotsFor(length: number, hashes: Int32Array, size: number): Int32Array {
  const slots = new Int32Array(length);
  const mask = length - 1;
  for (let entry = 0; entry < size; entry++) {
    let slot = (hashes[entry] as number) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = entry + 1;
  }
  return slots;
}

export class StateTable implements VisitedSet {
  private pool: Int32Array;
  private values: Int32Array;
  /** Each entry's hash, kept so that growing the table never rehashes a vector. */
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(readonly width: number) {
    this.slots = new Int32Array(1 << 12);
    this.mask = this.slots.length - 1;
    this.pool = new Int32Array(width * (this.slots.length >> 1));
    this.values = new Int32Array(this.slots.length >> 1);
    this.hashes = new Int32Array(this.slots.length >> 1);
  }

  /** Bytes held by the table. */
  bytes(): number {
    return this.pool.byteLength + this.values.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /**
   * Finds `vec`; if absent, inserts it with `value` and returns -1. If present, returns its entry
   * index (use `value`/`setValue` with it).
   */
  findOrInsert(vec: Int32Array, value: number): number {
    const w = this.width;
    const h = hash(vec, w);
    let slot = h & this.mask;
    for (;;) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) break;
      if (this.hashes[entry] === h) {
        const at = entry * w;
        let i = 0;
        while (i < w && this.pool[at + i] === vec[i]) i++;
        if (i === w) return entry;
      }
      slot = (slot + 1) & this.mask;
    }
    const entry = this.size++;
    if ((entry + 1) * w > this.pool.length) this.growPool();
    this.pool.set(vec.subarray(0, w), entry * w);
    this.values[entry] = value;
    this.hashes[entry] = h;
    this.slots[slot] = entry + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return -1;
  }

  value(entry: number): number {
    return this.values[entry] as number;
  }

  missProbability(): number {
    return 0;
  }

  setValue(entry: number, value: number): void {
    this.values[entry] = value;
  }

  private growPool(): void {
    this.pool = doubled(this.pool);
    this.values = doubled(this.values);
    this.hashes = doubled(this.hashes);
  }

  private rehash(): void {
    this.slots = slotsFor(this.slots.length * 2, this.hashes, this.size);
    this.mask = this.slots.length - 1;
  }
}

/**
 * Hash compaction (Wolper & Leroy; SPIN's -DHC): a state is stored as a 64-bit signature — two
 * 32-bit hashes of its vector built differently (MurmurHash3's mixing and a multiply–xorshift:
 * Murmur's collisions do not depend on its seed, so a second seed would not be independent),
 * computed in one pass — instead of the vector, whatever its width. Two distinct states with one
 * signature would make the search skip the second (a missed state): with S states stored and
 * signatures as good as uniform, the probability that this happened at all is at most S(S−1)/2⁶⁵,
 * which `missProbability` reports and the coverage sentence quotes.
 *
 * Layout: one open-addressing array of (lo, hi, value) triples, linear probing, load ≤ 3/4, so a
 * lookup touches one or two cache lines (separate slot/signature/value arrays cost three misses a
 * lookup, a quarter of the search's time at 4 M states). An entry index is a slot index: valid until
 * the next insertion (which may grow the table). Values are ≥ 0 (−1 marks an empty slot).
 */
export class HashCompactTable implements VisitedSet {
  private cells: Int32Array;
  private mask: number;
  size = 0;

  constructor(readonly width: number) {
    this.cells = new Int32Array(3 << 12).fill(-1);
    this.mask = (1 << 12) - 1;
  }

  bytes(): number {
    return this.cells.byteLength;
  }

  missProbability(): number {
    return Math.min(1, (this.size * (this.size - 1)) / 2 ** 65);
  }

  findOrInsert(vec: Int32Array, value: number): number {
    hashBoth(vec, this.width, pair);
    const lo = pair[0] as number;
    const hi = pair[1] as number;
    const cells = this.cells;
    let slot = lo & this.mask;
    for (;;) {
      const at = slot * 3;
      if ((cells[at + 2] as number) < 0) break;
      if (cells[at] === lo && cells[at + 1] === hi) return slot;
      slot = (slot + 1) & this.mask;
    }
    this.put(slot, lo, hi, value);
    this.size++;
    if (this.size * 4 > (this.mask + 1) * 3) this.grow();
    return -1;
  }

  value(entry: number): number {
    return this.cells[entry * 3 + 2] as number;
  }

  setValue(entry: number, value: number): void {
    this.cells[entry * 3 + 2] = value;
  }

  private put(slot: number, lo: number, hi: number, value: number): void {
    const at = slot * 3;
    this.cells[at] = lo;
    this.cells[at + 1] = hi;
    this.cells[at + 2] = value;
  }

  /** Doubles the slots and reinserts every entry by its stored signature (no vector is rehashed). */
  private grow(): void {
    const old = this.cells;
    this.cells = new Int32Array(old.length * 2).fill(-1);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += 3) {
      if ((old[at + 2] as number) < 0) continue;
      const lo = old[at] as number;
      let slot = lo & this.mask;
      while ((this.cells[slot * 3 + 2] as number) >= 0) slot = (slot + 1) & this.mask;
      this.put(slot, lo, old[at + 1] as number, old[at + 2] as number);
    }
  }
}

/** Scratch for `hashBoth`'s two results. */
const pair = new Int32Array(2);

/**
 * `hash` (MurmurHash3's mixing) and a second 32-bit hash unrelated in structure (multiply–xorshift
 * per word, then a finaliser), in one pass over the vector: out[0], out[1].
 */
function hashBoth(vec: Int32Array, w: number, out: Int32Array): void {
  let h = 0x9747b28c;
  let g = 0x2545f491 ^ w;
  for (let i = 0; i < w; i++) {
    const v = vec[i] as number;
    let k = Math.imul(v, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    g = Math.imul(g ^ v, 0x9e3779b1);
    g ^= g >>> 15;
    g = Math.imul(g, 0x7feb352d) + i;
    g ^= g >>> 13;
  }
  out[0] = murmurFinal(h, w);
  g = Math.imul(g ^ (g >>> 16), 0x846ca68b);
  out[1] = g ^ (g >>> 16);
}

/** MurmurHash3's finaliser. */
function murmurFinal(h0: number, w: number): number {
  let h = h0 ^ w;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** MurmurHash3's 32-bit mixing over int32 words. */
function hash(vec: Int32Array, w: number): number {
  let h = 0x9747b28c;
  for (let i = 0; i < w; i++) {
    let k = Math.imul(vec[i] as number, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return murmurFinal(h, w);
}
