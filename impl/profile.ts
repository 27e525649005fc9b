import type { AnyCall, Def, ErrorCode, ModelConfig, Result } from "../model/index.js";
import type { LifecycleOp } from "../model/lifecycle.js";
import type { Code } from "./memory.js";
import type { Runtime } from "./runtime.js";
import type { Subject } from "./subject.js";

/** A family's Subject with its call type widened to every family's calls (calls of other families are never sent to it). */
export type AnySubject = Subject<AnyCall, Result>;

/** An import as the lifecycle families run it (the model's `import` operation). */
export type ImportOp = Extract<LifecycleOp, { op: "import" }>;

/**
 * An extension's own Py_mod_global_init / Py_mod_global_exit, for the families whose runtime calls
 * them (the model profile's `extensionCallbacks`). Each wraps the runtime's own part (`base`): the
 * callback runs first and decides whether the runtime's part runs.
 */
export interface ExtensionHooks {
  globalInit(interp: number, o: ImportOp, base: (interp: number, o: ImportOp) => Code<ErrorCode | undefined>): Code<ErrorCode | undefined>;
  globalExit(def: Def, base: (def: Def) => Code<void>): Code<void>;
}

/**
 * Everything the layers above need of one family's implementation: its Subject (what the explorer
 * and the stress runner run) and, for the scenario harness, its `Runtime` with an extension's
 * callbacks plugged in. The model side of a family is its `ModelProfile` (model/profile.ts).
 */
export interface ImplProfile {
  readonly subject: (config: ModelConfig) => AnySubject;
  /**
   * The family's runtime, running `hooks` where the runtime calls the extension (families without
   * callbacks ignore them). Absent for a family the scenario matrix does not cover.
   */
  readonly runtime?: (config: ModelConfig, hooks?: ExtensionHooks) => Runtime<AnyCall>;
  /**
   * The decoded word (`Subject.decode`) counting the library calls made under the family's lock,
   * which a stress run checks against the calls made (no lost update, P9). Absent: the family's
   * stress program makes no library call to count.
   */
  readonly libraryCounter?: string;
}
