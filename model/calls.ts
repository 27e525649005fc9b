import type { FamilyCall, FamilyName } from "./profiles.js";

/**
 * Any family's call: a tagged struct, the union of every registered family's calls (read from the
 * registry, model/profiles.ts). Its own file, so that model/carry.ts need not import model/index.ts.
 */
export type AnyCall = FamilyCall<FamilyName>;
