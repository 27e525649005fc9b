/**
 * Runtime store keys (`PyRuntime_store_ensure / release / is_set / set / get / delete`) over shared
 * memory: the implementation of model/runtime_store.ts.
 *
 * A key is a registry index; its storage (ISSET, VALUE, OWNER) lives in the entry's payload. Every
 * store call runs entirely under the runtime lock: a value is three words that must change
 * together (a reader must never see ISSET without its VALUE), and the runtime lock already guards
 * the entry's lifetime, so one lock covers both. OWNER is 0 for raw (process) memory, else the
 * interpreter that owns the value; an ending interpreter that still owns a stored value others can
 * reach leaves it dangling (ghost DANGLING, P4); a value still set in storage deallocated with an
 * ending interpreter's ensure is dropped unseen (ghost DROPPED). Release returns 1 to the last user.
 */
import {
  err,
  userBit,
  userBitsOf,
  ok,
  runtimeStoreModel,
  type ModelConfig,
  type Result,
  type RuntimeCall,
  type RuntimeStoreCall,
  interpOf,
} from "../model/index.js";
import { registryWordNames, runtimeStoreLayout, type StorePayloadFields, type WordNames } from "./layout.js";
import { increment, load, store, testBits, type Code } from "./memory.js";
import { Registry } from "./registry.js";
import { subjectOf } from "./runtime.js";
import type { InterpWords, Subject } from "./subject.js";

type FamilyCall = Exclude<RuntimeStoreCall, RuntimeCall>;
type KeyCall = Exclude<FamilyCall, { _tag: "PyRuntime_store_ensure" }>;

export class RuntimeStore extends Registry<RuntimeStoreCall, StorePayloadFields> {
  constructor(config: ModelConfig) {
    super(config, runtimeStoreLayout(config));
  }

  protected *familyCall(interp: number, call: RuntimeStoreCall): Code<Result> {
    const c = call as FamilyCall;
    yield* this.lockRuntime(interp);
    const result = c._tag === "PyRuntime_store_ensure" ? yield* this.ensureEntry(c.def, c.name, userBit(interpOf(interp), c.instance)) : yield* this.keyCall(interp, c);
    yield* this.unlockRuntime(interp);
    return result;
  }

  /** Under the runtime lock: a call on a key, after resolving it (model: resolve without def/name). */
  *keyCall(interp: number, c: KeyCall): Code<Result> {
    const user = userBit(interpOf(interp), c.instance);
    const r = yield* this.resolve(c.key, user);
    if ("error" in r) return err(r.error);
    switch (c._tag) {
      case "PyRuntime_store_release":
        // 1: the caller was the last user; the key and its storage are gone (D8).
        return ok((yield* this.dropRef(r.slot, user)) ? 1 : 0);
      case "PyRuntime_store_is_set":
        return ok(yield* this.isSet(r.slot));
      case "PyRuntime_store_get":
        return ok(yield* this.get(r.slot));
      case "PyRuntime_store_set":
        yield* this.set(r.slot, c.value, c.owner === "interp" ? interpOf(interp) : 0);
        return ok(0);
      case "PyRuntime_store_delete":
        yield* this.delete(r.slot);
        return ok(0);
    }
  }

  *isSet(slot: number): Code<number> {
    return yield load(this.layout.slot(slot).isSet);
  }

  /** The value, or NULL (0) when none is set. */
  *get(slot: number): Code<number> {
    const s = this.layout.slot(slot);
    return (yield load(s.isSet)) !== 0 ? yield load(s.value) : 0;
  }

  *set(slot: number, value: number, owner: number): Code<void> {
    const s = this.layout.slot(slot);
    yield store(s.value, value);
    yield store(s.owner, owner);
    yield store(s.isSet, 1);
  }

  /** Clears the value; a no-op when nothing is set. */
  *delete(slot: number): Code<void> {
    const s = this.layout.slot(slot);
    if ((yield load(s.isSet)) === 0) return;
    yield store(s.isSet, 0);
    yield store(s.value, 0);
    yield store(s.owner, 0);
  }

  /** An ending interpreter's ghost accounting for one entry, then its ensure dropped. */
  protected *endEntry(slot: number, interp: number): Code<void> {
    yield* this.accountEnding(slot, interp);
    if ((yield testBits(this.layout.slot(slot).refs, userBitsOf(interpOf(interp)))) === 1) yield* this.dropRef(slot, userBitsOf(interpOf(interp)));
  }

  /**
   * Before `interp`'s ensure goes: a value still set in storage that goes with it is dropped unseen
   * (ghost DROPPED, P7); a value `interp` owns in storage others still ensure now dangles (P4).
   */
  *accountEnding(slot: number, interp: number): Code<void> {
    const s = this.layout.slot(slot);
    if ((yield load(s.isSet)) === 0) return;
    const survives = ((yield load(s.refs)) & ~userBitsOf(interpOf(interp))) !== 0;
    if (!survives) {
      yield increment(this.rt.dropped, 1);
    } else if ((yield load(s.owner)) === interpOf(interp)) {
      yield increment(this.rt.dangling, 1);
      yield store(s.owner, 0);
    }
  }

  /**
   * A key's storage (ISSET, VALUE, OWNER) is read and written only under the runtime lock, like the
   * entry's header: every store call runs under it, and so do an ending interpreter's accounting
   * and the slot's free.
   */
  override protections(): ReadonlyMap<number, number> {
    const guarded = new Map(super.protections());
    for (let slot = 0; slot < this.layout.capacity; slot++) {
      const s = this.layout.slot(slot);
      for (const a of [s.isSet, s.value, s.owner]) guarded.set(a, this.rt.lock.owner);
    }
    return guarded;
  }

  /** A stored value's `owner` is the interpreter that owns it (0: raw memory). */
  override interpWords(): InterpWords {
    const base = super.interpWords();
    const owners = Array.from({ length: this.layout.capacity }, (_, slot) => this.layout.slot(slot).owner);
    return { ...base, ids: [...base.ids, ...owners] };
  }

  wordNames(): WordNames {
    return registryWordNames(this.layout, (p) => ({ isSet: p.isSet, value: p.value, owner: p.owner }));
  }
}

/** The runtime-store family as a Subject (a variant passes its own subclass instance and name). */
export function runtime_store(config: ModelConfig, impl: RuntimeStore = new RuntimeStore(config), name = "runtime_store"): Subject<RuntimeStoreCall, Result> {
  return subjectOf(name, impl, runtimeStoreModel.describeCall);
}
