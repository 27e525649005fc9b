/**
 * The online judge's plumbing (Hooks.observer): its current interned state — part of the explored
 * state's identity — and its first rejection until the session takes it.
 */
import type { Observer, Violation } from "../types.js";

export class JudgeLink<Call, Result> {
  /** The observer's current state; -1 after a rejection; 0 when there is no observer. */
  state = 0;
  private violation: Violation | null = null;

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
    if (this.active) this.moveTo((this.observer as Observer<Call, Result>).invoke(this.state, interp, call));
  }

  respond(interp: number, call: Call, result: Result): void {
    if (this.active) this.moveTo((this.observer as Observer<Call, Result>).respond(this.state, interp, call, result));
  }

  /** Moves to `next`; a rejection (-1) is remembered until taken. */
  private moveTo(next: number): void {
    if (next < 0 && this.violation === null) this.violation = (this.observer as Observer<Call, Result>).why();
    this.state = next;
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
