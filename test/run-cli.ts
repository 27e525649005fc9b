import { run } from "../cli/main.js";
import type { Output } from "../cli/output.js";

/** Runs the CLI in-process and captures what it prints (for the end-to-end tests). */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
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
  const code = await run(argv, o);
  return { code, out, err };
}
