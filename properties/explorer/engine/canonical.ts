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
  keyWidth: number;
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
  /** The memory words the key holds, ascending: every word, less those assumed stable (`omitStable`). */
  private keyed: Int32Array;
  /** The keyed words that symmetry does not rename (all of `keyed` without symmetry or in sorted mode). */
  private undeclared: Int32Array;
  private readonly sigScratch: Int32Array;
  private readonly codeScratch: Int32Array;

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
    this.codeScratch = new Int32Array(this.n);
    this.canonicalThread = Int32Array.from({ length: this.n }, (_, t) => t);
    this.keyed = Int32Array.from({ length: this.words }, (_, a) => a);
    this.undeclared = this.keyed;
    this.omitStable(null);
  }

  /**
   * Leaves out of the key the words `stable` marks (non-zero): words no step writes, an assumption
   * the machine checks at every access (engine/quietWords.ts) — while it holds they are the same in
   * every state, so keying them only costs hashing. null: every word is keyed. Changes `keyWidth`:
   * call before a visited set is built.
   */
  omitStable(stable: Int8Array | null): void {
    const declared = new Set(this.symmetry === null || this.symmetry.sorted ? [] : this.symmetry.declaredWords);
    const keep = (a: number): boolean => stable === null || stable[a] === 0 || declared.has(a);
    this.keyed = Int32Array.from({ length: this.words }, (_, a) => a).filter(keep);
    this.undeclared = this.keyed.filter((a) => !declared.has(a));
    this.keyWidth = (declared.size === 0 ? this.keyed.length : declared.size + this.undeclared.length) + this.n + 1;
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
    const sym = this.symmetry;
    if (sym === null || sym.sorted) {
      const keyed = this.keyed;
      const w = keyed.length;
      for (let i = 0; i < w; i++) k[i] = this.mem[keyed[i] as number] as number;
      for (let t = 0; t < this.n; t++) k[w + t] = (this.code(t) << 5) | (this.rank[t] as number);
      if (sym !== null) this.sortClasses(k, w);
      k[w + this.n] = this.judgeLink.state;
      return k;
    }
    // Enumerated: the key is laid out as [declared words, thread codes, judge, undeclared words]; the
    // undeclared words are the same under every renaming, so the least key is decided by the prefix.
    const every = sym.perms.length <= SMALL_GROUP;
    const count = every ? sym.perms.length : sym.candidates(this.signatures(sym));
    let best = every ? 0 : sym.candidate(0);
    const prefix = this.renamedPrefix(best, k);
    // The judge's renamed state (the key's last prefix entry) is computed only for a renaming that
    // ties with the best so far on the rest: renaming the judge is the costly part.
    const judgeAt = prefix - 1;
    for (let c = 1; c < count; c++) {
      const pi = every ? c : sym.candidate(c);
      // Most renamings lose on the declared words already: those are compared before the rest is built.
      if (!this.declaredNotGreater(pi, k)) continue;
      this.renamedPrefix(pi, this.candidate, false);
      const order = compare(this.candidate, k, judgeAt);
      if (order > 0) continue;
      this.candidate[judgeAt] = this.renamedJudge(pi);
      if (order < 0 || (this.candidate[judgeAt] as number) < (k[judgeAt] as number)) {
        k.set(this.candidate.subarray(0, prefix));
        best = pi;
      }
    }
    const undeclared = this.undeclared;
    for (let j = 0; j < undeclared.length; j++) k[prefix + j] = this.mem[undeclared[j] as number] as number;
    this.canonicalThread.set((sym.perms[best] as Perm).thread);
    return k;
  }

  /** Whether the declared words renamed by pi are ≤ the first ones of `best` (lexicographically; equal counts as not greater). */
  private declaredNotGreater(pi: number, best: Int32Array): boolean {
    const sym = this.symmetry as Symmetry;
    const p = sym.perms[pi] as Perm;
    const declared = sym.declaredWords;
    for (let j = 0; j < declared.length; j++) {
      const a = declared[j] as number;
      const v = sym.renameValue(sym.kindOf(a), this.mem[a] as number, p);
      const b = best[j] as number;
      if (v !== b) return v < b;
    }
    return true;
  }

  /** Per thread, what renaming carries along with it: position (call, pending access, rank) and its column of the declared words. */
  private signatures(sym: Symmetry): Int32Array {
    const sig = this.sigScratch;
    const col = this.codeScratch;
    col.fill(0);
    sym.columns(this.mem, this.interps, col);
    for (let t = 0; t < this.n; t++) {
      const nd = this.at(t);
      let h = Math.imul(nd.callIndex + 1, 0x85ebca6b) ^ Math.imul(nd.op + 2, 0xc2b2ae35) ^ Math.imul(nd.addr + 1, 0x27d4eb2f) ^ (this.rank[t] as number);
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ (col[t] as number);
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

  /**
   * Sorts each class's thread codes in place (key positions w + thread index; a class's positions are
   * rewritten in order) and records where each thread went. Insertion sort over the class's slots:
   * classes are small, and nothing is allocated per key.
   */
  private sortClasses(k: Int32Array, w: number): void {
    const where = this.canonicalThread;
    for (const members of this.classMembers) {
      const size = members.length;
      if (size < 2) continue;
      // order[i]: the thread whose code is i-th smallest (ties by thread index: a stable sort).
      const order = this.sigScratch;
      for (let i = 0; i < size; i++) {
        const t = members[i] as number;
        const code = k[w + t] as number;
        let j = i;
        while (j > 0 && (k[w + (order[j - 1] as number)] as number) > code) {
          order[j] = order[j - 1] as number;
          j--;
        }
        order[j] = t;
      }
      for (let i = 0; i < size; i++) this.codeScratch[i] = k[w + (order[i] as number)] as number;
      for (let i = 0; i < size; i++) {
        const slot = members[i] as number;
        where[order[i] as number] = slot;
        k[w + slot] = this.codeScratch[i] as number;
      }
    }
  }

  /** The permutation-dependent prefix of the key of the state renamed by pi (declared words, codes, judge), written into out; returns its length. */
  private renamedPrefix(pi: number, out: Int32Array, withJudge = true): number {
    const sym = this.symmetry as Symmetry;
    const p = sym.perms[pi] as Perm;
    const declared = sym.declaredWords;
    const d = declared.length;
    if (pi === 0) {
      for (let j = 0; j < d; j++) out[j] = this.mem[declared[j] as number] as number;
      for (let t = 0; t < this.n; t++) out[d + t] = ((this.node[t] as number) << 5) | (this.rank[t] as number);
      out[d + this.n] = this.judgeLink.state;
      return d + this.n + 1;
    }
    sym.renameDeclared(this.mem, p, out);
    for (let t = 0; t < this.n; t++) {
      const nd = this.at(t);
      const known = nd.images === null ? -1 : (nd.images[pi] as number);
      const image = pi === 0 ? nd.id : known >= 0 ? known : sym.image(this.threads, nd, pi, this.interps);
      out[d + (p.thread[t] as number)] = (image << 5) | (this.rank[t] as number);
    }
    if (withJudge) out[d + this.n] = this.renamedJudge(pi);
    return d + this.n + 1;
  }

  /** The judge's state renamed by permutation pi. */
  private renamedJudge(pi: number): number {
    const sym = this.symmetry as Symmetry;
    return this.judgeLink.rename(this.judgeLink.state, pi, sym.perms.length, (sym.perms[pi] as Perm).interp);
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

/** Lexicographic comparison of a and b over the first `length` int32s: negative, 0 or positive. */
function compare(a: Int32Array, b: Int32Array, length: number): number {
  for (let i = 0; i < length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
