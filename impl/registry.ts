/**
 * The runtime's registry of named entries over shared memory — the implementation of
 * model/registry.ts shared by global_lock and runtime_store.
 *
 * A fixed number of slots; a live slot holds one (def, name) entry, identified by the def's
 * identity word and the name's packed bytes (compared word by word, never by trusting the slot a
 * caller names). An index is `encodeIndex(slot, generation)`; a slot's generation is bumped every
 * time it is freed and is never reset (not even by runtime finalisation), so an index from before
 * a free never resolves again (P8). Allocation takes the lowest free slot, as the model does.
 *
 * Every read and write of slot headers (STATE, GEN, DEF, NAME, REFS) happens under the runtime
 * lock. REFS holds one bit per module instance (model `userBit`). An entry stays allocated while
 * any module instance holds an ensure of it, which is what lets a
 * caller drop the runtime lock and then block on the entry's own lock: its own ensure keeps the
 * entry alive, and nobody else can drop that ensure.
 */
import { decodeIndex, encodeIndex, err, INSTANCES, ok, type Def, type ErrorCode, type ModelConfig, type Name, type Result } from "../model/index.js";
import { defIdentity, NAME_WORDS, packName, SlotState, type RegistryLayout, type SlotFields } from "./layout.js";
import { increment, load, store, testBits, type Code } from "./memory.js";
import { Runtime } from "./runtime.js";
import type { InterpWords } from "./subject.js";

/** The outcome of resolving an index: the slot it names, or why it does not resolve. */
export type Resolution = { readonly slot: number } | { readonly error: ErrorCode };

export abstract class Registry<Call extends { readonly _tag: string }, P> extends Runtime<Call> {
  readonly words: number;

  constructor(
    config: ModelConfig,
    readonly layout: RegistryLayout<P>,
  ) {
    super(config, layout.rt);
    this.words = layout.words;
  }

  /** A slot's identity and ensure fields change only under the runtime lock (see `protections`). */
  override protections(): ReadonlyMap<number, number> {
    const guarded = new Map<number, number>();
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const f = this.layout.slot(slot);
      for (const a of [f.state, f.gen, f.def, f.refs]) guarded.set(a, this.rt.lock.owner);
      for (let w = 0; w < NAME_WORDS; w++) guarded.set(f.name + w, this.rt.lock.owner);
    }
    return guarded;
  }

  /** Each slot's `refs` holds a block of bits per interpreter: one per module instance holding an ensure. */
  override interpWords(): InterpWords {
    const base = super.interpWords();
    const refs = Array.from({ length: this.layout.capacity }, (_, slot) => this.layout.slot(slot).refs);
    return { ...base, wideMasks: { words: refs, bitsPerInterp: INSTANCES } };
  }

  /** With the world locked: what an ending interpreter's death means for one live entry. */
  protected abstract endEntry(slot: number, interp: number, idle?: boolean): Code<void>;

  /** Whether slot `s` holds exactly (def, name): the identity word, then the name word by word. */
  *holds(s: SlotFields, def: Def, name: Name): Code<boolean> {
    if ((yield load(s.def)) !== defIdentity[def]) return false;
    const packed = packName(name);
    for (let w = 0; w < NAME_WORDS; w++) if ((yield load(s.name + w)) !== packed[w]) return false;
    return true;
  }

  /**
   * Under the runtime lock: the index of the live entry for (def, name), with `user` (a user bit,
   * model `userBit`) added to its ensures, or a new entry in the lowest free slot (decision D4:
   * ensure counts once per module instance; D5: lowest free slot).
   */
  *ensureEntry(def: Def, name: Name, user: number): Code<Result> {
    let free = -1;
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const s = this.layout.slot(slot);
      if ((yield load(s.state)) !== SlotState.live) {
        if (free < 0) free = slot;
        continue;
      }
      if (!(yield* this.holds(s, def, name))) continue;
      yield* this.addRef(slot, user);
      return ok(encodeIndex(slot, yield load(s.gen)));
    }
    if (free < 0) return err("CapacityExhausted");
    yield* this.allocate(free, def, name, user);
    return ok(encodeIndex(free, yield load(this.layout.slot(free).gen)));
  }

  /** Adds `user` to a live entry's ensures (no change when it already holds one). */
  *addRef(slot: number, user: number): Code<void> {
    const s = this.layout.slot(slot);
    const refs = yield load(s.refs);
    if ((refs & user) === 0) yield store(s.refs, refs | user);
  }

  /** Fills a free slot with (def, name) ensured by `user`; the payload is already zero. */
  *allocate(slot: number, def: Def, name: Name, user: number): Code<void> {
    const s = this.layout.slot(slot);
    yield store(s.def, defIdentity[def]);
    const packed = packName(name);
    for (let w = 0; w < NAME_WORDS; w++) yield store(s.name + w, packed[w] ?? 0);
    yield store(s.refs, user);
    yield store(s.state, SlotState.live);
  }

  /**
   * Under the runtime lock: resolves an index the way `PyThread_GetGlobalLock` verifies it
   * (decision D6): live in the index's generation (else StaleIndex), holding (def, name) when
   * given (else NameMismatch), ensured by `user`, a user bit (else NotEnsured).
   */
  *resolve(index: number, user: number, def?: Def, name?: Name): Code<Resolution> {
    const at = decodeIndex(index);
    if (at === undefined || at.slot >= this.layout.capacity) return { error: "StaleIndex" };
    const s = this.layout.slot(at.slot);
    if ((yield load(s.state)) !== SlotState.live || (yield load(s.gen)) !== at.generation) return { error: "StaleIndex" };
    if (def !== undefined && name !== undefined && !(yield* this.holds(s, def, name))) return { error: "NameMismatch" };
    if ((yield testBits(s.refs, user)) === 0) return { error: "NotEnsured" };
    return { slot: at.slot };
  }

  /** Under the runtime lock: drops the ensures of `users` (user bits); the last one frees the slot (true). */
  *dropRef(slot: number, users: number): Code<boolean> {
    const s = this.layout.slot(slot);
    const refs = (yield load(s.refs)) & ~users;
    if (refs !== 0) {
      yield store(s.refs, refs);
      return false;
    }
    yield* this.free(slot);
    return true;
  }

  /** Frees a slot: not live, a new generation, identity, ensures and payload cleared. */
  *free(slot: number): Code<void> {
    const s = this.layout.slot(slot);
    yield store(s.state, SlotState.free);
    yield increment(s.gen, 1);
    yield store(s.def, 0);
    for (let w = 0; w < NAME_WORDS; w++) yield store(s.name + w, 0);
    yield store(s.refs, 0);
    for (const word of this.layout.payloadWords(slot)) yield store(word, 0);
  }

  /** Runs `body` under the runtime lock. */
  *underRuntimeLock<R>(interp: number, body: Code<R>): Code<R> {
    yield* this.lockRuntime(interp);
    const r = yield* body;
    yield* this.unlockRuntime(interp);
    return r;
  }

  protected *lockWorld(interp: number): Code<void> {
    yield* this.lockRuntime(interp);
  }

  protected *unlockWorld(interp: number): Code<void> {
    yield* this.unlockRuntime(interp);
  }

  protected *endEffects(interp: number, idle = false): Code<void> {
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      if ((yield load(this.layout.slot(slot).state)) === SlotState.live) yield* this.endEntry(slot, interp, idle);
    }
  }

  /** Every interpreter has ended, so every entry is already freed; whatever is left is a leak (P7). */
  protected *finalizeEffects(): Code<void> {
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      if ((yield load(this.layout.slot(slot).state)) !== SlotState.live) continue;
      yield increment(this.rt.leaks, 1);
      yield* this.free(slot);
    }
  }
}
