/**
 * The state's identity for the visited set, and under symmetry its canonical representative: the
 * key is memory, one code per thread (node id and wait rank) and the judge's state, renamed to the
 * least of the renamings engine/symmetry.ts offers. It reads the machine's live state (the arrays
 * are the machine's own, never reallocated) and writes a scratch key.
 */
import type { JudgeLink } from "./judge.js";
import type { Perm, Symmetry } from "./symmetry.js";
import type { ThreadTable, TNode } from "./threads.js";

/** The parts of a machine's state a key is made of. */
export interface KeyedState {
  readonly mem: Int32Array;
  /** Per thread: its node id. */
  readonly node: Int32Array;
  /** Per thread: 0 when runnable, else its rank among the waiters on its word. */
  readonly rank: Int32Array;
  readonly interps: readonly number[];
  readonly threads: ThreadTable<unknown, unknown>;
  readonly judgeLink: JudgeLink<unknown, unknown>;
}

export class Canonical {
  /** Width of `key()` in int32s. */
  readonly keyWidth: number;
  /** Per thread: its position in the canonical state the last `key()` returned (identity without symmetry). */
  readonly canonicalThread: Int32Array;
  private readonly n: number;
  private readonly words: number;
  private readonly mem: Int32Array;
  private readonly node: Int32Array;
  private readonly rank: Int32Array;
  private readonly interps: readonly number[];
  private readonly threads: ThreadTable<unknown, unknown>;
  private readonly judgeLink: JudgeLink<unknown, unknown>;
  private readonly keyScratch: Int32Array;
  private readonly candidate: Int32Array;
  private readonly sigScratch: Int32Array;

  constructor(
    state: KeyedState,
    private readonly symmetry: Symmetry | null,
    /** The classes of interchangeable threads (singletons without symmetry), and each thread's. */
    private readonly classMembers: readonly (readonly number[])[],
    private readonly classOf: Int32Array,
  ) {
    this.mem = state.mem;
    this.node = state.node;
    this.rank = state.rank;
    this.interps = state.interps;
    this.threads = state.threads;
    this.judgeLink = state.judgeLink;
    this.n = state.node.length;
    this.words = state.mem.length;
    this.keyWidth = this.words + this.n + 1;
    this.keyScratch = new Int32Array(this.keyWidth);
    this.candidate = new Int32Array(this.keyWidth);
    this.sigScratch = new Int32Array(this.n);
    this.canonicalThread = Int32Array.from({ length: this.n }, (_, t) => t);
  }

  private at(t: number): TNode {
    return this.threads.node(this.node[t] as number);
  }

  /**
   * The state's identity for a visited set: memory words, one code per thread (node id and wait
   * rank), the judge's state. Under symmetry, the canonical representative of the state's orbit
   * (engine/symmetry.ts). Returns a scratch array overwritten by the next call.
   */
  key(): Int32Array {
    const k = this.keyScratch;
    const w = this.words;
    const sym = this.symmetry;
    if (sym === null || sym.sorted) {
      for (let i = 0; i < w; i++) k[i] = this.mem[i] as number;
      for (let t = 0; t < this.n; t++) k[w + t] = (this.code(t) << 5) | (this.rank[t] as number);
      if (sym !== null) this.sortClasses(k);
      k[w + this.n] = this.judgeLink.state;
      return k;
    }
    // Enumerated: the key is laid out as [declared words, thread codes, judge, undeclared words]; the
    // undeclared words are the same under every renaming, so the least key is decided by the prefix.
    const candidates = sym.perms.length <= SMALL_GROUP ? sym.everyIndex : sym.candidates(this.signatures(sym));
    let best = candidates[0] as number;
    const prefix = this.renamedPrefix(best, k);
    for (let c = 1; c < candidates.length; c++) {
      const pi = candidates[c] as number;
      this.renamedPrefix(pi, this.candidate);
      if (lessThan(this.candidate, k, prefix)) {
        k.set(this.candidate.subarray(0, prefix));
        best = pi;
      }
    }
    const declared = sym.declaredWords;
    let at = prefix;
    for (let a = 0, j = 0; a < w; a++) {
      if (j < declared.length && declared[j] === a) j++;
      else k[at++] = this.mem[a] as number;
    }
    this.canonicalThread.set((sym.perms[best] as Perm).thread);
    return k;
  }

  /** Per thread, what renaming carries along with it: position (call, pending access, rank) and its column of the declared words. */
  private signatures(sym: Symmetry): Int32Array {
    const sig = this.sigScratch;
    for (let t = 0; t < this.n; t++) {
      const nd = this.at(t);
      let h = Math.imul(nd.callIndex + 1, 0x85ebca6b) ^ Math.imul(nd.op + 2, 0xc2b2ae35) ^ Math.imul(nd.addr + 1, 0x27d4eb2f) ^ (this.rank[t] as number);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ sym.column(this.mem, this.interps[t] as number);
      sig[t] = h;
    }
    return sig;
  }

  /** Thread t's node id, or under sorted symmetry the node it maps to in its class's first thread. */
  private code(t: number): number {
    const sym = this.symmetry;
    const id = this.node[t] as number;
    if (sym === null) return id;
    const pi = sym.toFirst[t] as number;
    return pi === 0 ? id : sym.image(this.threads, this.threads.node(id), pi, this.interps);
  }

  /** Sorts each class's thread codes (key positions are thread indices; a class's are rewritten in order). */
  private sortClasses(k: Int32Array): void {
    const w = this.words;
    for (const members of this.classMembers) {
      if (members.length < 2) continue;
      const order = [...members].sort((a, b) => (k[w + a] as number) - (k[w + b] as number) || a - b);
      const codes = order.map((t) => k[w + t] as number);
      order.forEach((t, i) => {
        const slot = members[i] as number;
        this.canonicalThread[t] = slot;
        k[w + slot] = codes[i] as number;
      });
    }
  }

  /** The permutation-dependent prefix of the key of the state renamed by pi (declared words, codes, judge), written into out; returns its length. */
  private renamedPrefix(pi: number, out: Int32Array): number {
    const sym = this.symmetry as Symmetry;
    const p = sym.perms[pi] as Perm;
    const d = sym.declaredWords.length;
    sym.renameDeclared(this.mem, p, out);
    for (let t = 0; t < this.n; t++) {
      const nd = this.at(t);
      const known = nd.images === null ? -1 : (nd.images[pi] as number);
      const image = pi === 0 ? nd.id : known >= 0 ? known : sym.image(this.threads, nd, pi, this.interps);
      out[d + (p.thread[t] as number)] = (image << 5) | (this.rank[t] as number);
    }
    out[d + this.n] = this.judgeLink.rename(this.judgeLink.state, pi, sym.perms.length, p.interp);
    return d + this.n + 1;
  }

  /** How symmetry canonicalises states, for the coverage sentence (null: no symmetry). */
  symmetryMethod(): string | null {
    const sym = this.symmetry;
    if (sym === null) return null;
    if (sym.sorted) return "threads sorted by position; verified interchangeable on every transition taken";
    return `the least of ${sym.perms.length} renamings of interpreter ids in threads, the Subject's declared id and mask words and the online judge's state; verified on every transition taken`;
  }

  /** Under sorted symmetry: whether an earlier thread of t's class is in the very same position (same successor up to symmetry). */
  shadowed(t: number): boolean {
    if (this.symmetry === null || !this.symmetry.sorted) return false;
    const c = this.classOf[t];
    for (let u = 0; u < t; u++) {
      if (this.classOf[u] === c && this.rank[u] === this.rank[t] && this.code(u) === this.code(t)) return true;
    }
    return false;
  }
}

/** Groups this small (two interchangeable interpreters) are enumerated whole: cheaper than computing signatures. */
const SMALL_GROUP = 2;

/** Lexicographic a < b over the first `length` int32s. */
function lessThan(a: Int32Array, b: Int32Array, length: number): boolean {
  for (let i = 0; i < length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return false;
}

