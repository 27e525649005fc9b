/**
 * interlock's linearizability checker: judges whether a history of concurrent operations could
 * have happened one at a time, in an order that respects real time, under a sequential model.
 * This entry point imports nothing heavy (no effect, no API-family models): importing it costs a
 * couple of MB of RSS over bare node, so a user's checking script starts as light as it can.
 */
export type { Budget, CheckOptions, CheckStats, Model, Operation, UnknownReason, Verdict } from "./types.js";
export { defaultBudget, emptyStats, memoEntriesCap } from "./types.js";
export { checkHistory, partitionByKey, partitionsOf, shareOf } from "./check.js";
export { checkHistoryBruteForce, validateLinearization } from "./brute-force.js";
export { canonicalJson } from "./canonical.js";
export { fromPorcupine, type PorcupineModel } from "./porcupine.js";
