/**
 * The footprint of one step: which words it read, which it wrote (a wait or notify counts as a write
 * of its word: it changes who waits there), and which history events it made (an invocation, a
 * response). Two steps of different threads from one state are independent — either order reaches
 * the same state — when neither writes a word the other touches and their events commute in the
 * online judge: at most one step made events; or, when the observer declares `eventsCommute`
 * (invocations commute with invocations, responses with responses — linearizability's judge, whose
 * state is a set that forgets those orders), one invoked and the other did not respond and vice
 * versa: a response before or after another call's invocation is what real-time order is. Partial-order
 * reduction (strategies/sleep.ts) is built on this relation; it is computed from what the step
 * actually did, every folded invisible access and discipline check included.
 */
/** `Footprint.events` bits. */
export const INVOKED = 1;
export const RESPONDED = 2;
/** An event of a call the observer keeps in order against every other event (Observer.ordered). */
export const ORDERED = 4;

export class Footprint {
  readonly reads: Uint32Array;
  readonly writes: Uint32Array;
  /** INVOKED | RESPONDED: the history events the step made. */
  events = 0;

  constructor(
    words: number,
    /** Whether invocations commute with invocations and responses with responses (Observer.eventsCommute). */
    readonly eventsCommute = false,
  ) {
    this.reads = new Uint32Array((words + 31) >>> 5);
    this.writes = new Uint32Array((words + 31) >>> 5);
  }

  clear(): void {
    this.reads.fill(0);
    this.writes.fill(0);
    this.events = 0;
  }

  read(addr: number): void {
    this.reads[addr >>> 5] = (this.reads[addr >>> 5] as number) | (1 << (addr & 31));
  }

  write(addr: number): void {
    this.writes[addr >>> 5] = (this.writes[addr >>> 5] as number) | (1 << (addr & 31));
  }
}

/** Footprints stored flat: `slots` footprints of `words` words each (reads, writes, events). */
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
    this.data[at + 2 * this.half] = f.events;
  }

  copy(from: number, to: number): void {
    this.data.copyWithin(to * this.stride, from * this.stride, (from + 1) * this.stride);
  }

  /** Whether the footprint in `slot` and `f` are dependent (see above). */
  dependent(slot: number, f: Footprint): boolean {
    const at = slot * this.stride;
    const h = this.half;
    const e = this.data[at + 2 * h] as number;
    if (e !== 0 && f.events !== 0 && (!f.eventsCommute || ((e | f.events) & ORDERED) !== 0 || ((e & INVOKED) !== 0 && (f.events & RESPONDED) !== 0) || ((e & RESPONDED) !== 0 && (f.events & INVOKED) !== 0))) return true;
    for (let i = 0; i < h; i++) {
      const r = this.data[at + i] as number;
      const w = this.data[at + h + i] as number;
      if ((w & ((f.reads[i] as number) | (f.writes[i] as number))) !== 0 || ((f.writes[i] as number) & r) !== 0) return true;
    }
    return false;
  }
}
