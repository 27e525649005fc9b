/**
 * The CLI's exit codes (documented in the README and in `interlock --help`).
 */
export const ExitCode = {
  /** The implementation agrees with the model and every property held, to the stated coverage. */
  agreement: 0,
  /** A counterexample was found (a violation, a disagreement, a surviving mutant). */
  counterexample: 1,
  /** Usage or input error: bad flags, unreadable or ill-formed files, an --impl that breaks the contract. */
  usage: 2,
  /** A budget ran out before the stated coverage was reached. */
  budget: 3,
  /** The module under test failed: it threw, broke the Subject contract while running, never gave control back, or ran out of memory. */
  moduleFailed: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A UsageError is bad input from the user: the CLI prints its one-line message (naming the problem
 * and the fix) and exits with code 2, without a stack trace and without writing anything.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
