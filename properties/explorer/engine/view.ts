/** The caller's read-only view of a machine's live state (what a monitor sees, StateView). */
import { threadOf, type Program } from "../../../impl/subject.js";
import type { StateView, ThreadView } from "../types.js";
import { FINISHED, type TNode } from "./threads.js";

/** The live parts of a machine a view reads. */
interface Live {
  readonly mem: Int32Array;
  readonly accessIndex: Int32Array;
  readonly rank: Int32Array;
  readonly steps: number;
}

/** A view whose getters read `m` live; `at(t)` is thread t's current node. */
export function stateView<Call>(m: Live, programs: readonly Program<Call>[], at: (t: number) => TNode): StateView<Call> {
  const threads = programs.map(
    (program, t): ThreadView<Call> => ({
      interp: program.interp,
      thread: threadOf(program),
      get callIndex() {
        return at(t).callIndex;
      },
      get call() {
        return program.calls[at(t).callIndex];
      },
      get accessIndex() {
        return m.accessIndex[t] as number;
      },
      get access() {
        return at(t).access;
      },
      get blocked() {
        return m.rank[t] !== 0;
      },
      get finished() {
        return at(t).op === FINISHED;
      },
    }),
  );
  return {
    mem: m.mem,
    threads,
    get steps() {
      return m.steps;
    },
  };
}
