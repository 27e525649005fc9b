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
