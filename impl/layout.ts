/**
 * Every word of shared memory, named in one place.
 *
 * A family's memory is a run of int32 words: the runtime header (the runtime lock, which
 * interpreters are alive, whether the runtime is finalised, the runtime-wide ghost counters), then
 * the family's own region — the registry of named entries (global_lock, runtime_store) or one
 * block per module def (module_slots, refcounted_lock, static_mutex). Offsets are computed here
 * from the config (registry capacity) and nowhere else: implementation code names a word through
 * these layouts, never through a bare index.
 *
 * A def is identified by an address-like constant (`defIdentity`: C compares `PyModuleDef*`), a
 * name by its UTF-8 bytes packed into words (`packName`: C compares bytes), so the implementation
 * never trusts a caller-supplied slot to say what lives there.
 */
import { defs, names, validateConfig, type Def, type ModelConfig, type Name } from "../model/index.js";
import { PyMutex_WORDS } from "./pymutex.js";

/** A PyMutex in shared memory: its lock word and its owner word (see impl/pymutex.ts). */
export interface MutexAt {
  readonly lock: number;
  readonly owner: number;
}

/** Hands out consecutive words; a layout is built by taking fields in order. */
class Words {
  next = 0;
  take(n = 1): number {
    const at = this.next;
    this.next += n;
    return at;
  }
  mutex(): MutexAt {
    const lock = this.take(PyMutex_WORDS);
    return { lock, owner: lock + 1 };
  }
}

// ---- the runtime header, shared by every family ----------------------------------------------

/**
 * The runtime header. `lock` is the runtime lock (a PyMutex: the innermost lock of the global order
 * — nothing blocks while holding it). `alive` is a bitmask, bit i-1 for interpreter i; `finalized`
 * is 1 after Py_FinalizeEx until Py_Initialize. The ghost counters mirror model/common.ts `Ghost`
 * (abandoned locks, leaks at finalisation, dangling interpreter-owned values, store values dropped
 * unseen with their storage); they are written
 * only for the properties and never read by the algorithm.
 */
export interface RuntimeLayout {
  readonly lock: MutexAt;
  readonly alive: number;
  readonly finalized: number;
  readonly abandoned: number;
  readonly leaks: number;
  readonly dangling: number;
  readonly dropped: number;
  /**
   * Bit i-1 while interpreter i has a family call in flight (set with the gate under the runtime
   * lock, cleared when the call returns): Py_FinalizeEx waits for it before ending a
   * subinterpreter, so it never ends one in the middle of a call (D3). Only `i` changes its bit.
   */
  readonly busy: number;
}

function runtimeLayout(w: Words): RuntimeLayout {
  return { lock: w.mutex(), alive: w.take(), finalized: w.take(), abandoned: w.take(), leaks: w.take(), dangling: w.take(), dropped: w.take(), busy: w.take() };
}

// ---- identities of defs and names ------------------------------------------------------------

/** The address-like identity of each module def (what a `PyModuleDef*` compares as). Never 0. */
export const defIdentity: Readonly<Record<Def, number>> = Object.fromEntries(
  defs.map((d, i) => [d, 0x4000 + 0x40 * i]),
) as Record<Def, number>;

const encoder = new TextEncoder();

/** How many words a name occupies: enough for the longest name's UTF-8 bytes. */
export const NAME_WORDS = Math.max(...names.map((n) => Math.ceil(encoder.encode(n).length / 4)));

/** A name's UTF-8 bytes packed little-endian into NAME_WORDS words, zero-padded (a C string). */
export function packName(name: Name): readonly number[] {
  const bytes = encoder.encode(name);
  const words = new Array<number>(NAME_WORDS).fill(0);
  bytes.forEach((b, i) => {
    words[i >> 2] = (words[i >> 2] ?? 0) | (b << (8 * (i & 3)));
  });
  return words;
}

/** Slot states of a registry entry. */
export const SlotState = { free: 0, live: 1 } as const;

// ---- the registry (global_lock, runtime_store) -----------------------------------------------

/**
 * Fields of one registry slot. Common: `state` (SlotState), `gen` (the slot's generation, bumped
 * on every free and never reset, so indices handed out before a free — or before runtime
 * finalisation — stay stale), `def` (the def's identity), the name words, `refs` (bitmask of
 * interpreters holding an ensure). Then the family's payload: the named lock (a PyMutex and the
 * CALLS counter of the thread-unsafe library it protects) or the store value (ISSET, VALUE, OWNER:
 * 0 for raw memory, else the owning interpreter).
 */
export interface SlotFields {
  readonly state: number;
  readonly gen: number;
  readonly def: number;
  readonly name: number;
  readonly refs: number;
}
export interface LockPayloadFields {
  readonly mutex: MutexAt;
  readonly calls: number;
}
export interface StorePayloadFields {
  readonly isSet: number;
  readonly value: number;
  readonly owner: number;
}

export interface RegistryLayout<P> {
  readonly words: number;
  readonly rt: RuntimeLayout;
  readonly capacity: number;
  /** Absolute addresses of slot `slot`'s fields. */
  slot(slot: number): SlotFields & P;
  /** Every word of the slot's payload (cleared when the slot is freed). */
  payloadWords(slot: number): readonly number[];
}

function registryLayout<P>(config: ModelConfig, payload: (w: Words) => P, payloadAddrs: (p: P) => number[]): RegistryLayout<P> {
  validateConfig(config);
  const w = new Words();
  const rt = runtimeLayout(w);
  const base = w.next;
  // One slot's relative layout.
  const rel = new Words();
  const common: SlotFields = { state: rel.take(), gen: rel.take(), def: rel.take(), name: rel.take(NAME_WORDS), refs: rel.take() };
  const relPayload = payload(rel);
  const stride = rel.next;
  const shift = <T>(v: T, by: number): T =>
    (typeof v === "number" ? v + by : Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, shift(x, by)]))) as T;
  const slots = Array.from({ length: config.capacity }, (_, i) => ({ ...shift(common, base + i * stride), ...shift(relPayload, base + i * stride) }));
  return {
    words: base + stride * config.capacity,
    rt,
    capacity: config.capacity,
    slot(slot) {
      const s = slots[slot];
      if (s === undefined) throw new RangeError(`registry slot ${slot} out of 0..${config.capacity - 1}`);
      return s;
    },
    payloadWords(slot) {
      return payloadAddrs(this.slot(slot));
    },
  };
}

export type GlobalLockLayout = RegistryLayout<LockPayloadFields>;
export type RuntimeStoreLayout = RegistryLayout<StorePayloadFields>;

export function globalLockLayout(config: ModelConfig): GlobalLockLayout {
  return registryLayout(
    config,
    (w) => ({ mutex: w.mutex(), calls: w.take() }),
    (p) => [p.mutex.lock, p.mutex.owner, p.calls],
  );
}

export function runtimeStoreLayout(config: ModelConfig): RuntimeStoreLayout {
  return registryLayout(
    config,
    (w) => ({ isSet: w.take(), value: w.take(), owner: w.take() }),
    (p) => [p.isSet, p.value, p.owner],
  );
}

// ---- per-def lifecycle (module_slots, refcounted_lock, static_mutex) -------------------------

/** What the global state of a def is doing (PHASE word): a broken variant exposes the middle ones. */
export const Phase = { none: 0, settingUp: 1, ready: 2, tearingDown: 3 } as const;

/**
 * One def's block. `inner` is the def's lifecycle lock: held only inside one call (import, unload,
 * interpreter end), never across calls, so interpreter finalisation can always take it. `outer`
 * is the client-visible lock where the family has a static one (static_mutex); refcounted_lock
 * finds its client lock through `lockRef` instead (a 1-based index into the lock-object pool, 0 =
 * no lock allocated). `count` is the refcount of module instances (the extension's own count in
 * static_mutex, the runtime's in the others), `importers` the bitmask of interpreters with an
 * instance, `phase`/`handle` the global state (handle = the epoch it was set up in), `epoch` and
 * `exits` the ghost init/exit counters (epoch doubles as the source of handles: never reset), and
 * `calls` the thread-unsafe library's shared counter. All of it is static: it survives runtime
 * finalisation.
 */
export interface DefBlock {
  readonly inner: MutexAt;
  readonly outer: MutexAt | undefined;
  readonly lockRef: number | undefined;
  readonly count: number;
  readonly importers: number;
  /** `importers` of each interpreter's second module instance of the def (D11: instances counted apart). */
  readonly importers2: number;
  readonly phase: number;
  readonly handle: number;
  readonly epoch: number;
  readonly exits: number;
  readonly calls: number;
}

/** One refcounted lock object (Petr's `PyThread_type_lock` with an internal refcount). */
export interface LockObject {
  /** 1 while allocated. */
  readonly live: number;
  readonly mutex: MutexAt;
  /** References pinning the object: one per module instance plus one per mod_init in flight. */
  readonly pins: number;
}

/**
 * The words a lifecycle family adds to the per-def block every lifecycle family has: the outer
 * static PyMutex an extension takes itself (static_mutex), and the static `my_lock` pointer with
 * a pool of refcounted lock objects it points into (refcounted_lock). Each family's implementation
 * file names its own parts.
 */
export interface LifecycleParts {
  readonly outerMutex?: boolean;
  readonly lockObjects?: boolean;
}

export interface LifecycleLayout {
  readonly words: number;
  readonly rt: RuntimeLayout;
  /** The family laid out (for messages). */
  readonly family: string;
  readonly def: Readonly<Record<Def, DefBlock>>;
  /** The lock-object pool (with `lockObjects` only; empty otherwise): at most one object per def is live. */
  readonly pool: readonly LockObject[];
}

export function lifecycleLayout(family: string, parts: LifecycleParts = {}): LifecycleLayout {
  const w = new Words();
  const rt = runtimeLayout(w);
  const block = (): DefBlock => ({
    inner: w.mutex(),
    outer: parts.outerMutex === true ? w.mutex() : undefined,
    lockRef: parts.lockObjects === true ? w.take() : undefined,
    count: w.take(),
    importers: w.take(),
    importers2: w.take(),
    phase: w.take(),
    handle: w.take(),
    epoch: w.take(),
    exits: w.take(),
    calls: w.take(),
  });
  const def = Object.fromEntries(defs.map((d) => [d, block()])) as Record<Def, DefBlock>;
  const pool: LockObject[] = parts.lockObjects === true ? defs.map(() => ({ live: w.take(), mutex: w.mutex(), pins: w.take() })) : [];
  return { words: w.next, rt, family, def, pool };
}

// ---- word names, for the judge and reports ---------------------------------------------------

/** A Subject's named words: name → address, in the order reports list them. */
export type WordNames = Readonly<Record<string, number>>;

/** The runtime header's words by name. */
export function runtimeWordNames(rt: RuntimeLayout): Record<string, number> {
  return {
    "runtime.lock": rt.lock.lock,
    "runtime.lockOwner": rt.lock.owner,
    "runtime.alive": rt.alive,
    "runtime.finalized": rt.finalized,
    "runtime.busy": rt.busy,
    "ghost.abandoned": rt.abandoned,
    "ghost.leaks": rt.leaks,
    "ghost.dangling": rt.dangling,
    "ghost.dropped": rt.dropped,
  };
}

/** A registry family's words by name: the runtime header, then per slot its header and the payload's fields (`payload` names them). */
export function registryWordNames<P>(layout: RegistryLayout<P>, payload: (p: SlotFields & P) => Readonly<Record<string, number>>): Record<string, number> {
  const out = runtimeWordNames(layout.rt);
  for (let slot = 0; slot < layout.capacity; slot++) {
    const s = layout.slot(slot);
    out[`slot${slot}.state`] = s.state;
    out[`slot${slot}.gen`] = s.gen;
    out[`slot${slot}.def`] = s.def;
    for (let w = 0; w < NAME_WORDS; w++) out[`slot${slot}.name${w}`] = s.name + w;
    out[`slot${slot}.refs`] = s.refs;
    for (const [k, a] of Object.entries(payload(s))) out[`slot${slot}.${k}`] = a;
  }
  return out;
}

/** A lifecycle family's words by name: the runtime header, each def's block, the lock-object pool. */
export function lifecycleWordNames(layout: LifecycleLayout): Record<string, number> {
  const out = runtimeWordNames(layout.rt);
  for (const def of defs) {
    const d = layout.def[def];
    out[`${def}.lifecycleLock`] = d.inner.lock;
    out[`${def}.lifecycleLockOwner`] = d.inner.owner;
    if (d.outer !== undefined) {
      out[`${def}.mutex`] = d.outer.lock;
      out[`${def}.mutexOwner`] = d.outer.owner;
    }
    if (d.lockRef !== undefined) out[`${def}.lockRef`] = d.lockRef;
    out[`${def}.count`] = d.count;
    out[`${def}.importers`] = d.importers;
    out[`${def}.importers2`] = d.importers2;
    out[`${def}.phase`] = d.phase;
    out[`${def}.handle`] = d.handle;
    out[`${def}.epoch`] = d.epoch;
    out[`${def}.exits`] = d.exits;
    out[`${def}.calls`] = d.calls;
  }
  layout.pool.forEach((o, k) => {
    out[`lock${k}.live`] = o.live;
    out[`lock${k}.mutex`] = o.mutex.lock;
    out[`lock${k}.mutexOwner`] = o.mutex.owner;
    out[`lock${k}.pins`] = o.pins;
  });
  return out;
}

/** The named words' values in `mem` (a word beyond the memory reads 0). */
export function readWords(names: WordNames, mem: Int32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, addr] of Object.entries(names)) out[name] = mem[addr] ?? 0;
  return out;
}

/** Word i → its name ("word i" for a word with none), from a Subject's named words. */
export function namesByAddress(names: WordNames, words: number): string[] {
  const out = Array.from({ length: words }, (_, a) => `word ${a}`);
  for (const [name, addr] of Object.entries(names)) if (addr >= 0 && addr < words && out[addr] === `word ${addr}`) out[addr] = name;
  return out;
}
