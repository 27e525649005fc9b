/*
 * A deliberately broken variant of runtime_store.c: freeing a slot does not advance its
 * generation, so a key released by its last user and the key that next takes the slot are the same
 * number — the ABA the (slot, generation) index exists to prevent (P8). interlock catches it at
 * the first ensure after a free: the implementation hands out index 1 where the model's is 257
 * (generation 1), which the judge reports as two indices for one (def, name), P1.
 *
 *   npx interlock verify --impl examples/c/runtime_store_no_generation.c --family runtime_store
 */
#define IL_BUG_NO_GENERATION 1
#include "runtime_store.c"
