import { defineConfig } from "vitest/config";

// Tests live beside the code they test (`*.test.ts`) and in test/ for end-to-end runs.
export default defineConfig({
  test: {
    include: ["{model,impl,properties,reports,cli,cfront,test}/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
