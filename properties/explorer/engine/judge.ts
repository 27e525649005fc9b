/**
 * The online judge's plumbing (Hooks.observer): its current interned state — part of the explored
 * state's identity — and its first rejection until the session takes it.
 *
 * Under symmetry the judge's state is renamed with the interpreters. The observer knows nothing of
 * renaming; but its state is a function of the history it was fed, so the state a renamed history
 * leads to is the renamed state. Each state keeps one *witness* — the state before and the event
 * that first led to it — and `rename` replays the witness chain with interpreters renamed. That
 * the model treats interchangeable interpreters alike (only the main interpreter, 1, is special,
 * and symmetry never moves it when a judge is present) is what makes this exact.
 */
import type { Observer, Violation } from "../types.js";
import { SymmetryBroken } from "./threads.js";

/** The event that first led to a judge state. */
interface Witness<Call, Result> {
  readonly parent: number;
  readonly interp: number;
  readonly call: Call;
  /** undefined for an invocation. */
  readonly result: Result | undefined;
}

export class JudgeLink<Call, Result> {
  /** The observer's current state; -1 after a rejection; 0 when there is no observer. */
  state = 0;
  private violation: Violation | null = null;
  private readonly witness = new Map<number, Witness<Call, Result>>();
  /** Per state (the observer's states are small dense integers), its image under each permutation at [id · count + pi] (-1: not computed yet). */
  private images = new Int32Array(0);

  constructor(readonly observer: Observer<Call, Result> | undefined) {
    this.reset();
  }

  get active(): boolean {
    return this.observer !== undefined && this.state >= 0;
  }

  reset(): void {
    this.violation = null;
    this.state = this.observer?.initial ?? 0;
  }

  invoke(interp: number, call: Call): void {
    if (this.active) this.moveTo(this.apply({ parent: this.state, interp, call, result: undefined }));
  }

  respond(interp: number, call: Call, result: Result): void {
    if (this.active) this.moveTo(this.apply({ parent: this.state, interp, call, result }));
  }

  /** Feeds the observer one event from `w.parent`; remembers the first event that led to each state. */
  private apply(w: Witness<Call, Result>): number {
    const o = this.observer as Observer<Call, Result>;
    const next = w.result === undefined ? o.invoke(w.parent, w.interp, w.call) : o.respond(w.parent, w.interp, w.call, w.result);
    if (next >= 0 && next !== o.initial && !this.witness.has(next)) this.witness.set(next, w);
    return next;
  }

  /** Moves to `next`; a rejection (-1) is remembered until taken. */
  private moveTo(next: number): void {
    if (next < 0 && this.violation === null) this.violation = (this.observer as Observer<Call, Result>).why();
    this.state = next;
  }

  /**
   * The state `id` renamed by permutation `pi` (of `count`), which maps interp ids through `interp`:
   * the state the witness history reaches with every interpreter renamed.
   */
  rename(id: number, pi: number, count: number, interp: Int32Array): number {
    if (this.observer === undefined || id < 0 || pi === 0 || id === this.observer.initial) return id;
    const at = id * count + pi;
    if (at >= this.images.length) this.growImages(at + 1);
    const known = this.images[at] as number;
    if (known >= 0) return known;
    const w = this.witness.get(id);
    if (w === undefined) throw new Error(`internal: judge state ${id} has no witness`);
    const parent = this.rename(w.parent, pi, count, interp);
    const renamed = this.apply({ parent, interp: interp[w.interp] as number, call: w.call, result: w.result });
    if (renamed < 0) throw new SymmetryBroken(`the online judge rejects a history with interpreters renamed that it accepts as is: the model tells interp ${w.interp} and interp ${interp[w.interp]} apart`);
    if (at >= this.images.length) this.growImages(at + 1);
    this.images[at] = renamed;
    return renamed;
  }

  /** Grows the image table to at least `length` entries (doubling; new entries -1). */
  private growImages(length: number): void {
    const bigger = new Int32Array(Math.max(length, 2 * this.images.length, 1024)).fill(-1);
    bigger.set(this.images);
    this.images = bigger;
  }

  /** The rejection since the last call, if any (and forgets it). */
  take(): Violation | null {
    const v = this.violation;
    this.violation = null;
    return v;
  }

  /** At a deadlock: whether the observer accepts that every pending call blocks. */
  blocked(): Violation | undefined {
    return this.active ? (this.observer as Observer<Call, Result>).blocked(this.state) : undefined;
  }
}
