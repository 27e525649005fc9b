import {
  allAlive,
  bit,
  describeUser,
  userBit,
  userBitsOf,
  describeThread,
  interpOf,
  threadIndexOf,
  INSTANCES,
  bumpDef,
  defaultConfig,
  defs,
  emptyGhost,
  err,
  stepRuntimeCall,
  gate,
  ghostKey,
  ok,
  type Def,
  type RuntimeCallTag,
  type Ghost,
  type ModelConfig,

  type RuntimeState,
  type StepResult,
  validateConfig,
} from "./common.js";

/**
 * The lifecycle of an extension's process-global state, as three of the families share it: a
 * per-def count of module instances (one per interpreter), global state set up on 0→1 and torn
 * down on 1→0, and — where the family has one — a process-global lock that the setup and teardown
 * run under and that the extension also uses around its own critical sections.
 *
 * The families differ in *who* writes this code (the runtime for `Py_mod_global_init`, the
 * refcounted lock for Petr's sketch, the extension itself for the shipped `PyMutex` baseline) and
 * in which calls they expose; each family file maps its calls onto the abstract operations here.
 */

/** One def's process-global state. */
export interface DefState {
  /** Interpreters with a live module instance for this def (bitmask); its size is the refcount. */
  /**
   * Module instances of this def (bitmask of user bits, `userBit`: one per interpreter and module
   * instance, D11); its size is the refcount.
   */
  readonly importers: number;
  /** The global state's handle (the ODBC `henv`): the epoch number it was set up in; 0 = not set up. */
  readonly handle: number;
  /**
   * The thread holding the def's lock (a thread id, D18), 0 if none (families without a client
   * lock keep 0). For the shipped PyMutex, which has no owner, it is the thread that last locked
   * it: the mutex is locked exactly while it is not 0.
   */
  readonly holder: number;
  /** Library calls made under the lock (the thread-unsafe C library's shared state). */
  readonly calls: number;
  /**
   * refcounted_lock only (D10b): the extension's `static PyThread_type_lock my_lock` (thread l.74),
   * as the number of the lock object it points to — object n is the one allocated for epoch n —
   * or 0 for NULL. The runtime writes it under its own lock when it allocates the object on the
   * first reference and clears it when it frees the object on the last, so it never dangles; it
   * is a C static, so it survives runtime finalisation. Every other family keeps 0.
   */
  readonly myLock: number;
}

export interface LifecycleState {
  readonly rt: RuntimeState;
  readonly defs: Readonly<Record<Def, DefState>>;
  readonly ghost: Ghost;
  readonly config: ModelConfig;
}

const idle: DefState = { importers: 0, handle: 0, holder: 0, calls: 0, myLock: 0 };

export function initLifecycle(config: ModelConfig = defaultConfig): LifecycleState {
  validateConfig(config);
  return { rt: { alive: allAlive(config), finalized: false }, defs: { odbc: idle, mylib: idle }, ghost: emptyGhost, config };
}

/**
 * A lifecycle family's calls as thread `thread` makes them (D18): an interpreter's second thread
 * imports and uses the interpreter's second module instance, so that its lock never runs before
 * an import of its own (a program cannot wait for its sibling's import). Thread 1 names none.
 */
export function asThreadInstance<C extends object>(thread: number, calls: readonly C[]): C[] {
  const k = threadIndexOf(thread);
  if (k > INSTANCES) throw new RangeError(`stress programs give each thread of an interpreter its own module instance: at most ${INSTANCES} threads per interpreter, got thread ${k}`);
  return k === 1 ? [...calls] : calls.map((c) => ({ ...c, instance: k }));
}

/** The abstract operations a family's calls map onto. */
export type LifecycleOp =
  | { readonly op: "import"; readonly def: Def; readonly instance: number; readonly initFails: boolean; readonly execFails: boolean; readonly initImportsSelf: boolean }
  | { readonly op: "unload"; readonly def: Def; readonly instance: number }
  | { readonly op: "lock"; readonly def: Def; readonly instance: number }
  | { readonly op: "unlock"; readonly def: Def; readonly instance: number }
  | { readonly op: "use"; readonly def: Def; readonly instance: number }
  | { readonly op: "library"; readonly def: Def; readonly instance: number }
  | { readonly op: "runtime"; readonly tag: RuntimeCallTag };

function withDef(s: LifecycleState, def: Def, d: DefState, ghost: Ghost = s.ghost): LifecycleState {
  const next = def === "odbc" ? { odbc: d, mylib: s.defs.mylib } : { odbc: s.defs.odbc, mylib: d };
  return { rt: s.rt, defs: next, ghost, config: s.config };
}

/** The module instances `users` (user bits) of `def` go away (m_free); teardown on the last one. */
function release(s: LifecycleState, def: Def, users: number): { state: LifecycleState; ranExit: boolean } {
  const d = s.defs[def];
  const importers = d.importers & ~users;
  if (importers !== 0) return { state: withDef(s, def, { ...d, importers }), ranExit: false };
  const ghost = { ...s.ghost, exits: bumpDef(s.ghost.exits, def) };
  // The last reference frees the refcounted lock object and clears the static pointing at it (D10b).
  return { state: withDef(s, def, { ...d, importers: 0, handle: 0, myLock: 0 }, ghost), ranExit: true };
}

/**
 * The client-visible lock a lifecycle family has (decisions D7, D10, D14):
 *   - "none": module_slots — the runtime's own lock, never held across calls;
 *   - "owned": refcounted_lock — not recursive (re-entry is `Reentrant`), released only by its
 *     holder (`NotHeld`), let go when its holder's interpreter ends (abandoned, D7a);
 *   - "pymutex": static_mutex — CPython's shipped `PyMutex`, which has no owner: a re-lock by the
 *     holder waits for itself (a self-deadlock, P6), any thread may unlock it, unlocking it while
 *     unlocked is `Py_FatalError`, nothing releases it when the holder's interpreter ends, and the
 *     extension's m_free, which `Py_EndInterpreter` runs, waits for it like any other locker.
 */
export type ClientLock = "none" | "owned" | "pymutex";

/**
 * `thread` ends its interpreter: the def locks `thread` holds are let go (abandoned) and the
 * interpreter's module instances unloaded. While another thread of the interpreter holds a def's
 * lock, ending waits for it (D18: `Py_EndInterpreter` first waits for the interpreter's other
 * threads). With the shipped PyMutex it lets go of nothing: its m_free locks the mutex, so ending
 * waits while anybody — the ending thread itself included — holds the mutex of a def its
 * interpreter has an instance of.
 */
function endInterpreter(s: LifecycleState, thread: number, lock: ClientLock): LifecycleState | undefined {
  const interp = interpOf(thread);
  if (lock === "pymutex" && defs.some((def) => s.defs[def].holder !== 0 && (s.defs[def].importers & userBitsOf(interp)) !== 0)) return undefined;
  if (defs.some((def) => { const h = s.defs[def].holder; return h !== 0 && h !== thread && interpOf(h) === interp; })) return undefined;
  let t = s;
  for (const def of defs) {
    const d = t.defs[def];
    if (d.holder === thread) {
      t = withDef(t, def, { ...d, holder: 0 }, { ...t.ghost, abandoned: t.ghost.abandoned + 1 });
    }
    if (t.defs[def].importers & userBitsOf(interp)) t = release(t, def, userBitsOf(interp)).state;
  }
  return { ...t, rt: { ...t.rt, alive: t.rt.alive & ~bit(interp) } };
}

/**
 * One abstract operation by `thread` (a thread id, D18). `lock` is the family's client-visible
 * lock (`ClientLock`): with one, import and unload take it, so they block while another thread
 * holds it — a sibling thread of the caller's interpreter too; while the calling thread holds it
 * they are refused ("owned": `Reentrant` / `LockHeld`) or wait for themselves ("pymutex": a
 * self-deadlock). Module instances and counts belong to the thread's interpreter.
 */
export function stepLifecycle(
  s: LifecycleState,
  thread: number,
  o: LifecycleOp,
  lock: ClientLock,
): StepResult<LifecycleState> | undefined {
  const interp = interpOf(thread);
  const denied = gate(s.rt, thread, o.op === "runtime" ? o.tag : o.op);
  if (denied) return { state: s, result: err(denied) };
  if (o.op === "runtime") {
    // Runtime finalisation frees nothing here: a def still imported after every interpreter ended is a leak.
    const finalize = (t: LifecycleState) => ({ state: t, leaks: defs.filter((def) => t.defs[def].importers !== 0).length });
    // An interpreter holding the client lock is inside an extension function: finalisation waits (D3).
    const busy = (t: LifecycleState) => defs.some((def) => t.defs[def].holder !== 0);
    return stepRuntimeCall(s, thread, o.tag, { endInterpreter: (t, i) => endInterpreter(t, i, lock), finalize, busy });
  }
  const def = o.def;
  const d = s.defs[def];
  const user = userBit(interp, o.instance);
  const mine = (d.importers & user) !== 0;
  const fail = (e: Parameters<typeof err>[0]): StepResult<LifecycleState> => ({ state: s, result: err(e) });
  switch (o.op) {
    case "import": {
      if (mine) return fail("AlreadyImported");
      if (lock !== "none" && d.holder !== 0) return d.holder === thread && lock === "owned" ? fail("Reentrant") : undefined;
      let t = s;
      let ranInit = false;
      if (d.importers === 0) {
        if (o.initImportsSelf) return fail("ImportCycle");
        if (o.initFails) return fail("InitFailed");
        const inits = bumpDef(s.ghost.inits, def);
        // The refcounted lock's first reference allocates lock object n (epoch n) into my_lock (D10b).
        t = withDef(s, def, { ...d, handle: inits[def], myLock: lock === "owned" ? inits[def] : 0 }, { ...s.ghost, inits });
        ranInit = true;
      }
      if (o.execFails) {
        if (!ranInit) return fail("ExecFailed");
        // The instance was counted before exec; m_free after the failed exec balances it (P3).
        const counted = withDef(t, def, { ...t.defs[def], importers: t.defs[def].importers | user });
        return { state: release(counted, def, user).state, result: err("ExecFailed") };
      }
      return { state: withDef(t, def, { ...t.defs[def], importers: d.importers | user }), result: ok(ranInit ? 1 : 0) };
    }
    case "unload": {
      if (!mine) return fail("NotImported");
      if (lock !== "none" && d.holder !== 0) return d.holder === thread && lock === "owned" ? fail("LockHeld") : undefined;
      const r = release(s, def, user);
      return { state: r.state, result: ok(r.ranExit ? 1 : 0) };
    }
    case "lock":
      if (!mine) return fail("NotImported");
      if (d.holder === thread && lock === "owned") return fail("Reentrant");
      if (d.holder !== 0) return undefined; // a sibling thread waits too (D18); PyMutex: the holder's re-lock waits for itself
      return { state: withDef(s, def, { ...d, holder: thread }), result: ok(0) };
    case "unlock":
      if (!mine) return fail("NotImported");
      if (lock === "pymutex") {
        // _PyMutex_TryUnlock checks only the locked bit: anyone may unlock; unlocked is fatal.
        if (d.holder === 0) return fail("FatalError");
        return { state: withDef(s, def, { ...d, holder: 0 }), result: ok(0) };
      }
      if (d.holder !== thread) return fail("NotHeld");
      return { state: withDef(s, def, { ...d, holder: 0 }), result: ok(0) };
    case "use":
      if (!mine) return fail("NotImported");
      return { state: s, result: ok(d.handle) };
    case "library":
      if (!mine) return fail("NotImported");
      // A PyMutex has no owner: the extension can only know the mutex is locked, not by whom, so
      // two interpreters may both be inside the library once one unlocked the other's mutex (P9).
      if (lock === "pymutex" ? d.holder === 0 : d.holder !== thread) return fail("NotHeld");
      return { state: withDef(s, def, { ...d, calls: d.calls + 1 }), result: ok(d.calls + 1) };
  }
}

export function lifecycleKey(s: LifecycleState): string {
  const o = s.defs.odbc;
  const m = s.defs.mylib;
  return `${s.rt.alive}${s.rt.finalized ? "F" : "R"}|${o.importers},${o.handle},${o.holder},${o.calls},${o.myLock}|${m.importers},${m.handle},${m.holder},${m.calls},${m.myLock}|${ghostKey(s.ghost)}`;
}

export function describeLifecycle(s: LifecycleState, lockName: string): string {
  if (s.rt.finalized) return "runtime finalised";
  return defs
    .map((def) => {
      const d = s.defs[def];
      const users: string[] = [];
      for (let b = 0; b < 31; b++) if (d.importers & (1 << b)) users.push(describeUser(1 << b));
      const state = d.handle ? `global state set up (handle ${d.handle})` : "no global state";
      const lock = d.holder ? `, ${lockName} held by ${describeThread(d.holder)}` : "";
      const pointer = d.myLock ? `, my_lock → lock object ${d.myLock}` : "";
      return `${def}: refcount ${users.length}${users.length ? ` {${users.join(",")}}` : ""}, ${state}${lock}${pointer}`;
    })
    .join("; ");
}

