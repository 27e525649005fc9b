import type { Def, RuntimeCallTag } from "./common.js";
import type { FamilyModel } from "./family.js";

/**
 * A family model with its state and call types erased, for code that handles every family alike
 * (the checker, the CLI). Calls are still checked at the edges by the family's `Call` schema.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFamilyModel = FamilyModel<any, any>;

/**
 * Everything the layers above need to know about one API family at the model level, in one
 * place: its model and the traits that decide which generic rules and workloads apply to it.
 * Generic code asks a profile ("does this family keep a registry?"), never compares a family's
 * name against a string. The implementation side of a family is its `ImplProfile` (impl/profile.ts).
 */
/** A call of some family: a tagged struct (a profile is typed by its own family's calls). */
export type SomeCall = { readonly _tag: string };

/**
 * A profile typed by its family's calls `C`; `ModelProfile` alone is a profile with its call type
 * erased (as `AnyFamilyModel` erases a model's), for code that handles every family alike.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ModelProfile<C extends SomeCall = any> {
  readonly family: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly model: FamilyModel<any, C>;
  /**
   * Where the family keeps an extension's process-global state: in the runtime's registry of named
   * entries, reached through indices (global_lock, runtime_store: ensures and stale indices, P8),
   * in a per-def lifecycle of init/exit epochs (module_slots, refcounted_lock, static_mutex), or
   * neither (a family the generic rules know nothing of, such as a test fixture).
   */
  readonly globalState: "registry" | "lifecycle" | "other";
  /**
   * What the runtime counts for the extension, so its own code keeps no count of it: every
   * resource's users (runtime_store: a key's ensures), or the module's instances (module_slots,
   * refcounted_lock: the 0→1 / 1→0 decisions are the runtime's). Absent: the extension counts.
   */
  readonly runtimeCounts?: "every-resource" | "module-instances";
  /** The extension holds a static pointer to a refcounted lock object (refcounted_lock): the pointer must never dangle (P8). */
  readonly lockObject?: boolean;
  /** Runtime calls that may block besides Py_FinalizeEx (static_mutex: Py_EndInterpreter runs m_free, which waits for the PyMutex, D14). */
  readonly blockingRuntimeCalls?: readonly RuntimeCallTag[];
  /**
   * Present when the runtime itself calls the extension's Py_mod_global_init / Py_mod_global_exit
   * and runs m_free (at unload, interpreter end and finalisation): the calls an extension makes to
   * import its module and to free it, e.g. `PyModule_ExecDef` / `unload_module`.
   */
  readonly extensionCallbacks?: {
    readonly exec: (def: Def) => C;
    readonly free: (def: Def) => C;
  };
  /**
   * Calls whose `index` argument C passes as a lock handle (`PyThread_type_lock`) that names its
   * (def, name) too, rather than as a bare index (global_lock's acquire/release).
   */
  readonly lockHandleCalls?: readonly string[];
  /**
   * The family a C client that declares none (no IL_FAMILY, no --family) is checked against, as
   * older C clients relied on: of the families marked so, the one with `extensionCallbacks` when
   * the file exports Py_mod_global_init, the one without otherwise (cfront/client.ts).
   */
  readonly undeclaredCClient?: boolean;
  /** How an extension uses the family, call by call: what the workloads build programs from and the judge names symptoms by. */
  readonly usage: FamilyUsage<C>;
  /**
   * The calls an extension makes most, for `interlock bench fastpath`: each a setup run once, then
   * a loop timed on the real backend.
   */
  readonly fastPaths?: readonly { readonly setup: readonly C[]; readonly loop: readonly C[] }[];
}

/** A call tag of the calls `C`. */
type TagOf<C extends SomeCall> = C["_tag"];

/**
 * How an extension uses a family, by call tag: the call that takes the resource (an import, an
 * ensure), the one that gives it back (an unload, a release), the calls made while holding it,
 * and — where the family has one — the lock pair with the calls that belong inside it. Generic
 * code builds programs from these (a use comes after its open, every acquire has its release)
 * and the judge names a disagreement's symptom by the role of the call (properties/judge/property-classifier.ts).
 * A tag has the same role in every family that has it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface FamilyUsage<C extends SomeCall = any> {
  readonly open: TagOf<C>;
  readonly close: TagOf<C>;
  readonly uses: readonly TagOf<C>[];
  readonly lock?: { readonly acquire: TagOf<C>; readonly release: TagOf<C>; readonly inside: readonly TagOf<C>[] };
  /** One import/use/unload cycle as an extension runs it: the verification job's typical program. */
  readonly typical: readonly C[];
  /**
   * With a lock: what a thread does to call the library under it — set up (ensure / import), then
   * acquire, the library call, release (thread 1 of the two-thread programs, D18).
   */
  readonly lockHolder?: readonly C[];
  /**
   * The extension's critical section as `interlock stress` loops it in each worker, with the calls
   * as thread `thread` makes them: `setup` once (a reference never given back, so runtime
   * finalisation must clean up after it, P7), then as many whole `body`s as fit
   * (properties/workload/critical-programs.ts). Absent: the family has no stress program.
   */
  readonly critical?: (thread: number) => { readonly setup: readonly C[]; readonly body: readonly C[] };
}

/** The role a call plays in its family's usage (`FamilyUsage`). */
export type CallRole = "open" | "close" | "use" | "acquire" | "release" | "inside";
