/*
 * A deliberately broken variant of module_slots.c: PyModule_ExecDef decides "first import, run
 * global_init" from a refcount read *before* taking the runtime lock — the unlocked check-then-act
 * that anchors.md recalls from an early CPython module. Two interpreters importing at once can both
 * see 0 and both run global_init (P1).
 *
 *   npx interlock verify --impl examples/c/module_slots_check_outside_lock.c --family module_slots
 *
 * exits 1 with a report whose swimlane shows the read at module_slots.c's line.
 */
#define IL_BUG_CHECK_OUTSIDE_LOCK 1
#include "module_slots.c"
