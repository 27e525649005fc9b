import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { SchemaAST } from "effect";
import { ErrorCode, familyNames, models, names } from "../model/index.js";
import { callFlags, callTags, encodeCall, moduleSlotsFlags, moduleSlotsTags } from "./family.js";
import { instrument, splitTop } from "./instrument.js";

// A fragment of clang's -O0 IR, as it looks for a C file with a global counter, a PyMutex-like
// struct and a local variable (debug metadata trimmed to what the instrumenter reads).
const ir = `
%struct.PyMutex = type { i32 }
@count = internal global i32 0, align 4, !dbg !0
@mu = internal global %struct.PyMutex zeroinitializer, align 4, !dbg !1
@flag = internal global i8 0, align 1
@.str = private unnamed_addr constant [3 x i8] c"hi\\00", align 1

define hidden i32 @exec(i32 noundef %interp) #0 !dbg !10 {
entry:
  %interp.addr = alloca i32, align 4
  %expected = alloca i32, align 4
  store i32 %interp, ptr %interp.addr, align 4
  %0 = load i32, ptr @count, align 4, !dbg !20
  %inc = add nsw i32 %0, 1, !dbg !20
  store i32 %inc, ptr @count, align 4, !dbg !21
  %1 = atomicrmw add ptr @count, i32 1 seq_cst, align 4, !dbg !21
  %2 = cmpxchg ptr getelementptr inbounds nuw (%struct.PyMutex, ptr @mu, i32 0, i32 0), i32 0, i32 1 seq_cst seq_cst, align 4, !dbg !22
  %3 = load i8, ptr @flag, align 1, !dbg !22
  call void @il_futex_wait(ptr noundef @mu, i32 noundef 2), !dbg !22
  %h = call i32 @il_library_init(), !dbg !21
  %4 = load i32, ptr %expected, align 4
  ret i32 %4
}
!3 = !DIFile(filename: "/src/ext.c", directory: "/")
!10 = distinct !DISubprogram(name: "exec", scope: !3, file: !3, line: 5)
!20 = !DILocation(line: 7, column: 3, scope: !10)
!21 = !DILocation(line: 8, column: 3, scope: !10)
!22 = !DILocation(line: 9, column: 3, scope: !10)
`;

describe("the instrumenter", () => {
  const out = instrument(ir);

  test("turns a plain load and store of a global into scheduled accesses carrying the C line", () => {
    expect(out.ir).toContain("%0 = call i32 @__il_load(ptr @count, i32 0), !dbg !20");
    expect(out.ir).toContain("call void @__il_store(ptr @count, i32 %inc, i32 1), !dbg !21");
    expect(out.sites[0]).toEqual({ file: "ext.c", line: 7, fn: "exec" });
    expect(out.sites[1]).toEqual({ file: "ext.c", line: 8, fn: "exec" });
  });

  test("turns atomics into read-modify-write and compare-exchange calls, keeping cmpxchg's result shape", () => {
    expect(out.ir).toContain("%1 = call i32 @__il_rmw(i32 1, ptr @count, i32 1, i32 1)");
    expect(out.ir).toContain("call i32 @__il_cas(ptr getelementptr inbounds nuw (%struct.PyMutex, ptr @mu, i32 0, i32 0), i32 0, i32 1, i32 2)");
    expect(out.ir).toMatch(/%2 = insertvalue \{ i32, i1 \} %__il\.\d+, i1 %__il\.\d+, 1/);
  });

  test("leaves accesses to local variables alone", () => {
    expect(out.ir).toContain("store i32 %interp, ptr %interp.addr, align 4");
    expect(out.ir).toContain("%4 = load i32, ptr %expected, align 4");
  });

  test("guards an access narrower than a word instead of letting it through unseen", () => {
    expect(out.ir).toContain("call void @__il_narrow(ptr @flag, i32 1, i32 2)");
    expect(out.ir).toContain("%3 = load i8, ptr @flag, align 1");
  });

  test("routes the header's futex and library functions to the runtime with their line", () => {
    expect(out.ir).toContain("call void @__il_wait(ptr noundef @mu, i32 noundef 2, i32 2)");
    expect(out.ir).toContain("%h = call i32 @__il_host(i32 0, i32 0, i32 1)");
  });

  test("lists the module's globals, constants marked, for the symbol table", () => {
    expect(out.globals).toEqual([
      { name: "count", constant: false },
      { name: "mu", constant: false },
      { name: "flag", constant: false },
      { name: ".str", constant: true },
    ]);
    expect(out.ir).toContain("@__il_symtab = private constant [4 x ptr] [ptr @count, ptr @mu, ptr @flag, ptr @.str]");
  });

  test("splits operands only at top-level commas", () => {
    expect(splitTop("ptr getelementptr (i8, ptr @s, i32 8), i32 0, i32 %x seq_cst")).toEqual(["ptr getelementptr (i8, ptr @s, i32 8)", "i32 0", "i32 %x seq_cst"]);
  });
});

describe("include/interlock.h", () => {
  const header = readFileSync(new URL("../include/interlock.h", import.meta.url), "utf8");
  const enumValue = (name: string): number | undefined => {
    const m = new RegExp(`\\bIL_${name} = (\\d+)`).exec(header);
    return m ? Number(m[1]) : undefined;
  };

  test("numbers module_slots' calls as cfront/family.ts encodes them", () => {
    moduleSlotsTags.forEach((tag, i) => expect(enumValue(tag), tag).toBe(i));
  });

  test("numbers module_slots' flag bits as cfront/family.ts encodes them", () => {
    for (const [flag, value] of Object.entries(moduleSlotsFlags)) expect(enumValue(flag), flag).toBe(value);
  });

  test("numbers every call of every family as cfront/family.ts encodes them, and the model has no call it leaves out", () => {
    callTags.forEach((tag, i) => expect(enumValue(tag), tag).toBe(i));
    const all = new Set(familyNames.flatMap((family) => tagsOf(models[family].Call.ast)));
    expect([...all].sort()).toEqual([...callTags].sort());
  });

  test("numbers the flag bits and the resource names as cfront/family.ts encodes them", () => {
    for (const [flag, value] of Object.entries(callFlags)) expect(enumValue(flag), flag).toBe(value);
    names.forEach((n, i) => expect(enumValue(n), n).toBe(i));
  });

  test("declares a C function for every proposed API the thread names", () => {
    const apis = [
      "PyThread_EnsureGlobalLock", "PyThread_GetGlobalLock", "PyThread_ReleaseGlobalLock", "PyThread_acquire_lock", "PyThread_release_lock",
      "PyRuntime_store_ensure", "PyRuntime_store_release", "PyRuntime_store_is_set", "PyRuntime_store_set", "PyRuntime_store_get", "PyRuntime_store_delete",
      "PyThread_mod_init_lock", "PyThread_mod_free_lock", "PyMutex_Lock", "PyMutex_Unlock",
    ];
    for (const api of apis) expect(header, api).toMatch(new RegExp(`\\b(int|void)\\s+${api}\\(`));
    expect(header).toMatch(/Py_mod_global_init_func/);
    expect(header).toMatch(/Py_mod_global_exit_func/);
    expect(header).toMatch(/struct PyModuleDef \{[^}]*\bm_free\b/);
  });

  test("encodes a call's def, name, index or key, value and flags as the header numbers them", () => {
    expect(encodeCall({ _tag: "PyThread_GetGlobalLock", def: "mylib", name: "ext1", index: 3, instance: 2 })).toEqual({ tag: 16, def: 1, flags: 8, name: 1, index: 3, value: 0 });
    expect(encodeCall({ _tag: "PyRuntime_store_set", key: 2, value: 7, owner: "interp" })).toEqual({ tag: 21, def: -1, flags: 16, name: -1, index: 2, value: 7 });
    expect(encodeCall({ _tag: "mod_init", def: "odbc", setupFails: true })).toEqual({ tag: 12, def: 0, flags: 1, name: -1, index: 0, value: 0 });
    expect(encodeCall({ _tag: "Py_FinalizeEx" })).toEqual({ tag: 5, def: -1, flags: 0, name: -1, index: 0, value: 0 });
  });

  test("lists the model's error codes in the model's order", () => {
    const block = /enum \{\s*(IL_CapacityExhausted[^}]*)\}/.exec(header)?.[1] ?? "";
    const names = block.split(",").map((s) => s.trim().replace(/^IL_/, "")).filter((s) => s !== "");
    expect(names).toEqual([...ErrorCode.literals]);
  });
});

/** The `_tag` literals of a Call schema (a union of tagged structs, unions nested). */
function tagsOf(ast: SchemaAST.AST): string[] {
  if (ast._tag === "Union") return ast.types.flatMap(tagsOf);
  if (ast._tag === "Transformation") return tagsOf(ast.to);
  if (ast._tag === "TypeLiteral") {
    const t = ast.propertySignatures.find((p) => p.name === "_tag")?.type;
    return t?._tag === "Literal" ? [String(t.literal)] : [];
  }
  return [];
}
