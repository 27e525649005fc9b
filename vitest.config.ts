import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Tests live beside the code they test (`*.test.ts`) and in test/ for end-to-end runs.
// At least two test files run at once: vitest's default (cores − 1) is one worker on a 2-core
// machine, which leaves a core idle while a file waits on the CLI processes it starts.
export default defineConfig({
  test: {
    include: ["{model,impl,properties,reports,cli,cfront,test}/**/*.test.ts"],
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
