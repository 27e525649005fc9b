import { Arbitrary, type Schema } from "effect";
import type * as fc from "fast-check";

/**
 * The one place a Schema becomes a fast-check arbitrary. effect 3's `Arbitrary.make` builds on its
 * own copy of fast-check 3; its arbitraries are accepted by fast-check 4's runners and combinators
 * (anchors.md), so the cast below is the whole bridge. If effect's generator engine changes, only
 * this function changes.
 */
export function arbitraryOf<A, I>(schema: Schema.Schema<A, I, never>): fc.Arbitrary<A> {
  return Arbitrary.make(schema) as unknown as fc.Arbitrary<A>;
}
