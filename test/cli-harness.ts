import { run } from "../cli/main.js";
import type { Output } from "../cli/output.js";

/** Runs the CLI in-process and captures what it prints, its exit code and how long it took. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
  let out = "";
  let err = "";
  const o: Output = {
    interactive: false,
    color: false,
    out: (l) => void (out += l + "\n"),
    err: (l) => void (err += l + "\n"),
    progress: () => undefined,
    endProgress: () => undefined,
  };
  const t0 = performance.now();
  const code = await run(argv, o);
  return { code, out, err, ms: performance.now() - t0 };
}
