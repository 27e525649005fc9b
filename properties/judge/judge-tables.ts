/**
 * The online linearizability judge's vocabulary as small integers (properties/judge/online.ts).
 *
 * A configuration of the judge is a model state and the pending calls, each linearized with the
 * result the model gave it or not yet. The explorer feeds the judge the same few states, calls and
 * results millions of times, so each is interned once: a model state (by `model.key`), a call (by
 * its JSON), a result (by `describeResult`, which tells results apart exactly as `equalResult`
 * does), a pending entry (interp, call, result) and a whole configuration (state, entries in
 * interpreter order). A model step is taken once per (state, interp, call) and remembered.
 * Configuration sets — the judge's states — are then sets of integers.
 */
import { describeResult, type AnyCall, type AnyFamilyModel, type Result } from "../../model/index.js";

/** The result id of a pending call that has not taken effect yet. */
export const NOT_YET = -1;

/** A configuration spelled out, for the judge's rare slow paths (a deadlock's verdict). */
export interface DescribedConfig {
  readonly state: unknown;
  readonly pending: readonly { readonly interp: number; readonly call: AnyCall; readonly result: Result | null }[];
}

// Sizes of the id spaces packed into the numeric map keys (each product stays below 2^53).
const INTERPS = 1 << 8;
const CALLS = 1 << 16;
const RESULTS = 1 << 10;
const ENTRIES = 1 << 24;
const LISTS = 1 << 26;
const STATES = 1 << 26;
const MAX_PENDING = 1 << 8;
const CONFIGS = 1 << 28;

/** `id`, which must be below `space`: beyond it the packed keys would collide. */
function checked(id: number, space: number): number {
  if (id < 0 || id >= space) throw new RangeError(`the online judge ran out of ids (${id} ≥ ${space}): a budget of the judge's tables`);
  return id;
}

export class JudgeTables {
  private readonly states: unknown[] = [];
  private readonly stateIds = new Map<string, number>();
  private readonly stateIdOf = new WeakMap<object, number>();
  private readonly calls: AnyCall[] = [];
  private readonly callIds = new Map<string, number>();
  private readonly callIdOf = new WeakMap<object, number>();
  private readonly results: Result[] = [];
  private readonly resultIds = new Map<string, number>();
  /** Pending entries: interp, call id, result id (NOT_YET: not linearized). */
  private readonly entryInterp: number[] = [];
  private readonly entryCall: number[] = [];
  private readonly entryResult: number[] = [];
  private readonly entryIds = new Map<number, number>();
  /** Pending lists (entries in interpreter order) as a trie: list 0 is empty; (list, entry) → the list extended by entry. */
  private readonly lists: (readonly number[])[] = [[]];
  private readonly listIds = new Map<number, number>();
  /** Configurations: state id and pending list id. */
  private readonly configState: number[] = [];
  private readonly configList: number[] = [];
  private readonly configIds = new Map<number, number>();
  /** (state, interp, call) → the model's step (`step`). */
  private readonly steps = new Map<number, number>();
  /** (configuration, entry) → `withPending`'s answer. */
  private readonly added = new Map<number, number>();
  /** (configuration, pending index) → the configuration after that call takes effect, or -1 when the model blocks it. */
  private readonly linearized = new Map<number, number>();

  constructor(private readonly model: AnyFamilyModel) {}

  stateId(state: unknown): number {
    const known = this.stateIdOf.get(state as object);
    if (known !== undefined) return known;
    const key = this.model.key(state as never);
    let id = this.stateIds.get(key);
    if (id === undefined) {
      id = this.states.length;
      this.states.push(state);
      this.stateIds.set(key, id);
    }
    this.stateIdOf.set(state as object, id);
    return id;
  }

  state(id: number): unknown {
    return this.states[id];
  }

  callId(call: AnyCall): number {
    const known = this.callIdOf.get(call);
    if (known !== undefined) return known;
    const key = JSON.stringify(call);
    let id = this.callIds.get(key);
    if (id === undefined) {
      id = this.calls.length;
      this.calls.push(call);
      this.callIds.set(key, id);
    }
    this.callIdOf.set(call, id);
    return id;
  }

  resultId(result: Result): number {
    const key = describeResult(result);
    let id = this.resultIds.get(key);
    if (id === undefined) {
      id = this.results.length;
      this.results.push(result);
      this.resultIds.set(key, id);
    }
    return id;
  }

  result(id: number): Result {
    return this.results[id] as Result;
  }

  entry(interp: number, call: number, result: number): number {
    const key = (checked(interp, INTERPS) * CALLS + checked(call, CALLS)) * RESULTS + checked(result + 1, RESULTS);
    let id = this.entryIds.get(key);
    if (id === undefined) {
      id = this.entryInterp.length;
      this.entryInterp.push(interp);
      this.entryCall.push(call);
      this.entryResult.push(result);
      this.entryIds.set(key, id);
    }
    return id;
  }

  resultOf(entry: number): number {
    return this.entryResult[entry] as number;
  }

  config(state: number, pending: readonly number[]): number {
    let list = 0;
    for (const e of pending) list = this.extend(list, e);
    const key = checked(state, STATES) * LISTS + list;
    let id = this.configIds.get(key);
    if (id === undefined) {
      id = this.configState.length;
      this.configState.push(state);
      this.configList.push(list);
      this.configIds.set(key, id);
    }
    return id;
  }

  /** The id of pending list `list` extended by `entry`. */
  private extend(list: number, entry: number): number {
    const key = list * ENTRIES + checked(entry, ENTRIES);
    let id = this.listIds.get(key);
    if (id === undefined) {
      id = checked(this.lists.length, LISTS);
      this.lists.push([...(this.lists[list] as readonly number[]), entry]);
      this.listIds.set(key, id);
    }
    return id;
  }

  stateOf(config: number): number {
    return this.configState[config] as number;
  }

  pendingOf(config: number): readonly number[] {
    return this.lists[this.configList[config] as number] as readonly number[];
  }

  /** The index of interp's pending call in the configuration, or -1. */
  pendingIndex(config: number, interp: number): number {
    const pending = this.pendingOf(config);
    for (let i = 0; i < pending.length; i++) if (this.entryInterp[pending[i] as number] === interp) return i;
    return -1;
  }

  /** The configuration with `entry` added in interpreter order (one pending call per interpreter). */
  withPending(config: number, entry: number): number {
    const memo = checked(config, CONFIGS) * ENTRIES + checked(entry, ENTRIES);
    let id = this.added.get(memo);
    if (id === undefined) {
      id = this.addPending(config, entry);
      this.added.set(memo, id);
    }
    return id;
  }
  private addPending(config: number, entry: number): number {
    const out = [...this.pendingOf(config)];
    const interp = this.entryInterp[entry] as number;
    let i = out.length;
    while (i > 0 && (this.entryInterp[out[i - 1] as number] as number) > interp) i--;
    out.splice(i, 0, entry);
    return this.config(this.stateOf(config), out);
  }

  /** The configuration without its i-th pending call (it responded). */
  without(config: number, i: number): number {
    const out = [...this.pendingOf(config)];
    out.splice(i, 1);
    return this.config(this.stateOf(config), out);
  }

  /** The configuration after pending call i takes effect, or -1 when the model blocks it. */
  linearize(config: number, i: number): number {
    const memo = config * MAX_PENDING + checked(i, MAX_PENDING);
    const known = this.linearized.get(memo);
    if (known !== undefined) return known;
    const pending = this.pendingOf(config);
    const e = pending[i] as number;
    const interp = this.entryInterp[e] as number;
    const call = this.entryCall[e] as number;
    const outcome = this.step(this.stateOf(config), interp, call);
    let next = -1;
    if (outcome >= 0) {
      const out = [...pending];
      out[i] = this.entry(interp, call, outcome % RESULTS);
      next = this.config(Math.floor(outcome / RESULTS), out);
    }
    this.linearized.set(memo, next);
    return next;
  }

  /** The model's step as ids, once per (state, interp, call): next state · RESULTS + result, or -1 when the call blocks. */
  private step(state: number, interp: number, call: number): number {
    const memo = (checked(state, STATES) * INTERPS + interp) * CALLS + call;
    let outcome = this.steps.get(memo);
    if (outcome === undefined) {
      const r = this.model.step(this.states[state] as never, interp, this.calls[call] as never);
      outcome = r === undefined ? -1 : checked(this.stateId(r.state), STATES) * RESULTS + checked(this.resultId(r.result), RESULTS);
      this.steps.set(memo, outcome);
    }
    return outcome;
  }

  /** The configuration spelled out. */
  describe(config: number): DescribedConfig {
    return {
      state: this.state(this.stateOf(config)),
      pending: this.pendingOf(config).map((e) => {
        const r = this.entryResult[e] as number;
        return { interp: this.entryInterp[e] as number, call: this.calls[this.entryCall[e] as number] as AnyCall, result: r === NOT_YET ? null : this.result(r) };
      }),
    };
  }
}
