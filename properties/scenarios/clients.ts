/**
 * The columns of the matrix: for each API family (and each "naive" variant — the mistake an
 * author makes without care), the extension code written against that family as a public client
 * definition (contract.ts), one file per family under columns/, run through the same harness
 * (harness.ts) as any user's `interlock verify --client` module.
 *
 * LINE COUNTING RULE (lines.test.ts counts columns/*.ts into the golden lines.golden.ts, which lines.ts reads): client code sits between a marker line
 *     // client <column>:<op>[,<op>…] [<column>:<op>[,<op>…] …]
 * and the next `// end client`. A cell's "lines of client code" is the number of non-blank lines
 * that are not comments in every region that names the cell's column with an operation the
 * scenario's programs perform (`end` and `finalize` also run the instance's m_free, so regions
 * that are part of m_free list them too). Shared helpers are counted once per cell however many
 * operations use them. Code outside regions (the definitions wiring hooks to functions, the C
 * library, one-call helpers such as `lockAllocated(x)`) is not counted.
 */
import { globalLock, globalLockNaive } from "./columns/global_lock.js";
import { moduleSlots, moduleSlotsLock } from "./columns/module_slots.js";
import { refcountedLock } from "./columns/refcounted_lock.js";
import { runtimeStore, runtimeStoreNaive } from "./columns/runtime_store.js";
import { staticMutex, staticMutexNaive } from "./columns/static_mutex.js";
import type { Client } from "./column.js";
import { columnOf } from "./harness.js";

/** Every column of the matrix, in order: the five families, then the naive variants. */
export const clients: readonly Client[] = [
  columnOf(globalLock),
  columnOf(runtimeStore),
  columnOf(refcountedLock),
  columnOf(moduleSlots),
  columnOf(moduleSlotsLock),
  columnOf(staticMutex),
  columnOf(globalLockNaive, { naive: true, mistake: "checks `henv == NULL` before taking the named lock" }),
  columnOf(runtimeStoreNaive, { naive: true, mistake: "get-then-set on the store key with no lock" }),
  columnOf(staticMutexNaive, { naive: true, mistake: "`count++` after unlocking the static mutex" }),
];

export type { Client, Ctx } from "./column.js";
