/*
 * module_slots.pml: the module-slot protocol (Py_mod_global_init / Py_mod_global_exit with a
 * runtime refcount per module def, thread.txt lines 141-185), as a SPIN baseline for interlock's
 * explorer.
 *
 * The protocol (anchors.md, "Measured here on the module-slot protocol"): N interpreters, each C
 * times:
 *     lock; if refcount == 0 { global_init }; refcount++; unlock;
 *     use the global state;
 *     lock; refcount--; if refcount == 0 { global_exit }; unlock
 *
 * Defines (pass to spin: `spin -DN=5 -DC=2 -a module_slots.pml`):
 *   N       number of interpreters (default 3)
 *   C       import/unload rounds per interpreter (default 1)
 *   FUTEX   the lock is a futex-style mutex, one Promela step per shared access, the same step
 *           granularity as interlock's implementation (impl/): word 0 unlocked, 1 locked,
 *           2 locked and contended. Without FUTEX the lock is one atomic test-and-set step,
 *           the granularity anchors.md's SPIN figures were measured at.
 *   BROKEN  the deliberately broken variant: the "refcount == 0?" check and global_init run
 *           before the lock is taken (an unlocked check-then-act). SPIN must report an assertion
 *           violation; that proves the assertions below can fail.
 *
 * Safety properties, checked by assertions (properties.md P1, P2):
 *   - no double init: global_init runs only while no epoch is open (at most once per epoch,
 *     an epoch being the span from a 0->1 refcount transition to the matching 1->0);
 *   - the global state is alive whenever an interpreter uses it, and global_exit tears down
 *     a live state (exactly once per epoch);
 *   - refcount never goes negative.
 * SPIN's default end-state check also reports deadlocks (P6) for these programs.
 *
 * Each labelled C-level action (a test of the refcount, global_init, refcount++, the use, ...)
 * is one Promela step; atomic only groups an action with its assertion or resets a local that
 * is dead afterwards, so that stale locals do not multiply the state count.
 */

#ifndef N
#define N 3
#endif
#ifndef C
#define C 1
#endif

/* The lock word. TAS: 0 free, 1 held. FUTEX: 0 unlocked, 1 locked, 2 locked with waiters. */
byte lock = 0;

/* The runtime refcount of the module def. short, not byte, so a decrement below zero shows as
 * a negative number instead of wrapping to 255. */
short refcount = 0;

/* The module's process-global state (MAL's ODBC henv): 1 between global_init and global_exit. */
bit alive = 0;

#ifdef FUTEX
/*
 * Lock: compareExchange(lock, 0, 1); if that saw non-zero, loop { exchange(lock, 2); if it
 * returned 0 we own the lock; else futex-wait while the word is 2 }.
 * The futex wait is modelled as "block until the word is no longer 2" (wait-until-changed).
 * A real futex can also return on a notify after the word went back to 2, or spuriously; the
 * waiter then exchanges 2 for 2 and waits again, which changes no shared state, so the safety
 * verdicts are the same.
 * `c` is the caller's local holding the value the last atomic returned; it is 0 on exit.
 */
inline mutex_lock(c) {
	atomic { c = lock; if :: lock == 0 -> lock = 1 :: else -> skip fi };  /* compareExchange */
	if
	:: c != 0 ->
		do
		:: atomic { c = lock; lock = 2 };  /* exchange(2) */
		   if
		   :: c == 0 -> break
		   :: else -> lock != 2            /* futex wait(lock, 2) */
		   fi
		od
	:: else -> skip
	fi
}

/*
 * Unlock: old = fetch-sub(lock, 1); if old was not 1 (someone is waiting), store 0 and wake one
 * waiter. The wake is implicit in the wait-until-changed model of the wait: the store of 0 is
 * what lets a waiter proceed.
 */
inline mutex_unlock(c) {
	atomic { c = lock; lock = lock - 1 };     /* fetch-sub(1) */
	if
	:: c != 1 -> atomic { lock = 0; c = 0 }  /* store 0 + futex wake */
	:: else -> c = 0
	fi
}
#else
/* Lock: one atomic test-and-set step, blocked while the lock is held. Unlock: store 0. */
inline mutex_lock(c)   { atomic { lock == 0 -> lock = 1 } }
inline mutex_unlock(c) { lock = 0 }
#endif

/* global_init: sets up the global state; it must find none (no double init). */
inline global_init() { atomic { assert(!alive); alive = 1 } }

/* global_exit: tears the global state down; it must find it alive (teardown exactly once). */
inline global_exit() { atomic { assert(alive); alive = 0 } }

active [N] proctype interp()
{
	byte round = 0;
	byte c = 0;   /* the lock's scratch register (FUTEX); unused with TAS */

	do
	:: round < C ->
		/* import: Py_mod_global_init under the lock, on the 0 -> 1 transition */
#ifdef BROKEN
		/* unlocked check-then-act: another interpreter can pass the same check */
		if
		:: refcount == 0 -> global_init()
		:: else -> skip
		fi;
		mutex_lock(c);
#else
		mutex_lock(c);
		if
		:: refcount == 0 -> global_init()
		:: else -> skip
		fi;
#endif
		refcount++;
		mutex_unlock(c);

		/* use the global state: it must be alive */
		assert(alive);

		/* unload: Py_mod_global_exit under the lock, on the 1 -> 0 transition */
		mutex_lock(c);
		atomic { refcount--; assert(refcount >= 0) };
		if
		:: refcount == 0 -> global_exit()
		:: else -> skip
		fi;
		mutex_unlock(c);
		round++
	:: else -> break
	od
}
