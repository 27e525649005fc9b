/*
 * A deliberately broken variant of static_mutex.c: PyMutex_Unlock clears the mutex but does not
 * wake the calls sleeping until it is free — the lost wake-up that a futex mutex's unlock must
 * avoid (it wakes a waiter whenever the lock word said "locked, with waiters"). An interpreter that
 * found the mutex held sleeps forever although the mutex is free: interlock reports the deadlock
 * the model does not have (P6), with the C line of every step.
 *
 *   npx interlock verify --impl examples/c/static_mutex_lost_wakeup.c --family static_mutex
 */
#define IL_BUG_UNLOCK_WAKES_NOBODY 1
#include "static_mutex.c"
