/**
 * The footprint of one step: which words it read, which it wrote (a wait or notify counts as a write
 * of its word: it changes who waits there), and whether it was *visible* to the online judge (an
 * invocation or a response entered the history). Two steps of different threads from one state are
 * independent — either order reaches the same state — when neither writes a word the other touches
 * and at most one is visible (the judge's state depends on the order of events). Partial-order
 * reduction (strategies/sleep.ts) is built on this relation; it is computed from what the step
 * actually did, every folded invisible access and discipline check included.
 */
export class Footprint {
  readonly reads: Uint32Array;
  readonly writes: Uint32Array;
  visible = false;

  constructor(words: number) {
    this.reads = new Uint32Array((words + 31) >>> 5);
    this.writes = new Uint32Array((words + 31) >>> 5);
  }

  clear(): void {
    this.reads.fill(0);
    this.writes.fill(0);
    this.visible = false;
  }

  read(addr: number): void {
    this.reads[addr >>> 5] = (this.reads[addr >>> 5] as number) | (1 << (addr & 31));
  }

  write(addr: number): void {
    this.writes[addr >>> 5] = (this.writes[addr >>> 5] as number) | (1 << (addr & 31));
  }
}

/** Footprints stored flat: `slots` footprints of `words` words each (reads, writes, visible). */
export class FootprintStore {
  private data: Uint32Array;
  private readonly stride: number;
  private readonly half: number;

  constructor(words: number, slots: number) {
    this.half = (words + 31) >>> 5;
    this.stride = 2 * this.half + 1;
    this.data = new Uint32Array(this.stride * slots);
  }

  ensure(slots: number): void {
    if (slots * this.stride <= this.data.length) return;
    const bigger = new Uint32Array(Math.max(slots * this.stride, this.data.length * 2));
    bigger.set(this.data);
    this.data = bigger;
  }

  put(slot: number, f: Footprint): void {
    const at = slot * this.stride;
    this.data.set(f.reads, at);
    this.data.set(f.writes, at + this.half);
    this.data[at + 2 * this.half] = f.visible ? 1 : 0;
  }

  copy(from: number, to: number): void {
    this.data.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
  }

  /** Whether the footprint in `slot` and `f` are dependent (see above). */
  dependent(slot: number, f: Footprint): boolean {
    const at = slot * this.stride;
    const h = this.half;
    if (this.data[at + 2 * h] === 1 && f.visible) return true;
    for (let i = 0; i < h; i++) {
      const r = this.data[at + i] as number;
      const w = this.data[at + h + i] as number;
      if ((w & ((f.reads[i] as number) | (f.writes[i] as number))) !== 0 || ((f.writes[i] as number) & r) !== 0) return true;
    }
    return false;
  }
}
