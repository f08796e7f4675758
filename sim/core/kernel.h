/*
 * kernel.h - the simulation kernel as seen from C.
 *
 * The only door to SystemC: sim/core/kernel.cpp implements this API over SystemC 2.3's
 * kernel (time, one method process, sc_start). Models include this header and never
 * a SystemC header.
 *
 * Time is an unsigned 64-bit count of picoseconds. Processes are callbacks in the
 * style of SC_METHOD: they run to completion and never block.
 *
 * Ordering rule (deterministic by construction, independent of SystemC's scheduler):
 * callbacks run in increasing time; callbacks due at the same time run in the order
 * in which they were notified (sim_event_notify / sim_schedule calls), first notified
 * first run. A callback may notify or schedule more work at the current time (delay
 * 0); that work runs later in the same time step, after everything already due.
 */
#ifndef IOMMUSIM_SIM_KERNEL_H
#define IOMMUSIM_SIM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t sim_time_t;               /* picoseconds */

#define SIM_PS ((sim_time_t)1)
#define SIM_NS ((sim_time_t)1000)
#define SIM_US ((sim_time_t)1000000)
#define SIM_MS ((sim_time_t)1000000000)
#define SIM_S  ((sim_time_t)1000000000000)
#define SIM_TIME_MAX UINT64_MAX

typedef void (*sim_callback_fn)(void *arg);

/*
 * Events: a persistent object with a callback, like an sc_event with one method
 * process sensitive to it. At most one notification is pending per event; as in
 * SystemC, notifying an event that is already pending keeps the earlier of the two
 * times (a later or equal request is ignored and keeps its place in the order; an
 * earlier one replaces the pending one and counts as notified now).
 *
 * sim_event_new copies the name (NULL gives ""); it returns NULL if fn is NULL or
 * memory runs out. Notify, cancel and free ignore a NULL event. Freeing a pending
 * event cancels it; an event may free itself from its own callback. A time that
 * would pass SIM_TIME_MAX (now + delay) saturates at SIM_TIME_MAX.
 */
struct sim_event;

struct sim_event *sim_event_new(const char *name, sim_callback_fn fn, void *arg);
void sim_event_free(struct sim_event *ev);
void sim_event_notify(struct sim_event *ev, sim_time_t delay);
void sim_event_cancel(struct sim_event *ev);
bool sim_event_pending(const struct sim_event *ev);
const char *sim_event_name(const struct sim_event *ev);

/* One-shot callback after delay; cannot be cancelled. Cheaper than an event.
 * A NULL fn is ignored. */
void sim_schedule(sim_time_t delay, sim_callback_fn fn, void *arg);

/*
 * Lanes: one-shot callbacks of one function whose times mostly do not go down, as
 * a DRAM channel's completions do. sim_lane_schedule(q, delay, arg) runs
 * fn(arg) exactly when and in the order that sim_schedule(delay, fn, arg) would:
 * the same time, the same place among everything due at that time. What differs
 * is the cost: the lane keeps its callbacks in order in a ring of its own and the
 * kernel's queue holds only the lane's first, so the queue stays short. A callback
 * no earlier than the lane's last is appended; an earlier one is moved into its
 * place, which costs more, and one earlier than the lane's first also takes a
 * queue entry.
 *
 * sim_lane_new copies the name (NULL gives ""); it returns NULL if fn is NULL or
 * memory runs out. Freeing a lane drops the callbacks it still holds. A NULL lane
 * is ignored by schedule and free. sim_reset empties every lane.
 */
struct sim_lane;

struct sim_lane *sim_lane_new(const char *name, sim_callback_fn fn);
void sim_lane_free(struct sim_lane *q);
void sim_lane_schedule(struct sim_lane *q, sim_time_t delay, void *arg);
/* Callbacks the lane holds that have not run yet, for tests and checks. */
uint64_t sim_lane_pending(const struct sim_lane *q);

/*
 * Current simulated time. The clock is written only by the kernel (kernel.cpp); it
 * is a variable read inline because every model reads it several times per
 * transaction, and a call per read was 6% of a scenario's time.
 */
extern sim_time_t sim_clock_now;

static inline sim_time_t sim_now(void)
{
    return sim_clock_now;
}

/*
 * Runs the simulation until nothing is left to do or simulated time would pass
 * `until` (absolute time; SIM_TIME_MAX for no limit). Callbacks due exactly at
 * `until` run. Returns the number of callbacks run. May be called again to go on.
 *
 * On return sim_now() is `until` for a finite limit (time advances to it even when
 * work runs out earlier, as sc_start(duration) does), the time of the last
 * callback for SIM_TIME_MAX, or the time of the stopping callback after sim_stop.
 * An `until` before sim_now() does nothing. Calling sim_run or sim_reset from a
 * callback is a misuse: it is ignored with a message on stderr.
 */
uint64_t sim_run(sim_time_t until);

/*
 * Runs every callback due up to `until` at once, from the calling code, without
 * SystemC: SystemC's time does not move. For a SystemC process that owns the
 * models' time in a platform that calls sc_start itself (the TLM-2.0 wrapper,
 * sim/tlm/, docs/tlm.md): the models then run ahead of SystemC's time as a
 * loosely-timed initiator's local time does. Same rules as sim_run otherwise:
 * callbacks due at `until` run, sim_now() is `until` on return (the last
 * callback's for SIM_TIME_MAX, the stopping callback's after sim_stop), an `until` before sim_now() does nothing, and a
 * call from a callback is ignored with a message on stderr. Returns the number of
 * callbacks run.
 */
uint64_t sim_run_ahead(sim_time_t until);

/*
 * The quantum: how far one activation of the SystemC method process may run
 * callbacks ahead of SystemC's own time, in the manner of TLM-2.0's global
 * quantum. The shim orders every callback itself, so results do not depend on it
 * (a test checks that); it only sets how often control goes back to SystemC's
 * scheduler, which costs more than a callback. 0 returns to SystemC at every time
 * step. sim_now() is always the time of the running callback.
 */
#define SIM_QUANTUM_DEFAULT (1 * SIM_US)
void sim_set_quantum(sim_time_t quantum);
sim_time_t sim_quantum(void);

/* Asks a running sim_run to return after the current callback; the work still
 * due at that time stays pending, in order. Outside sim_run it does nothing. */
void sim_stop(void);

/* True when work is pending; the time of the earliest work is stored in *next. */
bool sim_pending(sim_time_t *next);

/*
 * Discards all pending work and sets time back to 0, so that tests (and sweeps of
 * many short simulations in one process) start from a fresh kernel. Events that
 * still exist stay valid but are no longer pending. The SystemC context is
 * replaced by a fresh one when SystemC ran in it, through sim_run or through a
 * platform's own sc_start (docs/tlm.md): delete the platform's modules first.
 */
void sim_reset(void);

/* Callbacks run since start (or the last sim_reset); for benchmarks. */
uint64_t sim_callbacks_run(void);

/*
 * Clock domains: convert between cycles and time exactly, for any frequency in Hz.
 * Edge k of a clock of frequency f is at ceil(k * 10^12 / f) ps (edge 0 at time 0),
 * so a 200 MHz clock has edges every 5000 ps and a 228.57 MHz clock has edges that
 * are 4375 or 4376 ps apart, never drifting. Times past SIM_TIME_MAX saturate.
 * A clock whose init failed (hz 0) never ticks: its edges are at SIM_TIME_MAX and
 * it has completed 0 cycles at any time.
 */
struct sim_clock {
    const char *name;
    uint64_t hz;
};

int sim_clock_init(struct sim_clock *clk, const char *name, uint64_t hz); /* -EINVAL if hz is 0 or > 10^12 */
sim_time_t sim_clock_cycles(const struct sim_clock *clk, uint64_t cycles); /* time of edge `cycles` */
uint64_t sim_clock_to_cycles(const struct sim_clock *clk, sim_time_t t);   /* last edge at or before t */
sim_time_t sim_clock_next_edge(const struct sim_clock *clk, sim_time_t t); /* first edge >= t */

#endif
