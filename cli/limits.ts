import { limitEnvironment, resolveLimits, type Limits } from "../properties/explorer/index.js";
import { UsageError } from "./errors.js";

/**
 * The explorer limits the environment sets (INTERLOCK_MAX_STEPS, INTERLOCK_MAX_STATES,
 * INTERLOCK_MAX_EXECUTIONS, INTERLOCK_MAX_THREADS, INTERLOCK_TIME_LIMIT_MS), each a positive whole
 * number; anything else is a usage error naming the variable. Flags that set the same limit win.
 */
export function environmentLimits(env: Readonly<Record<string, string | undefined>> = process.env): Partial<Limits> {
  const out: Partial<Record<keyof Limits, number>> = {};
  for (const [name, variable] of Object.entries(limitEnvironment) as [keyof Limits, string][]) {
    const text = env[variable];
    if (text === undefined || text === "") continue;
    if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${variable} must be a positive whole number, got "${text}"; fix or unset it`);
    out[name] = Number(text);
  }
  try {
    resolveLimits(out);
  } catch (e) {
    const message = (e as Error).message.split("\n")[0] ?? "";
    const name = (Object.keys(limitEnvironment) as (keyof Limits)[]).find((k) => message.includes(k));
    throw new UsageError(`${name ? `${limitEnvironment[name]}: ` : ""}${message}; fix or unset it`);
  }
  return out;
}
