/**
 * An ESM resolve hook (registered by interlock-resolve.ts): a user module that imports
 * `interlock` or `interlock/…` and has no interlock of its own installed gets this interlock —
 * resolved as a self-reference from inside this package, so its `exports` map applies.
 */
type Next = (specifier: string, context: { parentURL?: string | undefined }) => Promise<unknown>;

export async function resolve(specifier: string, context: { parentURL?: string | undefined }, next: Next): Promise<unknown> {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!/^interlock(\/|$)/.test(specifier)) throw e;
    return next(specifier, { ...context, parentURL: import.meta.url });
  }
}
