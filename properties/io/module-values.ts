/**
 * How the guards around a module under test (a user's `--impl` Subject, a `--client` definition)
 * check and quote the values that module hands back: what a word of shared memory can hold, and a
 * value shown in one short line of an error message.
 */

/** Whether `v` fits a word of shared memory (an int32). */
export const isInt32 = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;

/** `value` as JSON (or its string form), cut to 80 characters, for a one-line message. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
