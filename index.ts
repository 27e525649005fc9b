/**
 * interlock's library API: what a vitest (or any) user needs to check an implementation of one of
 * the proposed APIs against the model, in a few lines. The CLI is a thin layer over the same calls.
 */
export {
  models,
  familyNames,
  refTo,
  arbitraryOf,
  // The vocabulary an implementation of your own needs (impl/README.md).
  allAlive,
  bit,
  defs,
  names,
  err,
  ok,
  resolveCall,
  updateCarry,
  globalLockModel,
  runtimeStoreModel,
  moduleSlotsModel,
  refcountedLockModel,
  staticMutexModel,
  type Def,
  type Name,
  type GlobalLockCall,
  type RuntimeStoreCall,
  type ModuleSlotsCall,
  type RefcountedLockCall,
  type StaticMutexCall,
  type AnyCall,
  type FamilyName,
  type FamilyModel,
  type ModelConfig,
  type Result,
} from "./model/index.js";
export { implementations } from "./impl/index.js";
export { load, store, cas, add, sub, exchange, wait, notify, testEquals, testBits, increment, setBits, clearBits, loopEnter, loopHead, AtomicsMemory, type Access, type Code } from "./impl/memory.js";
export type { Subject, Program, Discipline } from "./impl/subject.js";
export { PyMutex_Lock, PyMutex_Unlock } from "./impl/pymutex.js";
export { checkAgreement, type AgreementOptions, type AgreementResult } from "./properties/agreement.js";
export { agreementJudge, type Judge, type Evidence } from "./properties/judge/judge.js";
export { typicalPrograms, typicalProgram } from "./properties/programs.js";
export { callArbitrary, programsArbitrary, invocationsArbitrary } from "./properties/workload.js";
export { explore, replay, shrink, type ExploreResult, type Strategy, type Limits } from "./properties/explorer/index.js";
export { checkHistory, type Model, type Operation, type Verdict } from "./properties/checker/index.js";
export { checkerModel } from "./properties/family_checker.js";
export { decodeHistory, encodeHistory, type HistoryFile } from "./properties/history.js";
export { stressFamily, type FamilyStressOptions } from "./properties/stress.js";
export { propertyNames } from "./properties/properties.js";
