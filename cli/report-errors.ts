/**
 * At the command line a file or folder the user named that cannot be read or written is bad input
 * (exit 2). Kept apart from errors.ts because reports/io.ts loads effect, which a command that
 * never touches a report file should not pay for.
 */
import { ReportError } from "../reports/io.js";
import { UsageError } from "./errors.js";

/** Runs `f`, turning a ReportError into a UsageError with the same message (after `prefix`); any other throw passes through. */
export function reportErrorsAsUsage<T>(f: () => T, prefix = ""): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ReportError) throw new UsageError(`${prefix}${e.message}`);
    throw e;
  }
}
