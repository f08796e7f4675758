/*
 * kernel.cpp - the simulation kernel API of sim/core/kernel.h over SystemC 2.3.
 *
 * The only C++ in the tree. SystemC drives time: one sc_event ("wakeup") and one
 * method process sensitive to it. The shim itself keeps every pending callback in
 * a binary min-heap keyed by (time, sequence number). SystemC gives no order
 * between processes made runnable in the same delta cycle, so the order rule of
 * kernel.h (same time: first notified, first run) is implemented here, by the
 * sequence number, and not left to the SystemC scheduler.
 *
 * The method process, when woken at time T, runs every heap entry due at T in
 * (time, seq) order, including work those callbacks add at T, then notifies the
 * wakeup event for the time of the new heap top. sim_run() arms the wakeup event
 * and calls sc_start() for the right duration.
 *
 * Events are deleted lazily: cancelling an event, or moving its notification
 * earlier, leaves its old heap entry behind; an entry is live only while its
 * sequence number is still the event's pending one. Dead entries are dropped when
 * they reach the top, or all at once when they outnumber the live ones.
 *
 * A lane keeps its own callbacks in a ring, in key order, and the heap holds one
 * entry for the lane's first; a lane entry is live while its key is that first's.
 */
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

extern "C" {
#include "sim/core/kernel.h"
}

/* Picoseconds per second: clock arithmetic and the required time resolution. */
#define PS_PER_S 1000000000000ULL

/* Compact the heap once this many dead entries exist and they are the majority. */
#define STALE_COMPACT_MIN 1024

struct sim_event {
    char *name;
    sim_callback_fn fn;
    void *arg;
    bool pending;
    sim_time_t when;            /* valid while pending */
    uint64_t seq;               /* sequence number of the live heap entry */
    uint32_t in_heap;           /* heap entries (live or dead) pointing here */
    struct sim_event *prev, *next;  /* all events, so that sim_reset reaches them */
};

/* A lane's callback waiting its turn; key as in the heap (time, then sequence). */
struct lane_slot {
    unsigned __int128 key;
    void *arg;
};

/*
 * A lane: its callbacks in key order in a ring of cap (a power of two) slots, the
 * first at `head`. While it holds any, the heap holds an entry whose key is the
 * first one's; an entry with any other key is a leftover from before an earlier
 * callback overtook the first, and dies when it surfaces.
 */
struct sim_lane {
    char *name;
    sim_callback_fn fn;
    struct lane_slot *ring;
    size_t head, n, cap;
    struct sim_lane *prev, *next;   /* all lanes, so that sim_reset reaches them */
};

namespace {

typedef unsigned __int128 heap_key;

/*
 * One pending callback. The key is time in the upper 64 bits and the sequence
 * number in the lower 64, so one integer comparison gives the order rule. A
 * one-shot carries fn and arg; an event entry has fn NULL and arg pointing to the
 * sim_event; a lane's entry has fn lane_tag and arg pointing to the sim_lane; an
 * entry whose event or lane was freed has both NULL.
 */
struct entry {
    heap_key key;
    sim_callback_fn fn;
    void *arg;
};

struct kernel {
    entry *heap;                /* binary min-heap on key */
    size_t n, cap;
    uint64_t seq;
    uint64_t stale;             /* dead entries still in the heap */
    uint64_t callbacks;
    bool running;               /* inside sim_run */
    bool stop;                  /* sim_stop asked for a return */
    bool started;               /* sc_start was called in the current context */
    sim_time_t until;           /* limit of the current sim_run */
    sim_time_t quantum;         /* callbacks one activation may run ahead of SystemC */
    struct sim_event *events;
    struct sim_lane *lanes;
    sc_core::sc_simcontext *ctx;
    sc_core::sc_simcontext *first;  /* the library's own context; never deleted */
    sc_core::sc_event *wakeup;
};

kernel initial_kernel(void)
{
    kernel init = {};
    init.quantum = SIM_QUANTUM_DEFAULT;
    return init;
}

kernel k = initial_kernel();

#define HEAP_MIN_CAP 64
#define LANE_MIN_CAP 16

inline heap_key make_key(sim_time_t t, uint64_t seq)
{
    return (heap_key)t << 64 | seq;
}

inline sim_time_t key_time(heap_key key)
{
    return (sim_time_t)(key >> 64);
}

inline uint64_t key_seq(heap_key key)
{
    return (uint64_t)key;
}

inline sim_time_t top_time(void)
{
    return key_time(k.heap[0].key);
}

void heap_grow(void)
{
    size_t cap = k.cap ? 2 * k.cap : HEAP_MIN_CAP;
    void *p = std::realloc(k.heap, cap * sizeof(entry));

    if (!p) {
        /* sim_schedule and sim_event_notify have no way to report this. */
        std::fprintf(stderr, "sim kernel: out of memory for %zu pending callbacks\n", cap);
        std::abort();
    }
    k.heap = static_cast<entry *>(p);
    k.cap = cap;
}

inline void heap_push(const entry &e)
{
    entry *h;
    size_t i = k.n;

    if (i == k.cap)
        heap_grow();
    h = k.heap;
    k.n = i + 1;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h[parent].key <= e.key)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = e;
}

/* Index of the smaller child of the node whose first child is c < n. */
inline size_t heap_min_child(const entry *h, size_t c, size_t n)
{
    return c + 1 < n && h[c + 1].key < h[c].key ? c + 1 : c;
}

/* Refills the hole at index i with e, moving smaller children up. */
void heap_sift_down(size_t i, const entry &e)
{
    entry *h = k.heap;
    size_t n = k.n;

    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        size_t best = heap_min_child(h, c, n);
        if (e.key <= h[best].key)
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = e;
}

/*
 * Removes the top. The element moved into the hole comes from the bottom and
 * almost always belongs near the bottom again, so the hole is first walked down
 * to a leaf along the smaller children and the element then sifted up from
 * there: one comparison fewer per level than a plain sift-down.
 */
inline entry heap_pop(void)
{
    entry *h = k.heap;
    entry top = h[0];
    size_t n = --k.n, i = 0;

    if (n == 0)
        return top;
    const entry last = h[n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        size_t best = heap_min_child(h, c, n);
        h[i] = h[best];
        i = best;
    }
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h[parent].key <= last.key)
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = last;
    return top;
}

/* Marks a lane's entry; never called. */
void lane_tag(void *)
{
    std::abort();
}

/* A lane entry is live while its key is its lane's first callback's. */
inline bool lane_entry_live(const entry &e)
{
    const struct sim_lane *q = static_cast<const struct sim_lane *>(e.arg);

    return q->n && q->ring[q->head].key == e.key;
}

inline bool entry_live(const entry &e)
{
    if (e.fn == lane_tag)
        return lane_entry_live(e);
    if (e.fn)
        return true;
    const struct sim_event *ev = static_cast<const struct sim_event *>(e.arg);
    return ev && ev->pending && ev->seq == key_seq(e.key);
}

/* Forgets a dead entry leaving the heap. */
inline void entry_drop(const entry &e)
{
    if (!e.fn && e.arg)
        static_cast<struct sim_event *>(e.arg)->in_heap--;
    k.stale--;
}

void heap_drop_dead_top(void)
{
    while (k.n && !entry_live(k.heap[0]))
        entry_drop(heap_pop());
}

/* Rebuilds the heap from its live entries; done when dead ones dominate. */
void heap_compact(void)
{
    entry *h = k.heap;
    size_t out = 0;

    for (size_t i = 0; i < k.n; i++) {
        if (entry_live(h[i]))
            h[out++] = h[i];
        else
            entry_drop(h[i]);
    }
    k.n = out;
    for (size_t i = out / 2; i-- > 0;)
        heap_sift_down(i, h[i]);
}

inline void note_stale(void)
{
    k.stale++;
    if (k.stale >= STALE_COMPACT_MIN && k.stale > k.n / 2)
        heap_compact();
}

inline sim_time_t time_after(sim_time_t delay)
{
    return delay > SIM_TIME_MAX - sim_clock_now ? SIM_TIME_MAX : sim_clock_now + delay;
}

inline sc_core::sc_time ps(sim_time_t v)
{
    return sc_core::sc_time::from_value(v);
}

/* Runs one popped event entry; false if it was dead. */
inline bool event_fire(const entry &e)
{
    struct sim_event *ev = static_cast<struct sim_event *>(e.arg);

    if (!ev || !ev->pending || ev->seq != key_seq(e.key)) {
        entry_drop(e);
        return false;
    }
    ev->in_heap--;
    ev->pending = false;
    sim_clock_now = key_time(e.key);
    ev->fn(ev->arg);
    return true;
}

/*
 * Runs the first callback of the lane whose entry is at the top; false if the
 * entry was a leftover. The lane's next callback takes the entry's place in one
 * sift-down, rather than a pop now and a push later.
 */
inline bool lane_fire(void)
{
    struct sim_lane *q = static_cast<struct sim_lane *>(k.heap[0].arg);

    if (!lane_entry_live(k.heap[0])) {
        entry_drop(heap_pop());
        return false;
    }
    const lane_slot first = q->ring[q->head];
    q->head = (q->head + 1) & (q->cap - 1);
    if (--q->n)
        heap_sift_down(0, entry{q->ring[q->head].key, lane_tag, q});
    else
        (void)heap_pop();
    sim_clock_now = key_time(first.key);
    q->fn(first.arg);
    return true;
}

/*
 * Runs everything due up to `limit`, in (time, seq) order, until sim_stop; the
 * shim's time follows each callback.
 */
inline void run_due(sim_time_t limit)
{
    while (k.n && top_time() <= limit) {
        if (k.heap[0].fn == lane_tag) {
            if (!lane_fire())       /* a leftover entry moves no time */
                continue;
        } else {
            entry e = heap_pop();
            if (e.fn) {
                sim_clock_now = key_time(e.key);
                e.fn(e.arg);
            } else if (!event_fire(e)) {    /* a dead entry moves no time */
                continue;
            }
        }
        k.callbacks++;
        if (k.stop)
            break;
    }
}

/*
 * The body of the one method process. Dead entries at the top are dropped before
 * re-arming, so that SystemC never wakes up for them: a run without a limit then
 * ends exactly at the time of its last callback.
 */
void dispatch(void)
{
    sim_time_t now = sc_core::sc_time_stamp().value();
    sim_time_t limit = now + std::min(k.quantum, k.until - now);

    sim_clock_now = now;
    run_due(limit);
    if (k.stop) {
        /* sim_run re-arms the wakeup event when it is called again. */
        sc_core::sc_pause();
        return;
    }
    if (k.n && !entry_live(k.heap[0]))
        heap_drop_dead_top();
    if (k.n)
        k.wakeup->notify(ps(top_time() - now));
}

void banner_off(void)
{
    /* Must happen before the first simulation context prints its banner. */
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
}

inline sim_time_t sc_now(void)
{
    return sc_core::sc_time_stamp().value();
}

/* Creates the wakeup event and the method process in the current context. */
void context_populate(void)
{
    sc_core::sc_spawn_options opt;

    k.wakeup = new sc_core::sc_event("iommusim_wakeup");
    opt.spawn_method();
    opt.dont_initialize();
    opt.set_sensitivity(k.wakeup);
    sc_core::sc_spawn(&dispatch, "iommusim_dispatch", &opt);
    k.started = false;
}

void kernel_init(void)
{
    if (k.ctx)
        return;
    banner_off();
    k.ctx = sc_core::sc_get_curr_simcontext();
    k.first = k.ctx;
    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS)) {
        std::fprintf(stderr, "sim kernel: SystemC time resolution is not 1 ps\n");
        std::abort();
    }
    context_populate();
}

/*
 * Replaces the SystemC context by a fresh one: time back to 0, nothing pending.
 * The library's first context stays alive (unused) because static objects inside
 * libsystemc, such as sc_event::none, belong to it and are destroyed at exit.
 */
void context_renew(void)
{
    sc_core::sc_simcontext *old = k.ctx;

    k.wakeup->cancel();
    /*
     * A cancelled timed notification stays in SystemC's queue until the kernel looks
     * past it, and deleting the context does not free what is queued (a leak per run
     * stopped with work pending). Asking for the next timed activity makes SystemC
     * drop and free the cancelled ones at the head of the queue: here all of them.
     */
    (void)sc_core::sc_pending_activity_at_future_time();
    delete k.wakeup;
    k.wakeup = nullptr;
    k.ctx = new sc_core::sc_simcontext;
    sc_core::sc_curr_simcontext = k.ctx;
    sc_core::sc_default_global_context = k.ctx;
    if (old != k.first)
        delete old;
    context_populate();
}

/* Runs SystemC for `duration`; SystemC reports errors by throwing. */
void start(sim_time_t duration, sc_core::sc_starvation_policy policy)
{
    k.started = true;
    try {
        sc_core::sc_start(ps(duration), policy);
    } catch (const std::exception &ex) {
        std::fprintf(stderr, "sim kernel: SystemC error: %s\n", ex.what());
        std::abort();
    }
}

/*
 * Events and lanes alike: a zeroed record with its own copy of the name (NULL: none),
 * NULL when memory runs out; kept on a list of all of its kind, for sim_reset.
 */
template <class T> T *new_named(const char *name)
{
    T *x = static_cast<T *>(std::calloc(1, sizeof(T)));

    if (x && name && !(x->name = strdup(name))) {
        std::free(x);
        return NULL;
    }
    return x;
}

template <class T> void list_push(T *&head, T *x)
{
    x->next = head;
    if (head)
        head->prev = x;
    head = x;
}

template <class T> void list_remove(T *&head, T *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        head = x->next;
    if (x->next)
        x->next->prev = x->prev;
}

}  // namespace

/*
 * libsystemc.so carries a main() that calls sc_main(). The program's own main()
 * always wins, so this one only exists to satisfy the link; reaching it means the
 * program was linked without a main of its own.
 */
int sc_main(int, char *[])
{
    std::fprintf(stderr, "iommusim: no main() was linked with the simulation kernel\n");
    return 1;
}

extern "C" {

sim_time_t sim_clock_now;       /* kernel.h: written here only */

struct sim_event *sim_event_new(const char *name, sim_callback_fn fn, void *arg)
{
    struct sim_event *ev;

    if (!fn || !(ev = new_named<struct sim_event>(name)))
        return NULL;
    ev->fn = fn;
    ev->arg = arg;
    list_push(k.events, ev);
    return ev;
}

void sim_event_free(struct sim_event *ev)
{
    if (!ev)
        return;
    if (ev->pending) {
        ev->pending = false;
        note_stale();
    }
    /* Freed memory must not be reached from the heap: mark its entries. */
    for (size_t i = 0; ev->in_heap && i < k.n; i++) {
        entry &e = k.heap[i];
        if (!e.fn && e.arg == ev) {
            e.arg = NULL;
            ev->in_heap--;
        }
    }
    list_remove(k.events, ev);
    std::free(ev->name);
    std::free(ev);
}

void sim_event_notify(struct sim_event *ev, sim_time_t delay)
{
    sim_time_t t;

    if (!ev)
        return;
    t = time_after(delay);
    if (ev->pending) {
        if (ev->when <= t)
            return;
        note_stale();
    }
    ev->pending = true;
    ev->when = t;
    ev->seq = k.seq++;
    ev->in_heap++;
    heap_push(entry{make_key(t, ev->seq), NULL, ev});
}

void sim_event_cancel(struct sim_event *ev)
{
    if (!ev || !ev->pending)
        return;
    ev->pending = false;
    note_stale();
}

bool sim_event_pending(const struct sim_event *ev)
{
    return ev && ev->pending;
}

const char *sim_event_name(const struct sim_event *ev)
{
    return ev && ev->name ? ev->name : "";
}

void sim_schedule(sim_time_t delay, sim_callback_fn fn, void *arg)
{
    if (!fn)
        return;
    heap_push(entry{make_key(time_after(delay), k.seq++), fn, arg});
}

struct sim_lane *sim_lane_new(const char *name, sim_callback_fn fn)
{
    struct sim_lane *q;

    if (!fn || !(q = new_named<struct sim_lane>(name)))
        return NULL;
    q->fn = fn;
    list_push(k.lanes, q);
    return q;
}

void sim_lane_free(struct sim_lane *q)
{
    if (!q)
        return;
    /* Its live entry dies with it; freed memory must not be reached from the heap. */
    for (size_t i = 0; i < k.n; i++) {
        entry &e = k.heap[i];
        if (e.fn == lane_tag && e.arg == q) {
            if (lane_entry_live(e))
                k.stale++;
            e.fn = NULL;
            e.arg = NULL;
        }
    }
    list_remove(k.lanes, q);
    std::free(q->ring);
    std::free(q->name);
    std::free(q);
}

/* Doubles the ring, its callbacks moved to the start in order. */
void lane_grow(struct sim_lane *q)
{
    size_t cap = q->cap ? 2 * q->cap : LANE_MIN_CAP;
    lane_slot *ring = static_cast<lane_slot *>(std::malloc(cap * sizeof(lane_slot)));

    if (!ring) {
        std::fprintf(stderr, "sim kernel: out of memory for %zu callbacks of lane %s\n",
                     cap, q->name ? q->name : "");
        std::abort();
    }
    for (size_t i = 0; i < q->n; i++)
        ring[i] = q->ring[(q->head + i) & (q->cap - 1)];
    std::free(q->ring);
    q->ring = ring;
    q->cap = cap;
    q->head = 0;
}

/*
 * Puts a callback that does not come after the lane's last in its place; later
 * ones move up a slot. A new first gets an entry of its own, which makes the old
 * first's entry a leftover.
 */
__attribute__((noinline)) void lane_insert(struct sim_lane *q, heap_key key, void *arg)
{
    size_t mask, i;

    if (q->n == q->cap)
        lane_grow(q);
    mask = q->cap - 1;
    for (i = q->n; i > 0; i--) {
        const lane_slot &before = q->ring[(q->head + i - 1) & mask];
        if (before.key < key)
            break;
        q->ring[(q->head + i) & mask] = before;
    }
    q->ring[(q->head + i) & mask] = lane_slot{key, arg};
    q->n++;
    if (i == 0) {
        if (q->n > 1)
            note_stale();
        heap_push(entry{key, lane_tag, q});
    }
}

void sim_lane_schedule(struct sim_lane *q, sim_time_t delay, void *arg)
{
    heap_key key;
    size_t n;

    if (!q)
        return;
    key = make_key(time_after(delay), k.seq++);
    n = q->n;
    /* The common case: after the lane's last, with room in the ring. */
    if (n && n < q->cap) {
        size_t mask = q->cap - 1, tail = (q->head + n) & mask;
        if (q->ring[(tail - 1) & mask].key < key) {
            q->ring[tail] = lane_slot{key, arg};
            q->n = n + 1;
            return;
        }
    }
    lane_insert(q, key, arg);
}

uint64_t sim_lane_pending(const struct sim_lane *q)
{
    return q ? q->n : 0;
}

uint64_t sim_run(sim_time_t until)
{
    uint64_t first = k.callbacks;

    if (k.running) {
        std::fprintf(stderr, "sim_run: called from a callback; ignored\n");
        return 0;
    }
    if (until < sim_clock_now)
        return 0;
    kernel_init();
    heap_drop_dead_top();
    if (!k.n || top_time() > until) {
        /* Nothing to run: only time moves (SystemC warns about an idle sc_start). */
        if (until != SIM_TIME_MAX && until > sim_clock_now) {
            k.wakeup->cancel();
            start(until - sc_now(), sc_core::SC_RUN_TO_TIME);
            sim_clock_now = until;
        }
        return 0;
    }
    k.running = true;
    k.stop = false;
    k.until = until;
    if (until == sim_clock_now) {
        /*
         * A zero-length sc_start runs a single delta cycle, which only makes the
         * method runnable; no time passes, so run the due work here instead.
         */
        run_due(sim_clock_now);
    } else {
        k.wakeup->cancel();
        k.wakeup->notify(ps(top_time() - sc_now()));
        if (until == SIM_TIME_MAX)
            start(SIM_TIME_MAX - sc_now(), sc_core::SC_EXIT_ON_STARVATION);
        else
            start(until - sc_now(), sc_core::SC_RUN_TO_TIME);
        /*
         * sc_start(d) returns at now + d before running the processes that this
         * time triggers; kernel.h promises that work due exactly at `until` runs,
         * so finish that time step with zero-length starts (one delta each).
         */
        while (!k.stop && sc_core::sc_pending_activity_at_current_time())
            start(0, sc_core::SC_RUN_TO_TIME);
        /* SystemC may be up to a quantum behind the last callback, never ahead */
        sim_clock_now = std::max(sim_clock_now, sc_now());
    }
    k.running = false;
    k.stop = false;
    return k.callbacks - first;
}

uint64_t sim_run_ahead(sim_time_t until)
{
    uint64_t first = k.callbacks;

    if (k.running) {
        std::fprintf(stderr, "sim_run_ahead: called from a callback; ignored\n");
        return 0;
    }
    if (until < sim_clock_now)
        return 0;
    k.running = true;
    k.stop = false;
    run_due(until);
    if (!k.stop && until != SIM_TIME_MAX)
        sim_clock_now = until;
    k.running = false;
    k.stop = false;
    return k.callbacks - first;
}

void sim_set_quantum(sim_time_t quantum)
{
    k.quantum = quantum;
}

sim_time_t sim_quantum(void)
{
    return k.quantum;
}

void sim_stop(void)
{
    if (k.running)
        k.stop = true;
}

bool sim_pending(sim_time_t *next)
{
    heap_drop_dead_top();
    if (!k.n)
        return false;
    if (next)
        *next = top_time();
    return true;
}

void sim_reset(void)
{
    if (k.running) {
        std::fprintf(stderr, "sim_reset: called from a callback; ignored\n");
        return;
    }
    k.n = 0;
    k.stale = 0;
    k.seq = 0;
    sim_clock_now = 0;
    k.callbacks = 0;
    for (struct sim_event *ev = k.events; ev; ev = ev->next) {
        ev->pending = false;
        ev->in_heap = 0;
    }
    for (struct sim_lane *q = k.lanes; q; q = q->next) {
        q->head = 0;
        q->n = 0;
    }
    if (k.ctx && k.started) {
        context_renew();
        return;
    }
    /*
     * A platform that calls sc_start itself (the TLM wrapper's, docs/tlm.md) used the
     * current context without sim_run: it is renewed too, so that time is 0 again and
     * a new platform can be elaborated.
     */
    sc_core::sc_simcontext *cur = sc_core::sc_get_curr_simcontext();
    if (cur->elaboration_done() || cur->time_stamp() != sc_core::SC_ZERO_TIME) {
        if (!k.ctx)
            kernel_init();
        context_renew();
    }
}

uint64_t sim_callbacks_run(void)
{
    return k.callbacks;
}

int sim_clock_init(struct sim_clock *clk, const char *name, uint64_t hz)
{
    if (!clk)
        return -EINVAL;
    clk->name = name;
    if (hz == 0 || hz > PS_PER_S) {
        clk->hz = 0;            /* a clock that never ticks, not a stale one */
        return -EINVAL;
    }
    clk->hz = hz;
    return 0;
}

static bool clock_ok(const struct sim_clock *clk)
{
    return clk && clk->hz && clk->hz <= PS_PER_S;
}

sim_time_t sim_clock_cycles(const struct sim_clock *clk, uint64_t cycles)
{
    unsigned __int128 t;

    if (!clock_ok(clk))
        return SIM_TIME_MAX;
    /* ceil(cycles * 10^12 / hz): the edge is never early, and never drifts. */
    t = ((unsigned __int128)cycles * PS_PER_S + clk->hz - 1) / clk->hz;
    return t > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)t;
}

uint64_t sim_clock_to_cycles(const struct sim_clock *clk, sim_time_t t)
{
    if (!clock_ok(clk))
        return 0;
    /*
     * ceil(k * 10^12 / hz) <= t  <=>  k * 10^12 / hz <= t (t is an integer)
     * <=> k <= t * hz / 10^12, so the last edge at or before t is the floor.
     */
    return (uint64_t)((unsigned __int128)t * clk->hz / PS_PER_S);
}

sim_time_t sim_clock_next_edge(const struct sim_clock *clk, sim_time_t t)
{
    uint64_t c;
    sim_time_t edge;

    if (!clock_ok(clk))
        return SIM_TIME_MAX;
    c = sim_clock_to_cycles(clk, t);
    edge = sim_clock_cycles(clk, c);
    return edge == t ? t : sim_clock_cycles(clk, c + 1);
}

}  // extern "C"
