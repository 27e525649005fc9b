#!/usr/bin/env node
// The `interlock` command: a thin launcher for the compiled CLI (dist/ is built by `npm install`).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("interlock: not built yet: run `npm install` (or `npm run build`) in the checkout first\n");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
