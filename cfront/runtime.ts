/**
 * The C runtime: one WebAssembly instance of a compiled C file, on which any number of C "threads"
 * run as coroutines — each a generator in the memory protocol of impl/memory.ts, so the explorer
 * drives C exactly as it drives TypeScript implementation code.
 *
 * Shared memory is the C file's globals (its data and bss, from the first writable global to
 * `__data_end`): word w of the explorer's memory is the int32 at `sharedStart + 4w`. The C code
 * never reads or writes those bytes itself: every access to them is an `__il_*` import call
 * (instrument.ts) that suspends the thread (asyncify unwinds its stack into a buffer), is yielded
 * to the explorer as an `Access`, and resumes with the explorer's result (asyncify rewinds). An
 * access to anything else — a local array on the C stack, a string constant — is performed on the
 * spot without a scheduling point.
 *
 * Thread-private state is the C stack (from the stack pointer up to the top), the asyncify buffer
 * and the stack pointer. There is one instance for a whole search, so a suspended thread's private
 * state is copied out when another thread needs the instance and copied back when it resumes. The
 * explorer re-creates a thread by re-feeding the values it observed (impl/README.md rule 1), which
 * works here because C code is deterministic given those values.
 */
import { AccessOp, type Access, type Code } from "../impl/memory.js";
import { STACK_BYTES, type CompiledC } from "./compile.js";
import { hostCalls, rmwOps, type Site } from "./instrument.js";

/** An access of C code, with the C line that made it (reports show `site`). */
export interface CAccess extends Access {
  readonly site: string;
  /** The same line as data (reports/schema.ts ReportStep.source). */
  readonly source: Site;
}

/** How a C call ended: its return value, or a trap (a crash of the C code) with where it happened. */
export type CReturn = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly trap: string };

/**
 * The functions interlock provides to C (include/interlock.h's library: `hostCalls` order), as
 * implementation code: `op` indexes `hostCalls`, `arg` is the C argument (0 if none).
 */
export type HostCalls = (op: number, arg: number) => Code<number>;

/**
 * The family's C API as an extension calls it (include/interlock.h `il_api`): tag, def, name,
 * index (or key), value, flags — numbered as a family entry's arguments (cfront/family.ts) —
 * returning a value >= 0 or IL_ERR(code).
 */
export interface ApiCalls {
  call(args: readonly number[]): Code<number>;
  /** The call's name for reports, from its tag. */
  name(tag: number): string;
}

/** A C call's private state while it is suspended at a shared access. */
interface ThreadState {
  sp: number;
  stack: Uint8Array | null;
  data: Uint8Array | null;
  dataEnd: number;
}

interface Exports {
  readonly [name: string]: unknown;
  asyncify_start_unwind(addr: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(addr: number): void;
  asyncify_stop_rewind(): void;
  asyncify_get_state(): number;
  __il_get_sp(): number;
  __il_set_sp(sp: number): void;
  __il_symbols(): number;
}

const unknownSite: Site = { file: "?", line: 0, fn: "?" };
const UNWINDING = 1;
const REWINDING = 2;
const rmwAccess = [AccessOp.exchange, AccessOp.add, AccessOp.sub, AccessOp.or, AccessOp.and];
const rmwNames = Object.keys(rmwOps);

/** A trap raised by the runtime itself (an access interlock cannot model), with its C line. */
class CFault extends Error {}

export class CInstance {
  readonly compiled: CompiledC;
  /** Byte address of shared word 0, and one past the last shared byte. */
  readonly sharedStart: number;
  readonly sharedEnd: number;
  /** Size of shared memory in int32 words. */
  readonly words: number;
  /** A name per shared word: the C global it belongs to (`count`, `epoch[1]`, `runtime_lock`). */
  readonly wordNames: readonly string[];
  private readonly exports: Exports;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly stackTop: number;
  private readonly buffer: number;
  private readonly bufferBytes = STACK_BYTES;
  /** The shared region's initial contents (C initialisers). */
  private readonly initial: Int32Array;
  /** The thread whose private state is in the instance now. */
  private resident: ThreadState | null = null;
  /** The access a suspending import asked for, and the value to hand back on resumption. */
  private pending: CAccess | null = null;
  /** A call of a function interlock provides (the wrapped library), asked for by a suspending import. */
  private pendingHost: { readonly op: number; readonly arg: number; readonly site: string; readonly source: Site } | null = null;
  /** A call of the family's API (il_api), asked for by a suspending import. */
  private pendingApi: { readonly args: readonly number[]; readonly site: string; readonly source: Site } | null = null;
  private resumeValue = 0;
  /** Whether the resident thread is being rewound / unwound (asyncify's state, kept on the JS side). */
  private rewinding = false;
  private unwinding = false;
  /** Direct mode (initialisation): accesses go straight to this memory, nothing suspends. */
  private direct: Int32Array | null = null;
  private lastSite = "";

  constructor(compiled: CompiledC) {
    this.compiled = compiled;
    const module = new WebAssembly.Module(compiled.wasm);
    const need = WebAssembly.Module.imports(module).find((i) => i.kind === "memory");
    if (need === undefined) throw new Error(`${compiled.file}: the compiled module imports no memory`);
    const memory = new WebAssembly.Memory({ initial: 4 });
    // each site's text, made once: accesses carry it to reports
    const sites = compiled.sites.map((x: Site) => `${x.file}:${x.line} (${x.fn})`);
    const site = (s: number): string => sites[s] ?? "?";
    const env = {
      memory,
      __il_host: (op: number, a: number, s: number) => {
        if (this.rewinding) return this.resumed();
        this.lastSite = site(s);
        if (this.direct !== null) throw new CFault(`${hostCalls[op] ?? "a host call"} during initialisation at ${site(s)}`);
        this.pendingHost = { op, arg: a, site: site(s), source: this.sourceAt(s) };
        return this.suspend(null);
      },
      __il_api: (tag: number, def: number, name: number, index: number, value: number, flags: number, s: number) => {
        if (this.rewinding) return this.resumed();
        this.lastSite = site(s);
        if (this.direct !== null) throw new CFault(`a call of the family's API during initialisation at ${site(s)}`);
        this.pendingApi = { args: [tag, def, name, index, value, flags], site: site(s), source: this.sourceAt(s) };
        return this.suspend(null);
      },
      __il_load: (p: number, s: number) => this.access(p, s, site, AccessOp.load, 0, 0),
      __il_store: (p: number, v: number, s: number) => {
        this.access(p, s, site, AccessOp.store, v, 0);
      },
      __il_rmw: (op: number, p: number, v: number, s: number) => {
        const kind = rmwAccess[op];
        if (kind === undefined) throw new CFault(`atomic ${rmwNames[op] ?? op} at ${site(s)}`);
        // an atomic AND takes its mask as is (memory.ts's clearBits passes ~mask)
        return this.access(p, s, site, kind, v, 0);
      },
      __il_cas: (p: number, e: number, d: number, s: number) => this.access(p, s, site, AccessOp.cas, e, d),
      __il_wait: (p: number, v: number, s: number) => {
        this.access(p, s, site, AccessOp.wait, v, 0);
      },
      __il_wake: (p: number, n: number, s: number) => this.access(p, s, site, AccessOp.notify, n, 0),
      __il_loop_enter: (p: number, s: number) => {
        this.access(p, s, site, AccessOp.checkpoint, 0, 1);
      },
      __il_loop_head: (p: number, v: number, s: number) => {
        this.access(p, s, site, AccessOp.checkpoint, v, 0);
      },
      __il_narrow: (p: number, n: number, s: number) => {
        if (p + n > this.sharedStart && p < this.sharedEnd) {
          throw new CFault(`a ${n}-byte access to shared memory at ${site(s)}: interlock models shared memory as int32 words (use int)`);
        }
      },
    };
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.kind === "function" && !(imp.name in env)) {
        throw new Error(`${compiled.file}: calls ${imp.name}, which is neither defined in the file nor provided by interlock.h (there is no C library)`);
      }
    }
    // Size memory from the module's own layout: stack, data, then the asyncify buffer.
    const probe = new WebAssembly.Instance(module, { env });
    const heapBase = (probe.exports["__heap_base"] as WebAssembly.Global).value as number;
    const pages = Math.ceil((heapBase + 16 + this.bufferBytes + 8) / 65536) + 1;
    if (pages > 4) memory.grow(pages - 4);
    const instance = new WebAssembly.Instance(module, { env });
    this.exports = instance.exports as unknown as Exports;
    this.view = new DataView(memory.buffer);
    this.bytes = new Uint8Array(memory.buffer);
    this.stackTop = this.exports.__il_get_sp();
    this.buffer = (heapBase + 15) & ~15;

    // The shared region: the writable globals, named by the symbol table instrument.ts added.
    const dataEnd = (this.exports["__data_end"] as unknown as WebAssembly.Global).value as number;
    const table = this.exports.__il_symbols();
    const vars = compiled.globals
      .map((g, i) => ({ ...g, addr: this.view.getUint32(table + 4 * i, true) }))
      .filter((g) => !g.constant)
      .sort((a, b) => a.addr - b.addr);
    this.sharedStart = vars.length === 0 ? dataEnd : vars[0]!.addr & ~3;
    this.sharedEnd = Math.max(dataEnd, this.sharedStart + 4);
    this.words = (this.sharedEnd - this.sharedStart + 3) >> 2;
    const names: string[] = [];
    for (let i = 0; i < vars.length; i++) {
      const v = vars[i]!;
      const end = i + 1 < vars.length ? vars[i + 1]!.addr : this.sharedEnd;
      const first = (v.addr - this.sharedStart) >> 2;
      const count = Math.max(1, (end - v.addr) >> 2);
      for (let w = 0; w < count; w++) names[first + w] = count === 1 ? v.name : `${v.name}[${w}]`;
    }
    this.wordNames = Array.from({ length: this.words }, (_, i) => names[i] ?? `word ${i}`);
    this.initial = new Int32Array(this.words);
    for (let w = 0; w < this.words; w++) this.initial[w] = this.view.getInt32(this.sharedStart + 4 * w, true);
  }

  /** The shared memory's initial contents: zero, except where C initialises a global. */
  initialMemory(): Int32Array {
    return this.initial.slice();
  }

  /** The NUL-terminated string at byte address p (a string constant the C code passed), at most 64 bytes. */
  cString(p: number): string {
    let out = "";
    for (let i = p; i >= 0 && i < this.bytes.length && i < p + 64; i++) {
      const b = this.bytes[i] as number;
      if (b === 0) return out;
      out += String.fromCharCode(b);
    }
    return out;
  }

  /** The int32 at byte address p as the module was loaded (a pointer in a constant or a global's initialiser). */
  wordAt(p: number): number {
    return p >= 0 && p + 4 <= this.bytes.length ? this.view.getInt32(p, true) : 0;
  }

  /** Whether the C file exports `name`. */
  has(name: string): boolean {
    return typeof this.exports[name] === "function";
  }

  /** The C line of site s. */
  private sourceAt(s: number): Site {
    return this.compiled.sites[s] ?? unknownSite;
  }

  /** The word of a shared byte address, or -1. */
  private wordOf(p: number): number {
    return p >= this.sharedStart && p < this.sharedEnd ? (p - this.sharedStart) >> 2 : -1;
  }

  /** One `__il_*` import: performs a private access on the spot, suspends at a shared one. */
  private access(p: number, s: number, site: (s: number) => string, op: AccessOp, a: number, b: number): number {
    if (this.rewinding) return this.resumed();
    const here = site(s);
    this.lastSite = here;
    const w = this.wordOf(p);
    const source = this.sourceAt(s);
    if (op === AccessOp.checkpoint) {
      if (this.direct !== null) return 0;
      return this.suspend({ op, addr: w >= 0 ? w : p, a, b, site: here, source });
    }
    if (w < 0) return this.private(p, op, a, b, here);
    if ((p & 3) !== 0) throw new CFault(`a misaligned access to shared memory at ${here}`);
    if (this.direct !== null) return this.performDirect(this.direct, { op, addr: w, a, b, site: here, source });
    return this.suspend({ op, addr: w, a, b, site: here, source });
  }

  /**
   * The suspending import, called again as the thread's stack is rewound: the access is over, hand
   * the C code its result. (The JS-side flags mirror asyncify's state, saving two calls into wasm
   * per access.)
   */
  private resumed(): number {
    this.rewinding = false;
    this.exports.asyncify_stop_rewind();
    return this.resumeValue;
  }

  private suspend(access: CAccess | null): number {
    this.unwinding = true;
    this.pending = access;
    this.view.setInt32(this.buffer, this.buffer + 8, true);
    this.view.setInt32(this.buffer + 4, this.buffer + 8 + this.bufferBytes, true);
    this.exports.asyncify_start_unwind(this.buffer);
    return 0;
  }

  /** An access to thread-private memory (the C stack, constants): no scheduling point. */
  private private(p: number, op: AccessOp, a: number, b: number, here: string): number {
    if (p < 0 || p + 4 > this.bytes.length) throw new CFault(`an access out of bounds (address ${p}) at ${here}`);
    if (op === AccessOp.wait || op === AccessOp.notify) throw new CFault(`a futex call on a non-shared address at ${here}`);
    const old = this.view.getInt32(p, true);
    const next = nextValue(op, old, a, b);
    if (next !== undefined) this.view.setInt32(p, next, true);
    return op === AccessOp.store ? a : old;
  }

  private performDirect(mem: Int32Array, access: CAccess): number {
    const { op, addr, a, b } = access;
    const old = mem[addr] as number;
    if (op === AccessOp.wait) {
      if (old === a) throw new CFault(`il_init blocks in il_futex_wait at ${access.site}`);
      return 1;
    }
    if (op === AccessOp.notify) return 0;
    const next = nextValue(op, old, a, b);
    if (next !== undefined) mem[addr] = next;
    return op === AccessOp.store ? a : old;
  }

  /** Copies the resident thread's private state out of the instance, so another can use it. */
  private evict(): void {
    const r = this.resident;
    if (r === null) return;
    r.sp = this.exports.__il_get_sp();
    r.stack = this.bytes.slice(r.sp, this.stackTop);
    r.dataEnd = this.view.getInt32(this.buffer, true);
    r.data = this.bytes.slice(this.buffer + 8, r.dataEnd);
    this.resident = null;
  }

  /** Saves the resident thread's private state and installs `th`'s. */
  private activate(th: ThreadState): void {
    if (this.resident === th) return;
    this.evict();
    this.exports.__il_set_sp(th.sp);
    if (th.stack !== null) this.bytes.set(th.stack, th.sp);
    if (th.data !== null) {
      this.bytes.set(th.data, this.buffer + 8);
      this.view.setInt32(this.buffer, th.dataEnd, true);
      this.view.setInt32(this.buffer + 4, this.buffer + 8 + this.bufferBytes, true);
    }
    this.resident = th;
  }

  /** After a trap the instance's asyncify state may be half-way: put it back to normal. */
  private recover(): void {
    const e = this.exports;
    const state = e.asyncify_get_state();
    if (state === UNWINDING) e.asyncify_stop_unwind();
    else if (state === REWINDING) e.asyncify_stop_rewind();
    this.resident = null;
    this.pending = null;
    this.pendingHost = null;
    this.pendingApi = null;
    this.rewinding = false;
    this.unwinding = false;
  }

  private describeTrap(x: unknown): string {
    if (x instanceof CFault) return x.message;
    const what = x instanceof WebAssembly.RuntimeError ? x.message : x instanceof RangeError ? `stack exhausted (${x.message})` : String(x);
    return `the C code trapped (${what})${this.lastSite ? ` after ${this.lastSite}` : ""}`;
  }

  /**
   * One C call as implementation code: each shared access is yielded to whoever drives the
   * generator (the explorer), and the value it sends back is what the access returns in C.
   */
  *run(entry: string, args: readonly number[], host?: HostCalls, api?: ApiCalls): Code<CReturn> {
    const fn = this.exports[entry] as ((...a: number[]) => number) | undefined;
    if (typeof fn !== "function") throw new Error(`${this.compiled.file} exports no function ${entry}`);
    const th: ThreadState = { sp: this.stackTop, stack: null, data: null, dataEnd: 0 };
    const e = this.exports;
    let rewind = false;
    for (;;) {
      let value: number;
      try {
        this.activate(th);
        if (rewind) {
          this.rewinding = true;
          e.asyncify_start_rewind(this.buffer);
        }
        value = fn(...args);
      } catch (x) {
        const trap = this.describeTrap(x);
        this.recover();
        return { ok: false, trap };
      }
      if (!this.unwinding) {
        // the call returned: its stack is empty again, nothing to keep
        this.resident = null;
        return { ok: true, value };
      }
      this.unwinding = false;
      e.asyncify_stop_unwind();
      const apiCall = this.pendingApi;
      const call = this.pendingHost;
      if (apiCall !== null) {
        // the C code called the family's API: the harness runs the call, then C resumes with its result
        this.pendingApi = null;
        if (api === undefined) {
          this.resident = null;
          return { ok: false, trap: `a call of the family's API at ${apiCall.site}: this check provides no family API` };
        }
        this.resumeValue = yield* fromHost(api.call(apiCall.args), `${api.name(apiCall.args[0] ?? -1)} called at ${apiCall.site}`, apiCall.source);
        this.lastSite = apiCall.site;
      } else if (call !== null) {
        // the C code called the library: run interlock's TypeScript for it, then resume C
        this.pendingHost = null;
        const name = hostCalls[call.op] ?? `host call ${call.op}`;
        if (host === undefined) {
          this.resident = null;
          return { ok: false, trap: `${name} at ${call.site}: no library is provided to this check` };
        }
        const got: number = yield* fromHost(host(call.op, call.arg), `${name} called at ${call.site}`, call.source);
        this.resumeValue = got;
        this.lastSite = call.site;
      } else {
        const access = this.pending as CAccess;
        this.pending = null;
        const got: number = yield access;
        this.resumeValue = got;
        // a trap from here on happened after this thread's own last access
        this.lastSite = access.site;
      }
      rewind = true;
    }
  }

  /** Runs a C call to completion on `mem` directly (initialisation: nothing else runs yet). */
  runDirect(entry: string, args: readonly number[], mem: Int32Array): CReturn {
    const fn = this.exports[entry] as ((...a: number[]) => number) | undefined;
    if (typeof fn !== "function") throw new Error(`${this.compiled.file} exports no function ${entry}`);
    // a suspended thread may be resident: keep its state, it may still be resumed
    this.evict();
    this.exports.__il_set_sp(this.stackTop);
    this.direct = mem;
    try {
      return { ok: true, value: fn(...args) };
    } catch (x) {
      const trap = this.describeTrap(x);
      this.recover();
      return { ok: false, trap };
    } finally {
      this.direct = null;
    }
  }
}

/** An access interlock's own code makes for a C call (the library): absolute, and labelled with the C call. */
export interface HostAccess extends Access {
  readonly site: string;
  /** The C line of the call that asked for the access. */
  readonly source: Site;
  readonly host: true;
}

/** Runs a host call, labelling its accesses with the C call that asked for it. */
function* fromHost(code: Code<number>, site: string, source: Site): Code<number> {
  let step = code.next();
  while (!step.done) step = code.next(yield { ...step.value, site, source, host: true } as HostAccess);
  return step.value;
}

/** The word after an access (undefined: unchanged), as impl/memory.ts's performPlain computes it. */
function nextValue(op: AccessOp, old: number, a: number, b: number): number | undefined {
  switch (op) {
    case AccessOp.store:
      return a;
    case AccessOp.cas:
      return old === a ? b : undefined;
    case AccessOp.add:
      return (old + a) | 0;
    case AccessOp.sub:
      return (old - a) | 0;
    case AccessOp.or:
      return old | a;
    case AccessOp.and:
      return old & a;
    case AccessOp.exchange:
      return a;
    default:
      return undefined;
  }
}
