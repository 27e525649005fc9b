/**
 * Types the client code's overrides of lifecycle steps need (the impl's import operation).
 */
import type { LifecycleOp } from "../../model/lifecycle.js";

/** The abstract import operation a lifecycle family's `globalInit` receives. */
export type ImportOpLike = Extract<LifecycleOp, { op: "import" }>;
