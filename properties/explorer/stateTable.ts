/**
 * A StateTable is a hash set of fixed-width int32 vectors, each with one int32 value. It stores
 * the vectors themselves (no hash compaction), so a lookup never confuses two states: a stateful
 * search that uses it misses nothing through collisions. Open addressing, linear probing, load
 * factor ≤ 1/2; a JS Map would throw past 2^24 entries (anchors.md).
 */
export class StateTable {
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

  setValue(entry: number, value: number): void {
    this.values[entry] = value;
  }

  private growPool(): void {
    const pool = new Int32Array(this.pool.length * 2);
    pool.set(this.pool);
    this.pool = pool;
    const values = new Int32Array(this.values.length * 2);
    values.set(this.values);
    this.values = values;
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = (this.hashes[entry] as number) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = entry + 1;
    }
  }
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
  h ^= w;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
