/**
 * The part of the WebAssembly JS API the C runtime uses. Node 20 has it as a global; this project's
 * `lib` (no DOM) and @types/node 20 do not declare it, so it is declared here.
 */
declare namespace WebAssembly {
  interface ModuleImportDescriptor {
    readonly module: string;
    readonly name: string;
    readonly kind: "function" | "table" | "memory" | "global";
  }
  interface ModuleExportDescriptor {
    readonly name: string;
    readonly kind: "function" | "table" | "memory" | "global";
  }
  class Module {
    constructor(bytes: Uint8Array);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): ModuleExportDescriptor[];
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: unknown;
  }
  class RuntimeError extends Error {}
  class CompileError extends Error {}
}
