import { describe, expect, it } from "vitest";
import { implementations } from "../impl/index.js";
import { defaultConfig } from "../model/common.js";
import { guardFactories } from "./impl-sandbox.js";

describe("the --impl guard around a user's Subject", () => {
  it("keeps the Subject's interpreter-identity words, so symmetry by renaming applies to user implementations", () => {
    const guarded = guardFactories("user.ts", { module_slots: implementations.module_slots });
    const config = defaultConfig;
    const subject = guarded.module_slots?.(config);
    const own = implementations.module_slots(config);
    expect(own.interpWords).toBeDefined();
    expect(subject?.interpWords).toEqual(own.interpWords);
  });
});
