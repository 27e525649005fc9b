/**
 * The memory interface: the one way implementation code touches shared memory.
 *
 * Implementation code is written as generator functions of type `Code<R>`. Every shared access is
 * a `yield` of an `Access` descriptor (built with `load`, `store`, `cas`, …); the value the
 * generator receives back is the access's result. Whoever drives the generator decides what the
 * access means:
 *   - the *real* backend (`runReal`, `AtomicsMemory`) performs it at once with `Atomics` on an
 *     `Int32Array` over a `SharedArrayBuffer` — this is what worker threads run in stress mode;
 *   - the *controlled* backend (the explorer, `properties/explorer`) treats every yield as a
 *     scheduling point: it picks which interpreter moves next, then performs the access on its own
 *     copy of memory.
 * Because both drive the very same generator, the code explored is the code stressed.
 *
 * Addresses are word indices into an `Int32Array` (named in `impl/layout.ts`); every value is an
 * int32. No implementation reads or writes shared memory any other way.
 */

/** The kinds of shared access, as small integers so descriptors stay cheap. */
export const AccessOp = {
  load: 0,
  store: 1,
  cas: 2,
  add: 3,
  sub: 4,
  exchange: 5,
  wait: 6,
  notify: 7,
  checkpoint: 8,
  or: 9,
  and: 10,
} as const;
export type AccessOp = (typeof AccessOp)[keyof typeof AccessOp];

/** Names of the access kinds, indexed by `AccessOp`, for traces and reports. */
export const accessOpName: readonly string[] = [
  "load",
  "store",
  "compareExchange",
  "add",
  "sub",
  "exchange",
  "wait",
  "notify",
  "checkpoint",
  "or",
  "and",
];

/**
 * An Access is one shared-memory operation an implementation asks for.
 * `a` and `b` are its operands: store(value), cas(expected, replacement), add/sub/exchange(value),
 * or/and(bits), wait(expected), notify(count). Unused operands are 0.
 *
 * `b` also carries a *result mode* where the operation has no second operand: a load with
 * `b = LoadMode.equals` returns 1 if the word equals `a` (else 0), with `b = LoadMode.bits` 1 if
 * the word has any of the bits in `a`; an add, sub, or or and with `b = 1` returns 0 instead of
 * the old value. These are the same atomic operations, telling the code only what it uses: the
 * explorer keys a thread's state on the values it observed, so a value the code never needs (who
 * else holds a lock, which other bits are set) would only split states that behave the same.
 */
export interface Access {
  readonly op: AccessOp;
  readonly addr: number;
  readonly a: number;
  readonly b: number;
}

/**
 * Code is implementation code: a generator that yields accesses and receives their results.
 * Results: load/add/sub/exchange/cas return the word's previous value; store returns the stored
 * value; wait returns a `WaitResult`; notify returns how many waiters it woke.
 */
export type Code<R> = Generator<Access, R, number>;

/** What `wait` returns, mirroring `Atomics.wait`'s "ok" / "not-equal" / "timed-out". */
export const WaitResult = { woken: 0, notEqual: 1, timedOut: 2 } as const;

/** How a load reports the word (see Access). */
export const LoadMode = { value: 0, equals: 1, bits: 2 } as const;

export const load = (addr: number): Access => ({ op: AccessOp.load, addr, a: 0, b: 0 });
/** An atomic load that answers only "is the word equal to `value`?" (1 or 0). */
export const testEquals = (addr: number, value: number): Access => ({ op: AccessOp.load, addr, a: value, b: LoadMode.equals });
/** An atomic load that answers only "does the word have any of `mask`'s bits?" (1 or 0). */
export const testBits = (addr: number, mask: number): Access => ({ op: AccessOp.load, addr, a: mask, b: LoadMode.bits });
/** Atomic add whose old value the code does not use (returns 0). */
export const increment = (addr: number, value: number): Access => ({ op: AccessOp.add, addr, a: value, b: 1 });
/** Atomic sub whose old value the code does not use (returns 0). */
export const decrement = (addr: number, value: number): Access => ({ op: AccessOp.sub, addr, a: value, b: 1 });
/** Atomic `word |= mask`, old value unused (returns 0). */
export const setBits = (addr: number, mask: number): Access => ({ op: AccessOp.or, addr, a: mask, b: 1 });
/** Atomic `word &= ~mask`, old value unused (returns 0). */
export const clearBits = (addr: number, mask: number): Access => ({ op: AccessOp.and, addr, a: ~mask, b: 1 });
export const store = (addr: number, value: number): Access => ({ op: AccessOp.store, addr, a: value, b: 0 });
/** compareExchange: if word == expected then word = replacement; returns the previous word. */
export const cas = (addr: number, expected: number, replacement: number): Access => ({
  op: AccessOp.cas,
  addr,
  a: expected,
  b: replacement,
});
export const add = (addr: number, value: number): Access => ({ op: AccessOp.add, addr, a: value, b: 0 });
export const sub = (addr: number, value: number): Access => ({ op: AccessOp.sub, addr, a: value, b: 0 });
export const exchange = (addr: number, value: number): Access => ({ op: AccessOp.exchange, addr, a: value, b: 0 });
/** Block while word == expected, until a notify on addr (futex wait). */
export const wait = (addr: number, expected: number): Access => ({ op: AccessOp.wait, addr, a: expected, b: 0 });
/** Wake up to `count` waiters on addr (futex wake). */
export const notify = (addr: number, count: number): Access => ({ op: AccessOp.notify, addr, a: count, b: 0 });

/**
 * Loop checkpoints: not shared accesses at all, but a promise the code makes to the explorer, so
 * that a thread going round a wait loop does not look like a new thread state on every iteration.
 *   - `loopEnter(scope)` marks the start of a loop (`scope` names it: use the address of the word
 *     the loop waits on);
 *   - `loopHead(scope, v)` at the top of every iteration promises that what the code does from here
 *     on depends only on what it observed *before* `loopEnter(scope)`, plus `v`.
 * The explorer then keys the thread's state on (observations before the loop, v) and forgets the
 * iterations. Both backends perform them as no-ops that return 0; they are not scheduling points.
 * A wrong promise (a value from the loop body used later but not passed in `v`) would merge states
 * that differ, so keep loops small and pass every live value.
 */
export const loopEnter = (scope: number): Access => ({ op: AccessOp.checkpoint, addr: scope, a: 0, b: 1 });
export const loopHead = (scope: number, v: number): Access => ({ op: AccessOp.checkpoint, addr: scope, a: v, b: 0 });

/** What a load of a word holding `word` returns in mode `mode` (see Access). */
function loadResult(word: number, a: number, mode: number): number {
  if (mode === LoadMode.equals) return word === a ? 1 : 0;
  if (mode === LoadMode.bits) return (word & a) !== 0 ? 1 : 0;
  return word;
}

/**
 * Performs one non-blocking access on a plain (unshared) Int32Array. The controlled backend uses
 * this after the scheduler has chosen the access; `wait` and `notify` are the scheduler's business
 * and are rejected here.
 */
export function performPlain(mem: Int32Array, access: Access): number {
  const { addr, a, b } = access;
  const old = mem[addr];
  if (old === undefined) throw new RangeError(`shared access out of bounds: word ${addr} of ${mem.length}`);
  switch (access.op) {
    case AccessOp.load:
      return loadResult(old, a, b);
    case AccessOp.store:
      mem[addr] = a;
      return a;
    case AccessOp.cas:
      if (old === a) mem[addr] = b;
      return old;
    case AccessOp.add:
      mem[addr] = (old + a) | 0;
      return b === 1 ? 0 : old;
    case AccessOp.sub:
      mem[addr] = (old - a) | 0;
      return b === 1 ? 0 : old;
    case AccessOp.or:
      mem[addr] = old | a;
      return b === 1 ? 0 : old;
    case AccessOp.and:
      mem[addr] = old & a;
      return b === 1 ? 0 : old;
    case AccessOp.exchange:
      mem[addr] = a;
      return old;
    case AccessOp.checkpoint:
      return 0;
    case AccessOp.wait:
    case AccessOp.notify:
      throw new Error(`performPlain cannot ${accessOpName[access.op]}: blocking is the scheduler's business`);
  }
}

/** The real backend: Atomics on an Int32Array over a SharedArrayBuffer. */
export class AtomicsMemory {
  readonly words: Int32Array;
  /** How long one `wait` may block before it reports timed-out (ms); Infinity blocks forever. */
  readonly waitTimeoutMs: number;

  constructor(words: Int32Array, waitTimeoutMs = Infinity) {
    if (!(words.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError("AtomicsMemory needs an Int32Array over a SharedArrayBuffer");
    }
    this.words = words;
    this.waitTimeoutMs = waitTimeoutMs;
  }

  static allocate(wordCount: number, waitTimeoutMs = Infinity): AtomicsMemory {
    return new AtomicsMemory(new Int32Array(new SharedArrayBuffer(wordCount * 4)), waitTimeoutMs);
  }

  perform(access: Access): number {
    const w = this.words;
    const { addr, a, b } = access;
    switch (access.op) {
      case AccessOp.load:
        return loadResult(Atomics.load(w, addr), a, b);
      case AccessOp.store:
        return Atomics.store(w, addr, a);
      case AccessOp.cas:
        return Atomics.compareExchange(w, addr, a, b);
      case AccessOp.add: {
        const old = Atomics.add(w, addr, a);
        return b === 1 ? 0 : old;
      }
      case AccessOp.sub: {
        const old = Atomics.sub(w, addr, a);
        return b === 1 ? 0 : old;
      }
      case AccessOp.or: {
        const old = Atomics.or(w, addr, a);
        return b === 1 ? 0 : old;
      }
      case AccessOp.and: {
        const old = Atomics.and(w, addr, a);
        return b === 1 ? 0 : old;
      }
      case AccessOp.exchange:
        return Atomics.exchange(w, addr, a);
      case AccessOp.wait: {
        const r = Atomics.wait(w, addr, a, this.waitTimeoutMs);
        return r === "ok" ? WaitResult.woken : r === "not-equal" ? WaitResult.notEqual : WaitResult.timedOut;
      }
      case AccessOp.notify:
        return Atomics.notify(w, addr, a);
      case AccessOp.checkpoint:
        return 0;
    }
  }

  /** Runs implementation code to completion on this thread, performing each access with Atomics. */
  run<R>(code: Code<R>): R {
    let step = code.next();
    while (!step.done) step = code.next(this.perform(step.value));
    return step.value;
  }
}
