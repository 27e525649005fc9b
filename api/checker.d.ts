/**
 * interlock's linearizability checker: judges whether a history of concurrent operations could
 * have happened one at a time, in an order that respects real time, under a sequential model.
 */
export type { Budget, CheckOptions, CheckStats, Model, Operation, Verdict } from "./model.js";
export { defaultBudget, emptyStats, memoEntriesCap } from "./model.js";
export { checkHistory, partitionByKey } from "./check.js";
export { checkHistoryBruteForce, validateLinearization } from "./brute-force.js";
export { canonicalJson } from "./canonical.js";
