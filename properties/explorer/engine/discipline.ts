/**
 * Sharing disciplines (Subject.discipline) as the machine checks them: which accesses no other
 * interpreter can observe or influence, so that they need no scheduling point — and, at every such
 * access, whether the discipline holds. A break is remembered (reported as P9 by the session),
 * never trusted.
 */
import { AccessOp, LoadMode, type Access } from "../../../impl/memory.js";
import type { Subject } from "../../../impl/subject.js";
import { describeAccess } from "./trace.js";
import { interpOf } from "../../../model/thread.js";

const PROTECTED = 1;
const OWNER = 2;
const SELF_BITS = 3;
const WRITES_PROTECTED = 4;

export class Disciplines {
  /** Per word: its discipline as PROTECTED / WRITES_PROTECTED / OWNER / SELF_BITS, 0 for an ordinary word. */
  private readonly kinds: Int8Array;
  /** Per lock-protected word (all its accesses, or only its writes): the owner word of the mutex that protects it. */
  private readonly guardOwner: Int32Array;
  /** The first break since last taken. */
  private violation: string | null = null;

  /** The Subject's disciplines, or null when it declares none. */
  static of(subject: Subject<unknown, unknown>): Disciplines | null {
    return subject.discipline === undefined ? null : new Disciplines(subject);
  }

  private constructor(subject: Subject<unknown, unknown>) {
    const words = subject.words;
    this.kinds = new Int8Array(words);
    this.guardOwner = new Int32Array(words).fill(-1);
    for (let a = 0; a < words; a++) {
      const d = subject.discipline?.(a);
      if (d === undefined) continue;
      if (d === "owner") this.kinds[a] = OWNER;
      else if (d === "self-bits") this.kinds[a] = SELF_BITS;
      else if (typeof d === "object" && "writesProtectedBy" in d) {
        this.kinds[a] = WRITES_PROTECTED;
        this.guardOwner[a] = d.writesProtectedBy;
      } else {
        this.kinds[a] = PROTECTED;
        this.guardOwner[a] = d.protectedBy;
      }
    }
  }

  /** The owner word of the mutex protecting addr (all its accesses, or only its writes), or -1 if there is none. */
  ownerOf(addr: number): number {
    return this.guardOwner[addr] as number;
  }

  /** Whether the word at addr has the self-bits discipline. */
  isSelfBits(addr: number): boolean {
    return this.kinds[addr] === SELF_BITS;
  }

  /** Whether the word at addr has a discipline at all. */
  governs(addr: number): boolean {
    return this.kinds[addr] !== 0;
  }

  /**
   * Whether `access` by interpreter `me` is invisible under its word's discipline, given memory.
   * An access the discipline forbids is recorded as a break (`who(what)` says who did `what` in which call).
   */
  invisible(access: Access, me: number, mem: Int32Array, who: (what: string) => string): boolean {
    const kind = this.kinds[access.addr] as number;
    if (kind === 0) return false;
    const word = mem[access.addr] as number;
    if (kind === PROTECTED) {
      const owner = this.guardOwner[access.addr] as number;
      if (mem[owner] === me) return true;
      return this.breaks(access, who, `without holding the mutex that protects that word (its owner word ${owner} holds ${mem[owner]}): an unlocked access to lock-protected state, a data race`);
    }
    if (kind === WRITES_PROTECTED) return this.writesProtected(access, me, mem, who);
    if (kind === OWNER) {
      if (access.op === AccessOp.load && access.b === LoadMode.equals && access.a === me) return true;
      // Asking about a sibling thread of one's own interpreter (ending it waits for its locks, D18):
      // allowed, but the sibling may change the answer, so it stays a scheduling point.
      if (access.op === AccessOp.load && access.b === LoadMode.equals && access.a !== me && access.a > 0 && interpOf(access.a) === interpOf(me)) return false;
      if (access.op === AccessOp.store && ((access.a === me && word === 0) || (access.a === 0 && (word === me || word === 0)))) return true;
      return this.breaks(access, who, `on a mutex owner word holding ${word}: only the holder may set or clear its own id, and others may only ask "is it me?"`);
    }
    return this.selfBits(access, me, word, who);
  }

  /**
   * A word written only under its mutex and read anywhere: the holder's read has one possible answer
   * (nobody else may write the word meanwhile, and reads commute with reads), so it is invisible;
   * the holder's write stays a scheduling point (others read the word without the lock), and so
   * does a read without the mutex; a write without it is a break.
   */
  private writesProtected(access: Access, me: number, mem: Int32Array, who: (what: string) => string): boolean {
    const owner = this.guardOwner[access.addr] as number;
    const holds = mem[owner] === me;
    if (access.op === AccessOp.load) return holds;
    if (holds) return false;
    return this.breaks(access, who, `without holding the mutex that every write of that word must hold (its owner word ${owner} holds ${mem[owner]}): an unlocked write to state others read, a data race`);
  }

  private selfBits(access: Access, me: number, word: number, who: (what: string) => string): boolean {
    const mine = 1 << (me - 1);
    if (access.op === AccessOp.load && access.b === LoadMode.bits && access.a === mine) return true;
    const writes = access.op !== AccessOp.load;
    if (writes && !((access.op === AccessOp.or && access.a === mine) || (access.op === AccessOp.and && access.a === ~mine))) {
      return this.breaks(access, who, `on a bitmask whose bit i may change only by interpreter i (it holds ${word})`);
    }
    return false;
  }

  /** Records a break (the first since last taken); returns false. */
  private breaks(access: Access, who: (what: string) => string, why: string): false {
    if (this.violation === null) this.violation = `${who(describeAccess(access))} ${why}`;
    return false;
  }

  /** The first break since the last call, if any (and forgets it). */
  take(): string | null {
    const v = this.violation;
    this.violation = null;
    return v;
  }

  /** Forgets a recorded break (on restore). */
  clear(): void {
    this.violation = null;
  }
}
