#!/usr/bin/env node
// The `interlock` command: a thin launcher for the compiled CLI (dist/ is built by `npm install`).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("interlock: not built yet: run `npm install` (or `npm run build`) in the checkout first\n");
  process.exit(2);
}
// A reader that stops early (`interlock ... | head`) closes the pipe: what is left unread is not an
// error of interlock's, so it ends quietly, as other command-line tools do, instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
