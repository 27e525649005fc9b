/*
 * ext_global_lock.c with the mistake the global_lock_naive column of the scenario matrix makes:
 * "is henv set?" is checked before the named lock is taken, so two interpreters importing at once
 * both initialise the library. `interlock client` reports the double init as P1, its swimlane
 * naming the lines of this mistake in ext_global_lock.c.
 */
#define IL_BUG_CHECK_OUTSIDE_LOCK 1
#include "ext_global_lock.c"
