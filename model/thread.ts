/**
 * Thread ids (decision D18) as plain arithmetic, apart from the Schema vocabulary in common.ts so
 * that the explorer can name threads without loading effect (the package entry stays light:
 * test/package-entry.test.ts). Thread k (1-based) of interpreter i is `i + 8·(k − 1)`.
 */

export const MAX_THREADS_PER_INTERP = 4;
/** The thread id of thread `k` (1-based) of interpreter `interp`. */
export const threadId = (interp: number, k: number = 1): number => interp + 8 * (k - 1);
/** The interpreter a thread belongs to. */
export const interpOf = (thread: number): number => ((thread - 1) % 8) + 1;
/** Which thread of its interpreter a thread id is (1-based). */
export const threadIndexOf = (thread: number): number => Math.floor((thread - 1) / 8) + 1;
/** "interp 2" for an interpreter's first thread, "interp 1 · thread 2" for another: who acts, for reports. */
export const describeThread = (thread: number): string =>
  thread < 1 || threadIndexOf(thread) === 1 ? `interp ${thread < 1 ? thread : interpOf(thread)}` : `interp ${interpOf(thread)} · thread ${threadIndexOf(thread)}`;
/** The thread id of whoever acts in a program, history record or report entry: its `thread`, or its interpreter's first thread when absent. */
export const threadOf = (x: { readonly interp: number; readonly thread?: number | undefined }): number => x.thread ?? x.interp;

/**
 * A program set — one call list per thread — may carry `threads`: program i's thread id (D18).
 * Without it program i is the only thread of interpreter i + 1, as every program set written
 * before threads existed. It rides on the array, so code that passes `AnyCall[][]` along keeps
 * it; JSON drops it, so files write it out (properties/io/programs-file.ts, reports).
 */
export type Threaded<T extends readonly unknown[]> = T & { readonly threads?: readonly number[] };

/** The thread id of each program of a set: its `threads`, or i + 1 for program i. */
export function threadsOfSet(set: Threaded<readonly unknown[]>): number[] {
  return set.threads !== undefined ? [...set.threads] : set.map((_, i) => i + 1);
}

/**
 * `set` with its programs run by the threads `threads` (thread ids, one per program, distinct).
 * Throws a RangeError naming the problem for a length mismatch, a repeated or invalid thread id.
 */
export function withThreads<T extends readonly unknown[]>(set: T, threads: readonly number[]): T & { readonly threads: readonly number[] } {
  if (threads.length !== set.length) throw new RangeError(`${set.length} programs but ${threads.length} thread ids`);
  const seen = new Set<number>();
  for (const t of threads) {
    if (!Number.isInteger(t) || t < 1 || threadIndexOf(t) > MAX_THREADS_PER_INTERP) throw new RangeError(`thread id ${t} is not 1..${8 * MAX_THREADS_PER_INTERP}`);
    if (seen.has(t)) throw new RangeError(`${describeThread(t)} has two programs`);
    seen.add(t);
  }
  return Object.assign(set.slice() as unknown as T, { threads: [...threads] });
}

/** The runtime size a set of threads needs: its highest interpreter, and its most threads in one interpreter. */
export function sizeOfThreads(threads: readonly number[]): { readonly interpreters: number; readonly threads: number } {
  return { interpreters: Math.max(1, ...threads.map(interpOf)), threads: Math.max(1, ...threads.map(threadIndexOf)) };
}
