/**
 * The interleaving explorer's public surface: explore, replay, shrink, and their types.
 */
export { explore, strategyDefaults } from "./explore.js";
export { replay, shrink, type ReplayResult, type ReplayOptions, type Shrunk, type ShrinkOptions } from "./replay.js";
export { decodeToken, encodeToken, type TokenRun } from "./token.js";
export { describeAccess, type TraceRow } from "./machine.js";
export * from "./types.js";
