/*
 * ext_static_mutex.c with the bug CPython's _interpqueues module once had: the count of module
 * instances is changed outside the lock (`module_count++` after PyMutex_Unlock). A plain increment
 * is a load and a store, so an import and an unload can interleave between them and lose an
 * update: interlock finds the library handle torn down while another interpreter still uses it
 * (P2), with the C line of every step:
 *
 *   npx interlock client examples/c/ext_unlocked_count.c
 */
#define IL_BUG_COUNT_OUTSIDE_LOCK 1
#include "ext_static_mutex.c"
