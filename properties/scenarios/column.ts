/**
 * A column of the scenario matrix as cell.ts runs it: a family's implementation plus the
 * extension operations written against it. harness.ts builds one from a public client definition
 * (contract.ts); nothing else needs to build one by hand.
 */
import type { AnyCall, FamilyName, ModelConfig, Result } from "../../model/index.js";
import type { Runtime } from "../../impl/runtime.js";
import type { Code } from "../../impl/memory.js";
import type { Discipline } from "../../impl/subject.js";
import type { ClientWords, ExtCall, ExtResult, Library } from "./library.js";

/** What an extension operation runs with: its interpreter, the family's API, the library, its statics, its module state. */
export interface Ctx {
  readonly interp: number;
  readonly lib: Library;
  readonly w: ClientWords;
  readonly carry: readonly number[];
  /** A call of the family's C API (through the runtime's gate), e.g. `PyThread_EnsureGlobalLock`. */
  api(call: AnyCall): Code<Result>;
}

type Op<T extends ExtCall["_tag"]> = (x: Ctx, c: Extract<ExtCall, { _tag: T }>) => Code<ExtResult>;

/** The extension operations a column implements (the rest — end, finalize, initialize — are the runtime's). */
export type ColumnOp = "import" | "unload" | "use" | "acquire" | "release" | "library";

/** One column of the matrix: a family's implementation plus the extension code written against it. */
export interface Client {
  readonly column: string;
  readonly family: FamilyName;
  readonly naive: boolean;
  /** The mistake the naive variant makes (empty for the proper column). */
  readonly mistake: string;
  /** Names of the extension's own static words (appended to the client words). */
  readonly statics?: readonly string[];
  /** Length of the interpreter's module state (the carry); default: one word per resource, then IMPORTED. */
  readonly carryLength?: number;
  /** Py_mod_multiple_interpreters not supported: imports in a subinterpreter are refused (and hold nothing). */
  readonly refusesSubinterpreters?: boolean;
  /** The contract's harness records which count words the client code touches (library.ts `keepsOwnCount`). */
  readonly observesAccesses?: boolean;
  /** Whether the column implements an operation (default: all). */
  provides?(op: ColumnOp): boolean;
  /** The family's implementation, possibly subclassed with the extension's callbacks. */
  makeImpl(config: ModelConfig, lib: Library, w: ClientWords): Runtime<AnyCall>;
  /** Whether the runtime itself runs the instance's m_free in Py_EndInterpreter / Py_FinalizeEx (lifecycle families). */
  readonly runtimeRunsUnload: boolean;
  readonly ops: {
    readonly import: Op<"import">;
    readonly unload: Op<"unload">;
    readonly use: Op<"use">;
    readonly acquire: Op<"acquire">;
    readonly release: Op<"release">;
    readonly library: Op<"library">;
  };
  /** Sharing disciplines the client code truly follows (the explorer checks them). */
  disciplines(w: ClientWords): ReadonlyMap<number, Discipline>;
}
