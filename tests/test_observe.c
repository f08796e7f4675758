/*
 * test_observe.c - `iommusim run --vcd`, `--timeline` and `--stats-interval` against
 * times worked out by hand, and their bad arguments.
 *
 * tests/data/scenarios/observe.yaml runs with the memory of test_e2e_timing.c (one DRAM
 * channel, 8 B at 500 MHz = 2 ns a cycle, latency 40 ns) and without the walker's
 * descriptor fetch buffer (driver.bfb=false: an L2 descriptor is one 4-byte read, not a
 * 64-byte line, docs/walker.md); the msm8960 file gives the
 * fabric (200 MHz = 5 ns a cycle, 16-byte gateway, hop 2 cycles = 10 ns) and the mdp0
 * SMMU (200 MHz: lookup 1 cycle = 5 ns, walk start-up 2 cycles = 10 ns, one walker,
 * an 8-byte port). By the rules of docs/timing.md a 4-byte descriptor read arriving at
 * an idle system at a is done at a + link 5 + gateway 5 + hop 10 + DRAM 2 + 40 = a + 62
 * ns, and a 64-byte access at a + link 40 + gateway 20 + hop 10 + DRAM 16 + 40 = a + 126.
 *
 * The trace (observe.trc), closed loop, two bursts outstanding, fb mapped with 4 KiB
 * pages (a walk reads L1 and L2):
 *   0 ns    A = fb+0x0 and B = fb+0x40 issue. A misses: the walk begins at 0, its L1
 *           read arrives at 0 + 5 + 10 = 15 and is done at 77, its L2 read at 77 + 62
 *           = 139. B misses the same page and merges into A's walk.
 *   139     the walk ends, the TLB is filled (1 valid entry); A and B leave at once.
 *           A: link [139, 179], gateway [179, 199], hop to 209, DRAM [209, 225] + 40
 *           = 265. B: link [179, 219] (behind A), gateway [219, 239], hop to 249,
 *           DRAM [249, 265] + 40 = 305.
 *   265     A completes; C = fb+0x80 issues and hits: it leaves at 270: link
 *           [270, 310], gateway [310, 330], hop 340, DRAM [340, 356] + 40 = 396.
 *   305     B completes; D = 0x40000000 (unmapped) issues and misses: walk from 305,
 *           L1 read arriving at 320: link [320, 325], gateway busy with C until 330:
 *           [330, 335], hop 345, DRAM busy with C until 356: [356, 358] + 40 = 398.
 *   398     the L1 descriptor is invalid: a translation fault, level 1. The bank stalls
 *           (the driver's ACTLR.CFCFG), the interrupt handler terminates it at once
 *           (RESUME.TNR = 1), D completes with an error at 398.
 *   396     C completes (before D).
 * So: outstanding 2 from 0 (A and B), still 2 at 265 (A out, C in) and 305 (B out, D
 * in), 1 at 396, 0 at 398; walks 1 over [0, 139) and [305, 398); TLB valid 1 from 139.
 * Latency (ns): A 265, B 305, C 396 - 265 = 131, D 398 - 305 = 93; translation: A and
 * B 139, C 5 (the lookup), D none (an error).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

#define D "tests/data/scenarios/"
#define MEM "--set dram.channels=1 --set dram.clock=500MHz --set dram.latency=40ns " \
            "--set driver.bfb=false"
#define NS 1000ull

static struct proc pr;

/* ---- A VCD read back: each signal's changes, by the name in its scope --------------- */

#define VCD_MAX_SIGS    16
#define VCD_MAX_CHANGES 64

struct vcd_sig {
    char path[256];                 /* "smmu.mdp0.walks" */
    char id[64];
    unsigned n;
    uint64_t t[VCD_MAX_CHANGES], v[VCD_MAX_CHANGES];
};

struct vcd_file {
    char timescale[32];
    unsigned nsig;
    struct vcd_sig sig[VCD_MAX_SIGS];
};

static struct vcd_sig *vcd_by_id(struct vcd_file *f, const char *id)
{
    for (unsigned i = 0; i < f->nsig; i++)
        if (!strcmp(f->sig[i].id, id))
            return &f->sig[i];
    fail_msg("VCD: change of undeclared identifier '%s'", id);
    return NULL;
}

/* Parses the subset the writer uses (scopes, integer vars, #time, bVALUE ID). */
static void vcd_parse(const char *path, struct vcd_file *f)
{
    char *text = slurp(path, NULL), *save = NULL, scope[4][64];
    unsigned depth = 0;
    uint64_t now = 0;
    bool defs = true;

    assert_non_null(text);
    memset(f, 0, sizeof(*f));
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char a[64], b[64], c[64], d[64];
        if (defs) {
            if (sscanf(line, "$timescale %31[^$]$end", f->timescale) == 1)
                continue;
            if (sscanf(line, "$scope module %63s $end", a) == 1) {
                if (depth > 0)      /* below the top scope "iommusim" */
                    snprintf(scope[depth - 1], sizeof(scope[0]), "%s", a);
                depth++;
            } else if (!strncmp(line, "$upscope", 8)) {
                depth--;
            } else if (sscanf(line, "$var %63s %63s %63s %63s $end", a, b, c, d) == 4) {
                struct vcd_sig *s = &f->sig[f->nsig++];
                assert_true(f->nsig <= VCD_MAX_SIGS);
                assert_string_equal(a, "integer");
                snprintf(s->id, sizeof(s->id), "%s", c);
                snprintf(s->path, sizeof(s->path), "%s.%s.%s", scope[0], scope[1], d);
            } else if (!strncmp(line, "$enddefinitions", 15)) {
                defs = false;
            }
            continue;
        }
        if (line[0] == '#') {
            uint64_t t = strtoull(line + 1, NULL, 10);
            assert_true(t >= now);      /* time never goes back */
            now = t;
        } else if (line[0] == 'b') {
            char bits[80], id[64];
            assert_int_equal(sscanf(line, "b%79s %63s", bits, id), 2);
            struct vcd_sig *s = vcd_by_id(f, id);
            assert_true(s->n < VCD_MAX_CHANGES);
            s->t[s->n] = now;
            s->v[s->n++] = strtoull(bits, NULL, 2);
        }
    }
    free(text);
}

/* The value of signal `path` at time t: its last change at or before t. */
static uint64_t vcd_at(const struct vcd_file *f, const char *path, uint64_t t)
{
    for (unsigned i = 0; i < f->nsig; i++) {
        const struct vcd_sig *s = &f->sig[i];
        if (strcmp(s->path, path))
            continue;
        uint64_t v = 0;
        bool any = false;
        for (unsigned k = 0; k < s->n && s->t[k] <= t; k++) {
            v = s->v[k];
            any = true;
        }
        assert_true(any);
        return v;
    }
    fail_msg("VCD: no signal %s", path);
    return 0;
}

/* Number of times the written value of `path` changes after the dump at 0. */
static unsigned vcd_changes(const struct vcd_file *f, const char *path)
{
    for (unsigned i = 0; i < f->nsig; i++)
        if (!strcmp(f->sig[i].path, path))
            return f->sig[i].n - 1;
    fail_msg("VCD: no signal %s", path);
    return 0;
}

static void test_vcd_hand_timed(void **state)
{
    (void)state;
    const char *vcd = tmp_path("observe.vcd");
    struct vcd_file f;

    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --vcd %s", vcd), 0);
    vcd_parse(vcd, &f);
    assert_string_equal(f.timescale, "1 ps ");
    /* mdp0's SMMU (4 signals) and the master, nothing else (no other SMMU has a master) */
    assert_int_equal(f.nsig, 5);
    /* no TLB operation is written during the run: the SMMU is never busy with one */
    assert_int_equal(vcd_changes(&f, "smmu.mdp0.maint_busy"), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 0), 0);

    /* outstanding: 2 over [0, 396), 1 over [396, 398), 0 from 398 */
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 0), 2);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 265 * NS), 2);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 305 * NS), 2);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 396 * NS - 1), 2);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 396 * NS), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 398 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 398 * NS), 0);
    /* the same-time exchanges at 265 and 305 are not changes: 2 -> 1 -> 0 only */
    assert_int_equal(vcd_changes(&f, "master.mdp0.outstanding"), 2);

    /* one walk over [0, 139), one over [305, 398) */
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 0), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 139 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 139 * NS), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 305 * NS - 1), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 305 * NS), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 398 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 398 * NS), 0);
    assert_int_equal(vcd_changes(&f, "smmu.mdp0.walks"), 3);
    /* one walker, so nothing ever waits for it */
    assert_int_equal(vcd_changes(&f, "smmu.mdp0.walks_queued"), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks_queued", 1000 * NS), 0);

    /* the TLB: empty after bring-up, one entry from the fill at 139; D's walk fills nothing */
    assert_int_equal(vcd_at(&f, "smmu.mdp0.tlb_valid", 139 * NS - 1), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.tlb_valid", 139 * NS), 1);
    assert_int_equal(vcd_changes(&f, "smmu.mdp0.tlb_valid"), 1);
}

/*
 * observe_fifo.yaml: F at 0, line 1 (scan-out 1 us) and line 2 (scan-out 2 us) of one
 * 64-byte read each, a one-line FIFO. Line 1 waits only for the frame: it issues at 0,
 * misses (walk done at 139 ns, as above) and completes at 139 + 126 = 265 ns: the line
 * is in the FIFO from 265 until its scan-out at 1000. Line 2 may not be fetched before
 * line 1's scan-out has begun: it issues at 1000, hits (leaves at 1005) and completes at
 * 1005 + 126 = 1131; it is in the FIFO until 2000.
 */
static void test_vcd_fifo_level(void **state)
{
    (void)state;
    const char *vcd = tmp_path("fifo.vcd");
    struct vcd_file f;

    assert_int_equal(proc_run(&pr, "run " D "observe_fifo.yaml " MEM " --quiet --vcd %s", vcd), 0);
    vcd_parse(vcd, &f);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 0), 0);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 265 * NS - 1), 0);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 265 * NS), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 1000 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 1000 * NS), 0);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 1131 * NS), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 2000 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.fifo_level", 2000 * NS), 0);
    assert_int_equal(vcd_changes(&f, "master.mdp0.fifo_level"), 4);
    /* the requests: 1 over [0, 265) and [1000, 1131) */
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 264 * NS), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 265 * NS), 0);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 1000 * NS), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 1131 * NS), 0);
}

/* ---- The timeline: one "X" event a line, as the writer puts them -------------------- */

struct slice {
    char name[32], args[512];
    char ts[32], dur[32];
    unsigned pid, tid;
};

/* The complete events of a trace-event file, in file order. */
static unsigned timeline_slices(const char *path, struct slice *out, unsigned max)
{
    char *text = slurp(path, NULL), *save = NULL;
    unsigned n = 0;

    assert_non_null(text);
    assert_non_null(strstr(text, "\"traceEvents\": ["));
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strstr(line, "\"ph\": \"X\""))
            continue;
        assert_true(n < max);
        struct slice *s = &out[n++];
        const char *a = strstr(line, "\"args\": {");
        assert_int_equal(sscanf(line, "{\"name\": \"%31[^\"]\"", s->name), 1);
        assert_int_equal(sscanf(strstr(line, "\"ts\": "), "\"ts\": %31[0-9.]", s->ts), 1);
        assert_int_equal(sscanf(strstr(line, "\"dur\": "), "\"dur\": %31[0-9.]", s->dur), 1);
        assert_int_equal(sscanf(strstr(line, "\"pid\": "), "\"pid\": %u", &s->pid), 1);
        assert_int_equal(sscanf(strstr(line, "\"tid\": "), "\"tid\": %u", &s->tid), 1);
        snprintf(s->args, sizeof(s->args), "%s", a ? a + 9 : "");
        size_t len = strlen(s->args);
        if (len >= 3 && !strcmp(s->args + len - 3, "}},"))
            s->args[len - 3] = '\0';       /* the event's closing braces and comma */
        else if (len >= 2 && !strcmp(s->args + len - 2, "}}"))
            s->args[len - 2] = '\0';
    }
    free(text);
    return n;
}

/* The pid a process_name event gives to `name`. */
static unsigned timeline_pid(const char *path, const char *name)
{
    char *text = slurp(path, NULL), want[96];
    unsigned pid = 0;

    snprintf(want, sizeof(want), "\"args\": {\"name\": \"%s\"}", name);
    for (char *p = strstr(text, want); p && p > text; p--)
        if (*p == '{') {
            assert_non_null(strstr(p, "\"process_name\""));
            assert_int_equal(sscanf(strstr(p, "\"pid\": "), "\"pid\": %u", &pid), 1);
            break;
        }
    free(text);
    assert_true(pid != 0);
    return pid;
}

static void test_timeline_hand_timed(void **state)
{
    (void)state;
    const char *tl = tmp_path("observe.json");
    struct slice s[8];

    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --timeline %s", tl), 0);
    unsigned smmu = timeline_pid(tl, "smmu mdp0"), master = timeline_pid(tl, "master mdp0");
    assert_int_equal(timeline_slices(tl, s, 8), 3);
    /* the first walk, [0, 139 ns): 0.139 us, both descriptors; fb is at IOVA 0x20000
     * (test_run.c's steps.trc derivation: the display_read domain's first buffer) */
    assert_string_equal(s[0].name, "walk");
    assert_string_equal(s[0].ts, "0.000000");
    assert_string_equal(s[0].dur, "0.139000");
    assert_int_equal(s[0].pid, smmu);
    assert_string_equal(s[0].args, "\"ctx\": \"mdp_port0_cb0\", \"va\": \"0x00020000\", "
                        "\"queued_ps\": 0, \"desc_reads\": 2, \"fault\": \"none\"");
    /* D's walk, [305, 398 ns): one descriptor, the level-1 fault */
    assert_string_equal(s[1].name, "walk");
    assert_string_equal(s[1].ts, "0.305000");
    assert_string_equal(s[1].dur, "0.093000");
    assert_int_equal(s[1].tid, 0);      /* the one walker slot */
    assert_non_null(strstr(s[1].args, "\"va\": \"0x40000000\""));
    assert_non_null(strstr(s[1].args, "\"fault\": \"translation_l1\""));
    /* D's stall, on the master's track: at 398 and resumed (terminated) at once;
     * FSR.TF is bit 1 */
    assert_string_equal(s[2].name, "stall");
    assert_string_equal(s[2].ts, "0.398000");
    assert_string_equal(s[2].dur, "0.000000");
    assert_int_equal(s[2].pid, master);
    assert_non_null(strstr(s[2].args, "\"fsr\": \"0x00000002\", \"resume\": \"terminate\""));

    /* a window from 300 ns: the first walk ended at 139, it is left out */
    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --timeline %s "
                              "--timeline-window 300ns:1us", tl), 0);
    assert_int_equal(timeline_slices(tl, s, 8), 2);
    assert_string_equal(s[0].ts, "0.305000");
    assert_string_equal(s[1].name, "stall");
    /* a window that ends at 305 ns: only the first walk (a slice must start before END) */
    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --timeline %s "
                              "--timeline-window 100ns:305ns", tl), 0);
    assert_int_equal(timeline_slices(tl, s, 8), 1);
    assert_string_equal(s[0].ts, "0.000000");
}

/*
 * observe.yaml with observe_queue.trc: A = fb+0x0 and B = fb+0x1000, two pages, one
 * walker. A's walk runs over [0, 139) as above; B's waits for the slot (queued from 0)
 * and takes it at 139, when A's walk ends and its data leaves (A done at 265, as
 * above). B's L1 read arrives at 139 + 15 = 154: the link is A's until 179 ([179,
 * 184]); the gateway is A's until 199, so the read waits and is granted at 199
 * ([199, 204]); hop to 214; DRAM busy with A until 225: [225, 227] + 40 = 267. Its L2
 * read: link [267, 272], gateway [272, 277], hop 287, DRAM [287, 289] + 40 = 329: the
 * walk ends, the second entry is filled, B's data leaves and is done at 329 + 126 = 455.
 * So walks stays 1 from 0 to 329 (at 139 one ends as the next begins), walks_queued is 1
 * over [0, 139); the timeline's second walk is [139, 329) after 139 ns in the queue.
 */
static void test_queued_walk(void **state)
{
    (void)state;
    const char *vcd = tmp_path("queue.vcd"), *tl = tmp_path("queue.json");
    struct vcd_file f;
    struct slice s[4];

    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --set masters.mdp0.trace="
                              D "observe_queue.trc --quiet --vcd %s --timeline %s", vcd, tl), 0);
    vcd_parse(vcd, &f);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks_queued", 0), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks_queued", 139 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks_queued", 139 * NS), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 0), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 329 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.walks", 329 * NS), 0);
    assert_int_equal(vcd_changes(&f, "smmu.mdp0.walks"), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.tlb_valid", 139 * NS), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.tlb_valid", 329 * NS), 2);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 265 * NS), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 455 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "master.mdp0.outstanding", 455 * NS), 0);

    assert_int_equal(timeline_slices(tl, s, 4), 2);
    assert_string_equal(s[1].ts, "0.139000");
    assert_string_equal(s[1].dur, "0.190000");
    assert_int_equal(s[1].tid, 0);      /* the slot the first walk left */
    assert_string_equal(s[1].args, "\"ctx\": \"mdp_port0_cb0\", \"va\": \"0x00021000\", "
                        "\"queued_ps\": 139000, \"desc_reads\": 2, \"fault\": \"none\"");
}

/*
 * steps.yaml: the driver unmaps fb at 1 us and maps it again at 3 us: one slice each on
 * the driver's track, at exactly those times. remap_during_scan.yaml maps ui at 20 ms,
 * a step whose driver time test_scenarios.c works out as 740 ns under msm-3.4 (17
 * cache lines cleaned at 20 ns, a TLBIASID to each of 4 contexts at 100 ns): the slice
 * lasts that long. In a window of 19.9 ms .. 20.1 ms nothing starts before the step:
 * the display walks each of its eight 1 MiB sections once a frame, and the walk in the
 * window is the re-walk the step's TLBIASID causes, after 20 ms.
 */
static void test_timeline_driver_steps(void **state)
{
    (void)state;
    const char *tl = tmp_path("steps.json");
    struct slice s[16];
    unsigned n, steps = 0;

    assert_int_equal(proc_run(&pr, "run " D "steps.yaml --quiet --timeline %s", tl), 0);
    unsigned driver = timeline_pid(tl, "driver");
    n = timeline_slices(tl, s, 16);
    for (unsigned i = 0; i < n; i++) {
        if (s[i].pid != driver)
            continue;
        assert_string_equal(s[i].ts, steps ? "3.000000" : "1.000000");
        assert_string_equal(s[i].name, steps ? "step 1" : "step 0");
        assert_non_null(strstr(s[i].args, steps ? "\"unmap\": \"\", \"map\": \"fb\""
                                                : "\"unmap\": \"fb\", \"map\": \"\""));
        steps++;
    }
    assert_int_equal(steps, 2);

    assert_int_equal(proc_run(&pr, "run " D "remap_during_scan.yaml --quiet --timeline %s "
                              "--timeline-window 19.9ms:20.1ms", tl), 0);
    n = timeline_slices(tl, s, 16);
    driver = timeline_pid(tl, "driver");
    steps = 0;
    for (unsigned i = 0; i < n; i++) {
        assert_true(strtod(s[i].ts, NULL) >= 20000.0);
        if (s[i].pid != driver)
            continue;
        assert_string_equal(s[i].name, "step 0");
        assert_string_equal(s[i].ts, "20000.000000");
        assert_string_equal(s[i].dur, "0.740000");
        assert_string_equal(s[i].args, "\"unmap\": \"\", \"map\": \"ui\", \"driver_ps\": 740000");
        steps++;
    }
    assert_int_equal(steps, 1);
}

/*
 * steps.yaml: each step's driver work ends with TLB operations, which the timeline
 * shows arriving at 1.1 and 1.2 us for the unmap at 1 us and at 3.1 and 3.2 us for the
 * map at 3 us: the step's first two register writes, one 100 ns configuration-port
 * access apart (driver.mmio_latency). Each keeps mdp0 busy for tlb_op_cycles = 32 cycles
 * of its 200 MHz clock = 160 ns, one operation after the other (models/smmu_maint.h):
 * [1100, 1260) and [1260, 1420) ns, then [3100, 3260) and [3260, 3420). maint_busy is 1
 * over [1100, 1420) and [3100, 3420) and 0 elsewhere; the back-to-back periods are one
 * stretch.
 */
static void test_maintenance_busy(void **state)
{
    (void)state;
    const char *vcd = tmp_path("maint.vcd"), *tl = tmp_path("maint.json");
    struct vcd_file f;
    struct slice s[16];
    unsigned n, k = 0;
    static const char *const ts[] = { "1.100000", "1.260000", "3.100000", "3.260000" };
    static const char *const arrived[] = { "1100000", "1200000", "3100000", "3200000" };

    assert_int_equal(proc_run(&pr, "run " D "steps.yaml --quiet --vcd %s --timeline %s", vcd,
                              tl), 0);
    n = timeline_slices(tl, s, 16);
    for (unsigned i = 0; i < n; i++) {
        char want[64];
        if (strcmp(s[i].name, "tlbiasid"))
            continue;
        assert_true(k < 4);
        assert_string_equal(s[i].ts, ts[k]);
        assert_string_equal(s[i].dur, "0.160000");
        snprintf(want, sizeof(want), "\"arrived_ps\": %s,", arrived[k]);
        assert_non_null(strstr(s[i].args, want));
        k++;
    }
    assert_int_equal(k, 4);
    vcd_parse(vcd, &f);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 1100 * NS - 1), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 1100 * NS), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 1260 * NS), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 1420 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 1420 * NS), 0);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 3100 * NS), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 3420 * NS - 1), 1);
    assert_int_equal(vcd_at(&f, "smmu.mdp0.maint_busy", 3420 * NS), 0);
    assert_int_equal(vcd_changes(&f, "smmu.mdp0.maint_busy"), 4);
}

/* ---- Intervals --------------------------------------------------------------------- */

/* The value of (interval starting at start, name, stat) in DIR/intervals.csv, as text. */
static const char *interval(const char *csv, uint64_t start, const char *name, const char *stat)
{
    static char value[64];
    char want[256];
    int n = snprintf(want, sizeof(want), "\n%llu,", (unsigned long long)start);
    const char *p = csv;

    while ((p = strstr(p, want))) {
        char nm[128], st[64];
        unsigned long long a, b;
        value[0] = '\0';
        if (sscanf(p + 1, "%llu,%llu,%127[^,],%63[^,],%63[^\n]", &a, &b, nm, st, value) >= 4 &&
            !strcmp(nm, name) && !strcmp(st, stat))
            return value;
        p += n;
    }
    fail_msg("intervals.csv: no row %llu %s %s", (unsigned long long)start, name, stat);
    return NULL;
}

static void test_intervals_hand_timed(void **state)
{
    (void)state;
    const char *out = tmp_path("intervals");
    char path[4096];

    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --out %s "
                              "--stats-interval 200ns", out), 0);
    snprintf(path, sizeof(path), "%s/intervals.csv", out);
    char *csv = slurp(path, NULL);
    assert_non_null(csv);
    assert_memory_equal(csv, "interval_start_ps,interval_end_ps,name,stat,value\n", 50);
    /* the run ends at 398 ns: two intervals, [0, 200) and [200, 400) */
    assert_null(strstr(csv, "\n400000,"));
    assert_non_null(strstr(csv, "\n200000,400000,smmu.mdp0,transactions,2\n"));

    /* [0, 200): A and B missed (B merged into A's walk of two reads); nothing completed */
    const char *ctx = "smmu.mdp0.ctx.mdp_port0_cb0";
    assert_string_equal(interval(csv, 0, ctx, "translations"), "2");
    assert_string_equal(interval(csv, 0, ctx, "misses"), "2");
    assert_string_equal(interval(csv, 0, ctx, "merged_misses"), "1");
    assert_string_equal(interval(csv, 0, ctx, "walks"), "1");
    assert_string_equal(interval(csv, 0, ctx, "desc_reads"), "2");
    assert_string_equal(interval(csv, 0, "smmu.mdp0.tlb", "fills"), "1");
    assert_string_equal(interval(csv, 0, "master.mdp0", "bursts"), "0");
    assert_string_equal(interval(csv, 0, "master.mdp0.latency_ns", "count"), "0");
    assert_string_equal(interval(csv, 0, "master.mdp0.latency_ns", "max"), "");
    /* [200, 400): C hit, D missed and faulted (one read), stalled, was terminated;
     * all four bursts completed, three of 64 bytes without error */
    assert_string_equal(interval(csv, 200000, ctx, "hits"), "1");
    assert_string_equal(interval(csv, 200000, ctx, "misses"), "1");
    assert_string_equal(interval(csv, 200000, ctx, "desc_reads"), "1");
    assert_string_equal(interval(csv, 200000, ctx, "faults"), "1");
    assert_string_equal(interval(csv, 200000, ctx, "stalls"), "1");
    assert_string_equal(interval(csv, 200000, ctx, "terminated"), "1");
    assert_string_equal(interval(csv, 200000, "master.mdp0", "bursts"), "4");
    assert_string_equal(interval(csv, 200000, "master.mdp0", "bytes_read"), "192");
    assert_string_equal(interval(csv, 200000, "master.mdp0", "errors"), "1");
    /* latency 265, 305, 131, 93 ns: mean 794 / 4 = 198.5; min and max are exact */
    assert_string_equal(interval(csv, 200000, "master.mdp0.latency_ns", "count"), "4");
    assert_string_equal(interval(csv, 200000, "master.mdp0.latency_ns", "mean"), "198.5");
    assert_string_equal(interval(csv, 200000, "master.mdp0.latency_ns", "min"), "93");
    assert_string_equal(interval(csv, 200000, "master.mdp0.latency_ns", "max"), "305");
    /* translation 139, 139, 5 ns (D had an error): the median is 139 */
    assert_string_equal(interval(csv, 200000, "master.mdp0.translation_ns", "count"), "3");
    assert_string_equal(interval(csv, 200000, "master.mdp0.translation_ns", "min"), "5");
    assert_string_equal(interval(csv, 200000, "master.mdp0.translation_ns", "p50"), "139");

    /* every counter's intervals add up to the run's total in stats.csv */
    static const char *const totals[][2] = {
        { "smmu.mdp0.ctx.mdp_port0_cb0", "misses" }, { "smmu.mdp0.ctx.mdp_port0_cb0", "walks" },
        { "smmu.mdp0.walker", "desc_reads" }, { "smmu.mdp0", "transactions" },
        { "master.mdp0", "bursts" }, { "master.mdp0", "bytes_read" },
    };
    for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
        char name[160];
        uint64_t sum = strtoull(interval(csv, 0, totals[i][0], totals[i][1]), NULL, 10) +
                       strtoull(interval(csv, 200000, totals[i][0], totals[i][1]), NULL, 10);
        snprintf(name, sizeof(name), "%s.%s", totals[i][0], totals[i][1]);
        assert_int_equal(sum, stats_u64(out, name));
    }
    free(csv);
}

/*
 * `iommusim plot RUNDIR` on the intervals above: the context's misses, merged misses
 * and walks per interval as counted there; the master's bandwidth is the interval's
 * bytes over its 200 ns: 0, then 192 B / 200 ns = 960 MB/s; its translation latency
 * has no value in the first interval (nothing completed) and 139 ns (p50, p99, max of
 * 139, 139, 5) in the second. Without gnuplot: the same data files, no image, the note.
 */
static void test_plot_intervals(void **state)
{
    (void)state;
    const char *out = tmp_path("plotrun");
    char path[4096], *dat;

    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --out %s "
                              "--stats-interval 200ns", out), 0);
    assert_int_equal(proc_sh(&pr, "mkdir -p %s/empty_bin && PATH=%s/empty_bin %s plot %s", out,
                             out, proc_prog(), out), 0);
    assert_string_equal(pr.err, "iommusim plot: gnuplot not found; plots skipped (install "
                        "gnuplot-nox)\n");
    snprintf(path, sizeof(path), "%s/plots/intervals-ctx-mdp_port0_cb0.dat", out);
    dat = slurp(path, NULL);
    assert_non_null(dat);
    assert_string_equal(dat, "# smmu.mdp0.ctx.mdp_port0_cb0 per interval of 200000 ps, from "
                        "intervals.csv\ntime_ms misses merged_misses walks\n"
                        "0.000000 2 1 1\n0.000200 1 0 1\n");
    free(dat);
    snprintf(path, sizeof(path), "%s/plots/intervals-master-mdp0.dat", out);
    dat = slurp(path, NULL);
    assert_non_null(dat);
    assert_string_equal(dat, "# master.mdp0 per interval of 200000 ps, from intervals.csv\n"
                        "time_ms MB/s p50_ns p99_ns max_ns\n"
                        "0.000000 0 ? ? ?\n0.000200 960 139 139 139\n");
    free(dat);
    snprintf(path, sizeof(path), "%s/plots/intervals-master-mdp0.png", out);
    assert_false(file_exists(path));
    if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
        assert_int_equal(proc_run(&pr, "plot %s", out), 0);
        assert_true(file_exists(path));
    }
}

/*
 * remap_during_scan.yaml maps ui at 20 ms, and the step's TLBIASID removes the display's
 * 8 section entries from mdp0's TLB (tests/test_scenarios.c): in 1 ms intervals, all of
 * the run's TLB maintenance is in [20, 21) ms: 8 entries removed, and every translation
 * that waited for the busy period (the run's smmu.mdp0.maint.delayed and delay_ps) waited
 * there; every other interval has none.
 */
static void test_intervals_maintenance(void **state)
{
    (void)state;
    const char *out = tmp_path("remap");
    char path[4096];

    assert_int_equal(proc_run(&pr, "run " D "remap_during_scan.yaml --quiet --out %s "
                              "--stats-interval 1ms", out), 0);
    snprintf(path, sizeof(path), "%s/intervals.csv", out);
    char *csv = slurp(path, NULL);
    assert_non_null(csv);
    const uint64_t at = 20000000000ull;
    assert_string_equal(interval(csv, at, "smmu.mdp0.maint", "entries_removed"), "8");
    assert_int_equal(strtoull(interval(csv, at, "smmu.mdp0.maint", "delayed"), NULL, 10),
                     stats_u64(out, "smmu.mdp0.maint.delayed"));
    assert_int_equal(strtoull(interval(csv, at, "smmu.mdp0.maint", "delay_ps"), NULL, 10),
                     stats_u64(out, "smmu.mdp0.maint.delay_ps"));
    assert_true(stats_u64(out, "smmu.mdp0.maint.delayed") > 0);
    for (uint64_t k = 0; k < 20; k++)
        assert_string_equal(interval(csv, k * 1000000000ull, "smmu.mdp0.maint", "delayed"), "0");
    free(csv);
}

/* ---- The results do not change -------------------------------------------------------- */

static void same_stats(const char *args)
{
    const char *a = tmp_path("plain"), *b = tmp_path("observed");

    assert_int_equal(proc_run(&pr, "run %s --quiet --out %s", args, a), 0);
    assert_int_equal(proc_run(&pr, "run %s --quiet --out %s --stats-interval 100us --vcd %s/w.vcd "
                              "--timeline %s/t.json", args, b, b, b), 0);
    assert_int_equal(proc_sh(&pr, "cmp %s/stats.json %s/stats.json && cmp %s/stats.csv "
                             "%s/stats.csv", a, b, a, b), 0);
}

static void test_results_unchanged(void **state)
{
    (void)state;
    same_stats(D "observe.yaml " MEM);
    same_stats(D "steps.yaml");
    same_stats("configs/scenarios/rotate_90_1080p.yaml");
    same_stats("configs/scenarios/video_playback_1080p30.yaml --set duration=5ms");
}

/* ---- Bad arguments ---------------------------------------------------------------------- */

static void expect(const char *args, int status, const char *message)
{
    proc_run(&pr, "%s", args);
    if (strcmp(pr.err, message))
        fail_msg("iommusim %s\n  stderr:   %s  expected: %s", args, pr.err, message);
    assert_int_equal(pr.status, status);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char args[4096], want[4096];

    expect("run " D "observe.yaml --stats-interval 0 --out /tmp", 2,
           "iommusim run: --stats-interval 0: expected a time above 0, e.g. 1ms, 250us or "
           "100000ps\n");
    expect("run " D "observe.yaml --stats-interval often --out /tmp", 2,
           "iommusim run: --stats-interval often: expected a time above 0, e.g. 1ms, 250us or "
           "100000ps\n");
    /* 1 ms of duration in 1 ps intervals: 10^9 of them */
    snprintf(args, sizeof(args), "run " D "observe.yaml --stats-interval 1ps --out %s",
             tmp_path("many"));
    expect(args, 2, "iommusim run: --stats-interval 1 ps gives more than 1000000 intervals "
           "over the scenario's duration of 1000000000 ps\n");
    expect("run " D "observe.yaml --timeline-window 1ms:2ms", 2,
           "iommusim run: --timeline-window needs --timeline FILE\n");
    expect("run " D "observe.yaml --timeline t.json --timeline-window 2ms:1ms", 2,
           "iommusim run: --timeline-window 2ms:1ms: expected START:END, two times with START "
           "before END, e.g. 10ms:12ms\n");
    expect("run " D "observe.yaml --timeline t.json --timeline-window 2ms", 2,
           "iommusim run: --timeline-window 2ms: expected START:END, e.g. 10ms:12ms\n");
    expect("run " D "observe.yaml --vcd a.vcd --vcd b.vcd", 2,
           "iommusim run: --vcd is given twice ('a.vcd', then 'b.vcd'): it takes one value\n");
    expect("run " D "observe.yaml --mode functional --vcd a.vcd", 2,
           "iommusim run: --vcd needs a timing run: the functional mode has no time (drop it, "
           "or run with --mode timing)\n");
    /* a file that cannot be created: exit 1, naming the option and the path, nothing left */
    snprintf(args, sizeof(args), "run " D "observe.yaml --quiet --vcd %s/no/such/dir/w.vcd",
             tmp_dir());
    proc_run(&pr, "%s", args);
    assert_int_equal(pr.status, 1);
    snprintf(want, sizeof(want), "iommusim run: --vcd: cannot write %s/no/such/dir/w.vcd: No "
             "such file or directory\n", tmp_dir());
    assert_non_null(strstr(pr.err, want));
    snprintf(args, sizeof(args), "run " D "observe.yaml --quiet --timeline %s/none/t.json",
             tmp_dir());
    proc_run(&pr, "%s", args);
    assert_int_equal(pr.status, 1);
    snprintf(want, sizeof(want), "iommusim run: --timeline: cannot write %s/none/t.json: No "
             "such file or directory\n", tmp_dir());
    assert_non_null(strstr(pr.err, want));
}

/* A run that writes its files leaves no temporary file beside them. */
static void test_no_temporary_left(void **state)
{
    (void)state;
    const char *out = tmp_path("clean");

    assert_int_equal(proc_run(&pr, "run " D "observe.yaml " MEM " --quiet --out %s "
                              "--stats-interval 200ns --vcd %s/w.vcd --timeline %s/t.json", out,
                              out, out), 0);
    assert_int_equal(proc_sh(&pr, "ls %s", out), 0);
    assert_string_equal(pr.out, "config.json\nconfig.yaml\nhistograms.csv\nintervals.csv\n"
                        "run.host.json\nrun.json\nstats.csv\nstats.done\nstats.json\nt.json\n"
                        "w.vcd\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vcd_hand_timed),
        cmocka_unit_test(test_vcd_fifo_level),
        cmocka_unit_test(test_timeline_hand_timed),
        cmocka_unit_test(test_queued_walk),
        cmocka_unit_test(test_timeline_driver_steps),
        cmocka_unit_test(test_maintenance_busy),
        cmocka_unit_test(test_intervals_hand_timed),
        cmocka_unit_test(test_intervals_maintenance),
        cmocka_unit_test(test_plot_intervals),
        cmocka_unit_test(test_results_unchanged),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_no_temporary_left),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    proc_free(&pr);
    return rc;
}
