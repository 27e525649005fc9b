/**
 * Symmetry by renaming interpreters.
 *
 * Interpreters that run identical programs are interchangeable if their code treats its own id as
 * a name only. A permutation π of such interpreters then maps a global state to an equivalent one:
 * thread t's position moves to thread π(t), every word the Subject declares as holding an
 * interpreter id or a per-interpreter bit mask (`Subject.interpWords`) has its contents renamed,
 * and the online judge's state is renamed (engine/judge.ts). The visited set stores one canonical
 * representative per orbit, so identical programs make up to k! states one.
 *
 * Nothing of this is trusted. Thread t's node maps to the node thread π(t) reaches when fed the
 * renamed values (`ThreadTable.walk`), and the engine requires, on every edge the search takes and
 * for every permutation, that the renamed thread makes the renamed access, completes the same
 * calls with the same results and carry, and lands on the renamed successor; atomic adds on
 * declared masks must set a clear bit (or clear a set one), so that they commute with renaming.
 * The first failure throws `SymmetryBroken` and the search is redone without symmetry.
 *
 * Two ways to pick the representative:
 *   - *sorted* (no declared words, no judge): memory is invariant, so the representative sorts each
 *     class's threads by the position they map to in the class's first thread; exact and cheap;
 *   - *enumerated* (otherwise): the least key over the permutations that sort each class's threads
 *     by a *signature* — what renaming carries along with a thread: its position (call, pending
 *     access, wait rank) and its column of the declared words (is the id word me, my mask bits) —
 *     every order of threads with equal signatures tried. A signature is equivariant (thread t's in
 *     state s is thread π(t)'s in π(s)), so the candidates of every state of an orbit are the same
 *     renamed states and the least of them is the orbit's one representative: the same key as the
 *     least over the whole group (at most `MAX_GROUP` permutations), at the cost of the ties only.
 */
import { AccessOp, LoadMode, type Access } from "../../../impl/memory.js";
import { threadOf, type InterpWords, type Program, type Subject } from "../../../impl/subject.js";
import type { Observer } from "../types.js";
import { FINISHED, SymmetryBroken, sameAccess, type Edge, type ThreadTable, type TNode } from "./threads.js";
import { describeAccess } from "./trace.js";

/** What interpreter identity a word (or an observed value) holds. */
export const IdKind = { none: 0, id: 1, mask: 2, wideMask: 3 } as const;

/** The largest group enumerated per state (5 interchangeable interpreters: 120). */
export const MAX_GROUP = 120;

/** One permutation of interchangeable threads, with the renaming of interpreter ids it implies. */
export interface Perm {
  /** Thread t ↦ π(t). */
  readonly thread: Int32Array;
  /** Interp id ↦ its new id (identity outside the moved ones); index 0…32. */
  readonly interp: Int32Array;
  /** The moved interp ids. */
  readonly moved: readonly number[];
  /** Their bits (bit i−1 for interp i). */
  readonly movedBits: number;
}

const bit = (interp: number): number => 1 << (interp - 1);

/** A thread mapping as one number: thread[t] as the base-n digit t. */
function encode(thread: Int32Array): number {
  let code = 0;
  for (let t = thread.length - 1; t >= 0; t--) code = code * thread.length + (thread[t] as number);
  return code;
}

function permOf(n: number, interps: readonly number[], mapping: ReadonlyMap<number, number>): Perm {
  const thread = Int32Array.from({ length: n }, (_, t) => mapping.get(t) ?? t);
  const interp = Int32Array.from({ length: 33 }, (_, i) => i);
  const moved: number[] = [];
  let movedBits = 0;
  for (const [from, to] of mapping) {
    if (from === to) continue;
    const a = interps[from] as number;
    interp[a] = interps[to] as number;
    moved.push(a);
    movedBits |= bit(a);
  }
  return { thread, interp, moved, movedBits };
}

/** Every permutation of `items`. */
function permutations(items: readonly number[]): number[][] {
  if (items.length <= 1) return [[...items]];
  const out: number[][] = [];
  items.forEach((x, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** Every permutation of 0 … k − 1, for k up to the largest class `MAX_GROUP` allows. */
const PERMUTATIONS: readonly (readonly number[][])[] = Array.from({ length: 6 }, (_, k) => permutations(Array.from({ length: k }, (_, i) => i)));

/** The classes of interchangeable threads: identical programs; interp 1 apart when `fixMain`. */
export function symmetryClasses<Call>(programs: readonly Program<Call>[], fixMain: boolean): number[][] {
  const byProgram = new Map<string, number[]>();
  programs.forEach((p, t) => {
    const key = fixMain && p.interp === 1 ? `#main` : JSON.stringify(p.calls);
    byProgram.set(key, [...(byProgram.get(key) ?? []), t]);
  });
  return [...byProgram.values()];
}

export class Symmetry {
  /** perms[0] is the identity. */
  readonly perms: Perm[];
  /** Sorted mode: per class, the transposition index taking member t to the class's first (or 0). */
  readonly toFirst: Int32Array;
  /** Per thread: its class among `classes`. */
  readonly classOf: Int32Array;
  private readonly wordKind: Int8Array;
  private readonly declared: Int32Array;
  /** Bits per interpreter in the wide masks. */
  private readonly stride: number;
  /** A thread mapping (base-n digits of `thread`) ↦ its index in `perms`. */
  private readonly indexOf = new Map<number, number>();
  /** The classes with more than one member (singletons never move). */
  private readonly movable: readonly (readonly number[])[];
  /** Scratch for `candidates`: the thread mapping being built, a class's order by signature. */
  private readonly target: Int32Array;
  /** Per movable class, its threads in signature order; tie groups as (class, from, to) triples. */
  private readonly orders: Int32Array[];
  private readonly ties: number[] = [];
  private tieCount = 0;
  private readonly found: number[] = [];
  private foundCount = 0;

  constructor(
    readonly classes: readonly (readonly number[])[],
    interps: readonly number[],
    words: number,
    declared: InterpWords | undefined,
    /** Whether states are canonicalised by sorting (no declared words, no judge) or by enumeration. */
    readonly sorted: boolean,
  ) {
    const n = interps.length;
    this.classOf = new Int32Array(n);
    classes.forEach((c, i) => c.forEach((t) => (this.classOf[t] = i)));
    this.wordKind = new Int8Array(words);
    for (const a of declared?.ids ?? []) this.wordKind[a] = IdKind.id;
    for (const a of declared?.masks ?? []) this.wordKind[a] = IdKind.mask;
    for (const a of declared?.wideMasks?.words ?? []) this.wordKind[a] = IdKind.wideMask;
    this.stride = declared?.wideMasks?.bitsPerInterp ?? 1;
    this.declared = Int32Array.from([...this.wordKind.keys()].filter((a) => this.wordKind[a] !== 0));
    this.toFirst = new Int32Array(n);
    this.perms = sorted ? this.transpositions(n, interps) : this.group(n, interps);
    this.perms.forEach((p, i) => this.indexOf.set(encode(p.thread), i));
    this.movable = classes.filter((c) => c.length > 1);
    this.target = new Int32Array(n);
    this.orders = this.movable.map((c) => new Int32Array(c.length));
  }

  /**
   * Each thread's column of the declared words, hashed into `out[t]`: per word, whether an id word
   * holds the thread's interpreter, or that interpreter's bits of a mask. Renaming moves a column
   * with its interpreter. One pass over the declared words for all threads (it runs for every key).
   */
  columns(mem: Int32Array, interps: readonly number[], out: Int32Array): void {
    const n = out.length;
    for (let j = 0; j < this.declared.length; j++) {
      const a = this.declared[j] as number;
      const kind = this.wordKind[a] as number;
      const v = mem[a] as number;
      for (let t = 0; t < n; t++) {
        const interp = interps[t] as number;
        const c = kind === IdKind.id ? (v === interp ? 1 : 0) : kind === IdKind.mask ? (v >>> (interp - 1)) & 1 : (v >>> ((interp - 1) * this.stride)) & ((1 << this.stride) - 1);
        out[t] = (Math.imul(out[t] as number, 0x9e3779b1) + c + 1) | 0;
      }
    }
  }

  /**
   * Enumerated mode: the indices (in `perms`) of the permutations that sort each class's threads by
   * `sig` (per thread, an equivariant signature), every order of equal signatures included: returns
   * how many, read with `candidate(i)` (scratch, overwritten by the next call; counters, not array
   * lengths, since resetting an array's length per key was measurable).
   */
  candidates(sig: Int32Array): number {
    const target = this.target;
    for (let t = 0; t < target.length; t++) target[t] = t;
    const ties = this.ties;
    this.tieCount = 0;
    for (let c = 0; c < this.movable.length; c++) {
      const members = this.movable[c] as readonly number[];
      const order = this.orders[c] as Int32Array;
      for (let i = 0; i < members.length; i++) {
        const t = members[i] as number;
        let j = i;
        while (j > 0 && (sig[order[j - 1] as number] as number) > (sig[t] as number)) {
          order[j] = order[j - 1] as number;
          j--;
        }
        order[j] = t;
      }
      for (let k = 0; k < members.length; ) {
        let j = k + 1;
        while (j < members.length && sig[order[j] as number] === sig[order[k] as number]) j++;
        if (j === k + 1) target[order[k] as number] = members[k] as number;
        else {
          ties[this.tieCount++] = c;
          ties[this.tieCount++] = k;
          ties[this.tieCount++] = j;
        }
        k = j;
      }
    }
    this.foundCount = 0;
    this.assignTies(0);
    return this.foundCount;
  }

  /** The i-th permutation index the last `candidates` found. */
  candidate(i: number): number {
    return this.found[i] as number;
  }

  /** Every assignment of the tied threads (`ties`: class, from, to) to their slots, from tie g on; each completed mapping's index joins `found`. */
  private assignTies(g: number): void {
    if (g >= this.tieCount) {
      const index = this.indexOf.get(encode(this.target));
      if (index === undefined) throw new Error("internal: a sorting permutation outside the group");
      this.found[this.foundCount++] = index;
      return;
    }
    const c = this.ties[g] as number;
    const from = this.ties[g + 1] as number;
    const to = this.ties[g + 2] as number;
    const members = this.movable[c] as readonly number[];
    const order = this.orders[c] as Int32Array;
    for (const p of PERMUTATIONS[to - from] as number[][]) {
      for (let i = 0; i < p.length; i++) this.target[order[from + i] as number] = members[from + (p[i] as number)] as number;
      this.assignTies(g + 3);
    }
  }

  /** Sorted mode: the identity and every transposition within a class. */
  private transpositions(n: number, interps: readonly number[]): Perm[] {
    const perms = [permOf(n, interps, new Map())];
    for (const c of this.classes) {
      for (let i = 0; i < c.length; i++) {
        for (let j = i + 1; j < c.length; j++) {
          const [a, b] = [c[i] as number, c[j] as number];
          if (i === 0) this.toFirst[b] = perms.length;
          perms.push(permOf(n, interps, new Map([[a, b], [b, a]])));
        }
      }
    }
    return perms;
  }

  /** Enumerated mode: the whole group, the product of each class's permutations. */
  private group(n: number, interps: readonly number[]): Perm[] {
    let maps: Map<number, number>[] = [new Map()];
    for (const c of this.classes) {
      const next: Map<number, number>[] = [];
      for (const m of maps) for (const p of permutations(c)) next.push(new Map([...m, ...c.map((t, i) => [t, p[i] as number] as [number, number])]));
      maps = next;
    }
    if (maps.length > MAX_GROUP) throw new SymmetryBroken(`${maps.length} permutations of interchangeable interpreters exceed the ${MAX_GROUP} enumerated per state`);
    return maps.map((m) => permOf(n, interps, m));
  }

  kindOf(addr: number): number {
    return this.wordKind[addr] as number;
  }

  /** Renames a value of the given kind. */
  renameValue(kind: number, v: number, p: Perm): number {
    if (kind === IdKind.id) return v >= 1 && v <= 32 ? (p.interp[v] as number) : v;
    if (kind === IdKind.wideMask) return this.renameWide(v, p);
    if (kind !== IdKind.mask || (v & p.movedBits) === 0) return v;
    let out = v & ~p.movedBits;
    for (const i of p.moved) if ((v & bit(i)) !== 0) out |= bit(p.interp[i] as number);
    return out;
  }

  /** A wide mask renamed: each moved interpreter's block of `stride` bits moves to its image's block. */
  private renameWide(v: number, p: Perm): number {
    const block = (1 << this.stride) - 1;
    let cleared = v;
    let moved = 0;
    for (const i of p.moved) {
      const from = (i - 1) * this.stride;
      cleared &= ~(block << from);
      moved |= ((v >>> from) & block) << (((p.interp[i] as number) - 1) * this.stride);
    }
    return cleared | moved;
  }

  /** What kind of identity an access's result carries: the word's, when the result is the word. */
  resultKind(access: Access): number {
    const kind = this.kindOf(access.addr);
    if (kind === 0) return 0;
    switch (access.op) {
      case AccessOp.load:
        return access.b === LoadMode.value ? kind : 0;
      case AccessOp.store:
      case AccessOp.cas:
      case AccessOp.exchange:
        return kind;
      case AccessOp.add:
      case AccessOp.sub:
      case AccessOp.or:
      case AccessOp.and:
        return access.b === 1 ? 0 : kind;
      default:
        return 0;
    }
  }

  /** The access renamed: its operands renamed by its word's kind (notify's count and load modes stay). */
  renameAccess(a: Access, p: Perm): Access {
    const kind = this.kindOf(a.addr);
    if (kind === 0) return a;
    switch (a.op) {
      case AccessOp.load:
        return a.b === LoadMode.value ? a : { ...a, a: this.renameValue(kind, a.a, p) };
      case AccessOp.cas:
        return { ...a, a: this.renameValue(kind, a.a, p), b: this.renameValue(kind, a.b, p) };
      case AccessOp.notify:
        return a;
      default:
        return { ...a, a: this.renameValue(kind, a.a, p) };
    }
  }

  /**
   * Before an access is performed: whether its effect commutes with renaming. Loads, stores,
   * compare-exchanges and bit operations do; arithmetic on an id word does not, and on a mask only
   * when it sets clear bits or clears set ones.
   */
  checkEffect(a: Access, word: number): void {
    const kind = this.kindOf(a.addr);
    if (kind === 0 || (a.op !== AccessOp.add && a.op !== AccessOp.sub)) return;
    const ok = (kind === IdKind.mask || kind === IdKind.wideMask) && (a.op === AccessOp.add ? (word & a.a) === 0 : (word & a.a) === a.a);
    if (!ok) throw new SymmetryBroken(`${describeAccess(a)} on a word holding interpreter identities (${word}) does not commute with renaming interpreters`);
  }

  /** The declared words' addresses (ascending). */
  get declaredWords(): Int32Array {
    return this.declared;
  }

  /** Writes the declared words of memory, renamed by p, into out[0 …). Undeclared words never change under renaming. */
  renameDeclared(mem: Int32Array, p: Perm, out: Int32Array): void {
    for (let j = 0; j < this.declared.length; j++) {
      const a = this.declared[j] as number;
      out[j] = this.renameValue(this.wordKind[a] as number, mem[a] as number, p);
    }
  }

  /**
   * The node thread π(t) is at when thread t is at nd: reached by feeding it nd's observed values,
   * renamed. Checks that it is about to make nd's access, renamed.
   */
  image<Call, Result>(table: ThreadTable<Call, Result>, nd: TNode, pi: number, interps: readonly number[]): number {
    if (pi === 0) return nd.id;
    const images = nd.images ?? (nd.images = new Int32Array(this.perms.length).fill(-1));
    const known = images[pi] as number;
    if (known >= 0) return known;
    const p = this.perms[pi] as Perm;
    const u = p.thread[nd.thread] as number;
    const values = nd.observed.map((v, i) => this.renameValue(nd.kinds[i] as number, v, p));
    const id = table.walk(u, nd.callIndex, nd.carry, values);
    const other = table.node(id);
    const expected = nd.access === null ? null : this.renameAccess(nd.access, p);
    const same = other.callIndex === nd.callIndex && (expected === null ? other.op === FINISHED : other.access !== null && sameAccess(other.access, expected));
    if (!same) {
      throw new SymmetryBroken(
        `interp ${interps[nd.thread]} and interp ${interps[u]} run identical programs but differ at call ${nd.callIndex}, access ${nd.observed.length}: ` +
          `${describeAccess(nd.access)} vs ${other.callIndex === nd.callIndex ? describeAccess(other.access) : `call ${other.callIndex}`}`,
      );
    }
    images[pi] = id;
    return id;
  }

  /**
   * Verifies an edge the search takes (thread at nd, value, edge e) under every permutation that
   * matters: the renamed thread at the renamed node, fed the renamed value, completes the same calls
   * with the same results and lands on the renamed successor.
   */
  verify<Call, Result>(table: ThreadTable<Call, Result>, nd: TNode, value: number, e: Edge, interps: readonly number[]): void {
    e.verified = true;
    const kind = nd.access === null ? 0 : this.resultKind(nd.access);
    for (let pi = 1; pi < this.perms.length; pi++) {
      const p = this.perms[pi] as Perm;
      if (this.sorted && p.thread[nd.thread] === nd.thread) continue;
      const image = table.node(this.image(table, nd, pi, interps));
      const ie = table.edge(image, this.renameValue(kind, value, p));
      const target = this.image(table, table.node(e.to), pi, interps);
      if (ie.to !== target || !sameCompletions(e, ie)) {
        throw new SymmetryBroken(
          `interp ${interps[nd.thread]} and interp ${interps[image.thread]} run identical programs but call ${nd.callIndex} goes on differently after ${describeAccess(nd.access)} returned ${value}`,
        );
      }
    }
  }
}

/**
 * Verifies the threads' first nodes (calls that make no access complete on the way there): under
 * every permutation, thread π(t) starts at the image of thread t's first node, with the same
 * completions.
 */
export function verifyStart<Call, Result>(sym: Symmetry, table: ThreadTable<Call, Result>, starts: readonly Edge[], interps: readonly number[]): void {
  for (let pi = 1; pi < sym.perms.length; pi++) {
    const p = sym.perms[pi] as Perm;
    starts.forEach((e, t) => {
      const u = p.thread[t] as number;
      const other = starts[u] as Edge;
      if (other.to !== sym.image(table, table.node(e.to), pi, interps) || !sameCompletions(e, other)) {
        throw new SymmetryBroken(`interp ${interps[t]} and interp ${interps[u]} run identical programs but start differently`);
      }
    });
  }
}

function sameCompletions(a: Edge, b: Edge): boolean {
  const x = a.done ?? [];
  const y = b.done ?? [];
  if (x.length !== y.length) return false;
  return x.every((c, i) => {
    const d = y[i];
    return d !== undefined && c.callIndex === d.callIndex && c.accessless === d.accessless && JSON.stringify(c.result) === JSON.stringify(d.result);
  });
}

/**
 * The symmetry reduction for these programs, or null when no two threads are interchangeable.
 * With a judge or declared words (the product path, whose model makes interp 1 the main
 * interpreter) interp 1 is never moved — unless the Subject names the calls that tell it apart
 * (Subject.treatsMainApart) and no program makes one.
 */
export function symmetryOf<Call, Result>(subject: Subject<Call, Result>, programs: readonly Program<Call>[], observer: Observer<Call, Result> | undefined): Symmetry | null {
  // Several threads in one interpreter (D18): renaming interpreters would have to move whole
  // groups of threads and every per-thread word with them; the engine renames one thread per
  // interpreter, so symmetry is off — sound, at the cost of the reduction.
  if (programs.some((p) => threadOf(p) !== p.interp)) return null;
  const declared = subject.interpWords;
  const apart = subject.treatsMainApart;
  const mainApart = apart === undefined || programs.some((p) => p.calls.some((c) => apart(c)));
  const classes = symmetryClasses(programs, mainApart && (observer !== undefined || declared !== undefined));
  if (!classes.some((c) => c.length > 1)) return null;
  const sorted = observer === undefined && (declared === undefined || declared.ids.length + declared.masks.length === 0);
  return new Symmetry(classes, programs.map((p) => p.interp), subject.words, declared, sorted);
}
