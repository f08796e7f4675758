/*
 * test_plot.c - `iommusim plot` on hand-made results.csv files.
 *
 * The program runs as a subprocess (IOMMUSIM, as in test_run.c) on copies of the
 * fixtures in tests/data/plot/, each copied to OUT/CASE/results.csv. The data
 * files' contents are checked byte for byte against values worked out by hand
 * from the fixture; the images only for existence and their format's magic bytes
 * (what gnuplot draws is not this program's arithmetic).
 *
 * full.csv, the main fixture: a sweep of
 *   param:buffers.*.policy         4k, best, 64k   (deliberately not in size order)
 *   param:smmus.*.tlb.entries      64, 16          (deliberately decreasing)
 *   param:memory.ram.fragmentation 0, 0.5
 * the last varying fastest, so point = 4 * policy + 2 * entries + fragmentation:
 *   0 4k/64/0    1 4k/64/0.5    2 4k/16/0    3 4k/16/0.5
 *   4 best/64/0  5 best/64/0.5  6 best/16/0  7 best/16/0.5
 *   8 64k/64/0   9 64k/64/0.5  10 64k/16/0 (failed, empty fields)  11 64k/16/0.5
 * Point 0 is the first that succeeded, so a param a figure does not spread its
 * points over is held at entries 64, fragmentation 0. Every value that a figure
 * must not pick (the wrong fragmentation, the wrong entries) is a conspicuous
 * 0.9 / 2048 / 8192 / 7 / 99 in the fixture, so picking it shows.
 * Two SMMU contexts translate: mdp0.mdp_port0_cb0 (32768 translations) and
 * rot.rot_src (16384); mdp0.mdp_port1_cb0 has 0 translations everywhere. Two
 * masters, listed rot then mdp0 (the other order from the contexts): rot has
 * 16384 bursts, 1 MiB read + 1 MiB written = 2048 KiB, 0 frames; mdp0 has 32768
 * bursts, 2 MiB read = 2048 KiB, 4 frames; both have latencies (a timed run).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

#define DATA    "tests/data/plot/"

/* The last run (tests/lib/proc.h); each case works in OUT/CASE, OUT the scratch
 * directory (tests/lib/file.h). */
static struct proc pr;
#define OUT     tmp_dir()

static long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) ? -1 : (long)st.st_size;
}

/*
 * Copies DATA/CASE.csv to OUT/CASE/results.csv (a fresh directory), and what the
 * directory DATA/CASE/ holds (a sweep's points/) when there is one, and runs
 * `ENV iommusim plot OUT/CASE ARGS`. Returns the exit status; stdout and stderr
 * in *out and *err (until the next run).
 */
static int plot(const char *csv, const char *env, const char *args, char **out, char **err)
{
    proc_sh(&pr, "rm -rf %s/%s && mkdir -p %s/%s && cp " DATA "%s.csv %s/%s/results.csv && "
            "{ [ ! -d " DATA "%s ] || cp -R " DATA "%s/. %s/%s/; } && "
            "unset IOMMUSIM_PLOTS && %s '%s' plot %s/%s %s", OUT, csv, OUT, csv, csv, OUT, csv,
            csv, csv, OUT, csv, env, proc_prog(), OUT, csv, args);
    *out = pr.out;
    *err = pr.err;
    return pr.status;
}

/* Runs `iommusim plot ARGS` (no fixture); exit status, stdout, stderr. */
static int plot_args(const char *args, char **out, char **err)
{
    proc_run(&pr, "plot %s", args);
    *out = pr.out;
    *err = pr.err;
    return pr.status;
}

/* A file of the plots of case `csv`: OUT/CSV/plots/NAME. */
static const char *plots(const char *csv, const char *name)
{
    return tmp_path("%s/plots/%s", csv, name);
}

/* The environment of a run that finds no gnuplot: PATH is an empty directory. */
static const char *no_gnuplot(void)
{
    static char env[4096];

    snprintf(env, sizeof(env), "mkdir -p %s/empty_bin && PATH=%s/empty_bin", OUT, OUT);
    return env;
}

static bool have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

/* Whether gnuplot draws PDF too (plots/common.gp: when it has pdfcairo). */
static bool have_pdf(void)
{
    return have_gnuplot() &&
           system("gnuplot -e 'print GPVAL_TERMINALS' 2>&1 | grep -qw pdfcairo") == 0;
}

/* What `plot` prints after a figure's .dat when gnuplot drew it. */
static const char *image_suffix(void)
{
    return have_pdf() ? ", .png, .svg, .pdf" : ", .png, .svg";
}

/* Removes every "[PDF](NAME.pdf), " from s, in place: index.md without pdfcairo. */
static void strip_pdf_links(char *s)
{
    char *at;

    while ((at = strstr(s, "[PDF]("))) {
        char *end = strstr(at, "), ");
        assert_non_null(end);
        memmove(at, end + 3, strlen(end + 3) + 1);
    }
}

static void expect_file(const char *path, const char *want)
{
    char *got = slurp(path, NULL);

    if (!got)
        fail_msg("%s was not written", path);
    if (strcmp(got, want))
        fail_msg("%s:\n%s\nexpected:\n%s", path, got, want);
    free(got);
}

static void expect_text(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want))
        fail_msg("%s:\n%s\nexpected:\n%s", what, got, want);
}

/* ---- the data files of full.csv --------------------------------------------------------- */


static const char *const full_figures[] = {
    "miss-rate-mdp_port0_cb0", "miss-rate-rot_src", "desc-reads-all", "latency-cdf-rot",
    "latency-cdf-mdp0", "frames-mdp0", "page-mix-best",
};
#define NFULL (sizeof(full_figures) / sizeof(full_figures[0]))

/*
 * Miss rate (%) = miss_rate x 100 at fragmentation 0 (points 0, 2, 4, 6, 8; 10
 * failed), rows by entries ascending, columns by policy in size order:
 *   mdp_port0_cb0: 16: 4k 0.5 -> 50, 64k failed -> ?, best 0.0625 -> 6.25
 *                  64: 4k 0.25 -> 25, 64k 0.125 -> 12.5, best 0.03125 -> 3.125
 *   rot_src:       16: 4k 0.75 -> 75, 64k ?, best 0.1 -> 10
 *                  64: 4k 0.5 -> 50, 64k 0.2 -> 20, best 0.05 -> 5
 * (0.1 x 100 is 10.000000000000002 in binary; 9 significant digits give 10.)
 */
static const char miss_mdp[] =
    "# TLB miss rate (%) of context mdp0.mdp_port0_cb0: smmu.mdp0.ctx.mdp_port0_cb0.miss_rate"
    " x 100\n"
    "# rows: TLB entries (param:smmus.*.tlb.entries); columns: page-size policy "
    "(param:buffers.*.policy)\n"
    "# held at the first point's value: memory.ram.fragmentation = 0\n"
    "# ? marks a value that no selected point has\n"
    "entries 4k 64k best\n"
    "16 50 ? 6.25\n"
    "64 25 12.5 3.125\n";

static const char miss_rot[] =
    "# TLB miss rate (%) of context rot.rot_src: smmu.rot.ctx.rot_src.miss_rate x 100\n"
    "# rows: TLB entries (param:smmus.*.tlb.entries); columns: page-size policy "
    "(param:buffers.*.policy)\n"
    "# held at the first point's value: memory.ram.fragmentation = 0\n"
    "# ? marks a value that no selected point has\n"
    "entries 4k 64k best\n"
    "16 75 ? 10\n"
    "64 50 20 5\n";

/*
 * Entries 64, fragmentation 0: points 0 (4k), 8 (64k), 4 (best). Every master
 * moves 2048 KiB, 4096 KiB in all. Pairs by burst count: mdp_port0_cb0 (32768
 * translations) with mdp0 (32768 bursts), rot_src (16384) with rot (16384).
 *   4k:   desc reads 1024 + 0 + 4096 = 5120 / 4096 = 1.25; 1024 / 2048 = 0.5;
 *         4096 / 2048 = 2
 *   64k:  64 + 512 = 576 / 4096 = 0.140625; 64 / 2048 = 0.03125; 512 / 2048 = 0.25
 *   best: 4 + 32 = 36 / 4096 = 0.0087890625; 4 / 2048 = 0.001953125;
 *         32 / 2048 = 0.015625
 */
static const char desc_reads[] =
    "# descriptor reads per KiB transferred, per page-size policy (param:buffers.*.policy)\n"
    "# all: the sum of smmu.*.ctx.*.desc_reads over the sum of every master's (bytes_read + "
    "bytes_written) / 1024\n"
    "# then per context: its desc_reads over the KiB of the master whose bursts equal its "
    "translations\n"
    "# held at the first point's value: smmus.*.tlb.entries = 64, memory.ram.fragmentation = "
    "0\n"
    "# ? marks a value that no selected point has\n"
    "policy all mdp_port0_cb0 rot_src\n"
    "4k 1.25 0.5 2\n"
    "64k 0.140625 0.03125 0.25\n"
    "best 0.0087890625 0.001953125 0.015625\n";

/*
 * Points 0, 8, 4: min, p50, p90, p99, max of rot at fractions 0, .5, .9, .99, 1,
 * and p5 (after max in the header), one digit: 5 %, fraction 0.05, 110 ns. The
 * fixture has no points/ directory, so the figure falls back to these quantiles.
 */
static const char latency_rot[] =
    "# translation latency (ns) of master rot at each quantile of master.rot.translation_ns (min 0, pNN "
    "0.NN, p999 0.999, max 1)\n"
    "# rows: fraction of bursts; columns: page-size policy (param:buffers.*.policy)\n"
    "# from the quantiles: a point has no points/NNNN/histograms.csv\n"
    "# held at the first point's value: smmus.*.tlb.entries = 64, memory.ram.fragmentation = "
    "0\n"
    "# ? marks a value that no selected point has\n"
    "fraction 4k 64k best\n"
    "0 100 100 100\n"
    "0.05 110 110 110\n"
    "0.5 200 150 120\n"
    "0.9 400 300 200\n"
    "0.99 800 500 300\n"
    "1 1600 900 600\n";

/* mdp0 also has p999, after max in the header: sorted by fraction it goes before it. */
static const char latency_mdp[] =
    "# translation latency (ns) of master mdp0 at each quantile of master.mdp0.translation_ns (min 0, "
    "pNN 0.NN, p999 0.999, max 1)\n"
    "# rows: fraction of bursts; columns: page-size policy (param:buffers.*.policy)\n"
    "# from the quantiles: a point has no points/NNNN/histograms.csv\n"
    "# held at the first point's value: smmus.*.tlb.entries = 64, memory.ram.fragmentation = "
    "0\n"
    "# ? marks a value that no selected point has\n"
    "fraction 4k 64k best\n"
    "0 50 50 50\n"
    "0.5 100 90 80\n"
    "0.9 150 120 100\n"
    "0.99 200 160 130\n"
    "0.999 400 300 200\n"
    "1 500 350 250\n";

/* mdp0, 4 frames: 4k 2 late -> 50 %, 30 underruns; 64k 1 -> 25 %, 5; best 0, 0.
 * rot has 0 frames: no figure. */
static const char frames_mdp[] =
    "# master mdp0 per page-size policy (param:buffers.*.policy)\n"
    "# late_pct: late_frames / frames x 100; underruns: display lines that ran dry\n"
    "# held at the first point's value: smmus.*.tlb.entries = 64, memory.ram.fragmentation = "
    "0\n"
    "# ? marks a value that no selected point has\n"
    "policy late_pct underruns\n"
    "4k 50 30\n"
    "64k 25 5\n"
    "best 0 0\n";

/*
 * Policy best, entries 64: points 4 (fragmentation 0) and 5 (0.5). Pages summed
 * over fb.display_read and rot_in.rotator_src:
 *   0:   4k 0 + 4, 64k 0 + 4, 1m 8 + 4, 16m 0 = 4, 4, 12, 0 of 20 -> 20, 20, 60, 0 %
 *   0.5: 16 + 8, 8 + 8, 0, 0 = 24, 16, 0, 0 of 40 -> 60, 40, 0, 0 %
 * By bytes, each count times its page size:
 *   0:   4 x 4 KiB = 16384, 4 x 64 KiB = 262144, 12 x 1 MiB = 12582912; in all
 *        12861440 = 785 x 16384, so 1/785, 16/785, 768/785 of it:
 *        0.127388535, 2.03821656, 97.8343949, 0 %
 *   0.5: 24 x 4 KiB = 98304, 16 x 64 KiB = 1048576; in all 1146880 = 280 x 4096,
 *        so 24/280 and 256/280: 8.57142857, 91.4285714, 0, 0 %
 */
static const char page_mix[] =
    "# share (%) of the pages mapping the buffers, by size: the sum of buffer.*.*.pages_SIZE "
    "over the sum of all four\n"
    "# bytes_SIZE: the share (%) of the bytes they map: each count times its page size "
    "(4096, 65536, 1048576, 16777216)\n"
    "# rows: RAM fragmentation (param:memory.ram.fragmentation); page-size policy best\n"
    "# held at the first point's value: smmus.*.tlb.entries = 64\n"
    "# ? marks a value that no selected point has\n"
    "fragmentation 4k 64k 1m 16m bytes_4k bytes_64k bytes_1m bytes_16m\n"
    "0 20 20 60 0 0.127388535 2.03821656 97.8343949 0\n"
    "0.5 60 40 0 0 8.57142857 91.4285714 0 0\n";

static void expect_full_data(void)
{
    expect_file(plots("full", "miss-rate-mdp_port0_cb0.dat"), miss_mdp);
    expect_file(plots("full", "miss-rate-rot_src.dat"), miss_rot);
    expect_file(plots("full", "desc-reads-all.dat"), desc_reads);
    expect_file(plots("full", "latency-cdf-rot.dat"), latency_rot);
    expect_file(plots("full", "latency-cdf-mdp0.dat"), latency_mdp);
    expect_file(plots("full", "frames-mdp0.dat"), frames_mdp);
    expect_file(plots("full", "page-mix-best.dat"), page_mix);
    /* no figure for the context without translations or the master without frames */
    assert_int_equal(file_size(plots("full", "miss-rate-mdp_port1_cb0.dat")), -1);
    assert_int_equal(file_size(plots("full", "frames-rot.dat")), -1);
}

static void expect_full_stdout(const char *out, const char *suffix)
{
    char want[4096];
    size_t n = 0;

    n += (size_t)snprintf(want + n, sizeof(want) - n,
                          "note: 1 of 12 points failed and are left out\n");
    for (size_t i = 0; i < NFULL; i++)
        n += (size_t)snprintf(want + n, sizeof(want) - n, "wrote %s/full/plots/%s.dat%s\n",
                              OUT, full_figures[i], suffix);
    snprintf(want + n, sizeof(want) - n, "wrote %s/full/plots/index.md (7 figures)\n", OUT);
    expect_text("stdout", out, want);
}

/* The data files, stdout, and that every figure has a PNG and an SVG. */
static void test_full(void **state)
{
    char *out, *err, path[512];

    (void)state;
    if (!have_gnuplot())
        skip();
    assert_int_equal(plot("full", "", "", &out, &err), 0);
    expect_text("stderr", err, "");
    expect_full_stdout(out, image_suffix());
    expect_full_data();
    for (size_t i = 0; i < NFULL; i++) {
        char *png, *svg;
        snprintf(path, sizeof(path), "%s/full/plots/%s.png", OUT, full_figures[i]);
        png = slurp(path, NULL);
        if (!png || file_size(path) < 8)
            fail_msg("%s is missing or empty", path);
        /* PNG signature (ISO/IEC 15948, 5.2): 89 50 4E 47 0D 0A 1A 0A */
        assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
        snprintf(path, sizeof(path), "%s/full/plots/%s.svg", OUT, full_figures[i]);
        svg = slurp(path, NULL);
        if (!svg || !svg[0])
            fail_msg("%s is missing or empty", path);
        if (strncmp(svg, "<?xml", 5) && strncmp(svg, "<svg", 4))
            fail_msg("%s does not start with <?xml or <svg", path);
        free(png);
        free(svg);
    }
}

/* index.md as expected with PDF links, less those when gnuplot has no pdfcairo. */
static void expect_index(const char *path, const char *with_pdf)
{
    char *want = strdup(with_pdf);

    assert_non_null(want);
    if (!have_pdf())
        strip_pdf_links(want);
    expect_file(path, want);
    free(want);
}

/*
 * index.md: the name from sweep.txt's scenario= (directory and .yaml dropped),
 * one section per figure, subtitles naming the held params.
 */
static void test_index(void **state)
{
    char *out, *err, env[4096];

    (void)state;
    if (!have_gnuplot())
        skip();
    snprintf(env, sizeof(env), "echo 'scenario=/x/configs/scenarios/demo_scn.yaml' > "
             "%s/full/sweep.txt &&", OUT);
    assert_int_equal(plot("full", env, "", &out, &err), 0);
    expect_index(plots("full", "index.md"),
        "# Plots of demo_scn\n"
        "\n"
        "Made by `iommusim plot` from results.csv: 12 points, 1 failed (left out).\n"
        "Each figure's numbers are in its .dat file; plots/README.md in the source tree says "
        "how to read them.\n"
        "\n"
        "## miss-rate-mdp_port0_cb0\n"
        "\n"
        "demo_scn: TLB miss rate vs TLB entries (context mdp0.mdp_port0_cb0; with "
        "memory.ram.fragmentation = 0)\n"
        "\n"
        "![miss-rate-mdp_port0_cb0](miss-rate-mdp_port0_cb0.png)\n"
        "\n"
        "[SVG](miss-rate-mdp_port0_cb0.svg), [PDF](miss-rate-mdp_port0_cb0.pdf), "
        "[data](miss-rate-mdp_port0_cb0.dat)\n"
        "\n"
        "## miss-rate-rot_src\n"
        "\n"
        "demo_scn: TLB miss rate vs TLB entries (context rot.rot_src; with "
        "memory.ram.fragmentation = 0)\n"
        "\n"
        "![miss-rate-rot_src](miss-rate-rot_src.png)\n"
        "\n"
        "[SVG](miss-rate-rot_src.svg), [PDF](miss-rate-rot_src.pdf), "
        "[data](miss-rate-rot_src.dat)\n"
        "\n"
        "## desc-reads-all\n"
        "\n"
        "demo_scn: descriptor reads per KiB transferred vs page-size policy (all contexts, "
        "then each with its master; with smmus.*.tlb.entries = 64, memory.ram.fragmentation "
        "= 0)\n"
        "\n"
        "![desc-reads-all](desc-reads-all.png)\n"
        "\n"
        "[SVG](desc-reads-all.svg), [PDF](desc-reads-all.pdf), [data](desc-reads-all.dat)\n"
        "\n"
        "## latency-cdf-rot\n"
        "\n"
        "demo_scn: translation latency distribution per page-size policy (master rot; with "
        "smmus.*.tlb.entries = 64, memory.ram.fragmentation = 0)\n"
        "\n"
        "![latency-cdf-rot](latency-cdf-rot.png)\n"
        "\n"
        "[SVG](latency-cdf-rot.svg), [PDF](latency-cdf-rot.pdf), [data](latency-cdf-rot.dat)\n"
        "\n"
        "## latency-cdf-mdp0\n"
        "\n"
        "demo_scn: translation latency distribution per page-size policy (master mdp0; with "
        "smmus.*.tlb.entries = 64, memory.ram.fragmentation = 0)\n"
        "\n"
        "![latency-cdf-mdp0](latency-cdf-mdp0.png)\n"
        "\n"
        "[SVG](latency-cdf-mdp0.svg), [PDF](latency-cdf-mdp0.pdf), [data](latency-cdf-mdp0.dat)\n"
        "\n"
        "## frames-mdp0\n"
        "\n"
        "demo_scn: late frames and line underruns vs page-size policy (master mdp0; with "
        "smmus.*.tlb.entries = 64, memory.ram.fragmentation = 0)\n"
        "\n"
        "![frames-mdp0](frames-mdp0.png)\n"
        "\n"
        "[SVG](frames-mdp0.svg), [PDF](frames-mdp0.pdf), [data](frames-mdp0.dat)\n"
        "\n"
        "## page-mix-best\n"
        "\n"
        "demo_scn: page-size mix vs RAM fragmentation (all buffers, policy best; with "
        "smmus.*.tlb.entries = 64)\n"
        "\n"
        "![page-mix-best](page-mix-best.png)\n"
        "\n"
        "[SVG](page-mix-best.svg), [PDF](page-mix-best.pdf), [data](page-mix-best.dat)\n");
}

/*
 * Without gnuplot in PATH: the message, status 0, the same data files, no image;
 * index.md links the data files only. --title names the sweep (else the
 * directory's name would: "full").
 */
static void test_no_gnuplot(void **state)
{
    char *out, *err, *index, path[512];

    (void)state;
    assert_int_equal(plot("full", no_gnuplot(), "--title 'no images'", &out, &err), 0);
    expect_text("stderr", err,
                "iommusim plot: gnuplot not found; plots skipped (install gnuplot-nox)\n");
    expect_full_stdout(out, "");
    expect_full_data();
    for (size_t i = 0; i < NFULL; i++) {
        snprintf(path, sizeof(path), "%s/full/plots/%s.png", OUT, full_figures[i]);
        assert_int_equal(file_size(path), -1);
        snprintf(path, sizeof(path), "%s/full/plots/%s.svg", OUT, full_figures[i]);
        assert_int_equal(file_size(path), -1);
    }
    index = slurp(plots("full", "index.md"), NULL);
    assert_non_null(index);
    assert_non_null(strstr(index, "# Plots of no images\n"));
    assert_non_null(strstr(index, "\nNo images: gnuplot was not found when these files were "
                                  "made.\n"));
    assert_non_null(strstr(index, "\n## page-mix-best\n\nno images: page-size mix vs RAM "
                                  "fragmentation (all buffers, policy best; with "
                                  "smmus.*.tlb.entries = 64)\n\n[data](page-mix-best.dat)\n"));
    assert_null(strstr(index, ".png"));
    free(index);
}

/*
 * index.md cannot be written (a directory of that name is in the way: rename(2) gives
 * EISDIR): status 1, the path and the reason in one sentence, the directory left as it
 * was and no temporary (NAME.tmp.PID) anywhere in the output.
 */
static void test_index_not_writable(void **state)
{
    char *out, *err, env[8192], want[4096];

    (void)state;
    snprintf(env, sizeof(env), "rm -rf %s/blocked && mkdir -p %s/blocked/index.md && %s", OUT,
             OUT, no_gnuplot());
    snprintf(want, sizeof(want), "--out %s/blocked", OUT);
    assert_int_equal(plot("full", env, want, &out, &err), 1);
    snprintf(want, sizeof(want), "iommusim plot: cannot write %s/blocked/index.md: Is a "
             "directory\n", OUT);
    assert_non_null(strstr(err, want));
    struct stat st;
    assert_int_equal(stat(tmp_path("blocked/index.md"), &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    proc_sh(&pr, "find %s/blocked -name '*.tmp.*'", OUT);
    assert_int_equal(pr.status, 0);
    assert_string_equal(pr.out, "");
}

/*
 * flat.csv varies only param:seed; its policy param has one value. Nothing can be
 * drawn, each kind says why; index.md is still written, titled by the directory.
 */
static void test_nothing_varied(void **state)
{
    char *out, *err, *index, want[4096];

    (void)state;
    assert_int_equal(plot("flat", "", "", &out, &err), 0);
    expect_text("stderr", err, "");
    snprintf(want, sizeof(want),
        "skipped miss-rate: the sweep does not vary a TLB size (a param: key ending in "
        "tlb.entries)\n"
        "skipped desc-reads: the sweep does not vary a page-size policy (a param: key ending in "
        ".policy)\n"
        "skipped latency-cdf: the sweep does not vary a page-size policy (a param: key ending "
        "in .policy)\n"
        "skipped frames: the sweep does not vary a page-size policy (a param: key ending in "
        ".policy)\n"
        "skipped page-mix: the sweep does not vary the RAM fragmentation (a param: key ending "
        "in fragmentation)\n"
        "wrote %s/flat/plots/index.md (0 figures)\n", OUT);
    expect_text("stdout", out, want);
    index = slurp(plots("flat", "index.md"), NULL);
    assert_non_null(index);
    assert_int_equal(strncmp(index, "# Plots of flat\n", 16), 0);
    assert_non_null(strstr(index, "\n## Not drawn\n\n- miss-rate: the sweep does not vary a "
                                  "TLB size (a param: key ending in tlb.entries)\n"));
    free(index);
}

/*
 * functional.csv: policy 4k and best (the header's param: column and one value are
 * quoted), one context, latencies all 0 as in a functional run. desc-reads has no
 * per-context column; 4k: 512 reads / 64 KiB = 8, best: 2 / 64 = 0.03125. Latency
 * and frames are skipped for want of time, not of variation.
 */
static void test_functional_sweep(void **state)
{
    char *out, *err, want[4096];

    (void)state;
    assert_int_equal(plot("functional", no_gnuplot(), "", &out, &err), 0);
    snprintf(want, sizeof(want),
        "skipped miss-rate: the sweep does not vary a TLB size (a param: key ending in "
        "tlb.entries)\n"
        "skipped latency-cdf: no master recorded a translation latency (a functional-mode sweep "
        "records none)\n"
        "skipped frames: no master counted frames in a timed run (late frames and underruns "
        "need --mode timing)\n"
        "skipped page-mix: the sweep does not vary the RAM fragmentation (a param: key ending "
        "in fragmentation)\n"
        "wrote %s/functional/plots/desc-reads-all.dat\n"
        "wrote %s/functional/plots/index.md (1 figure)\n", OUT, OUT);
    expect_text("stdout", out, want);
    expect_file(plots("functional", "desc-reads-all.dat"),
        "# descriptor reads per KiB transferred, per page-size policy "
        "(param:buffers.*.policy)\n"
        "# all: the sum of smmu.*.ctx.*.desc_reads over the sum of every master's "
        "(bytes_read + bytes_written) / 1024\n"
        "# no per-context columns: one context translated\n"
        "# ? marks a value that no selected point has\n"
        "policy all\n"
        "4k 8\n"
        "best 0.03125\n");
}

/* Each malformed results.csv: the file, the line, what is wrong; status 1. */
static void test_malformed(void **state)
{
    static const struct {
        const char *csv, *message;
    } cases[] = {
        { "bad_header", ":1: error: the header must start with point,status (found "
                        "'point,state')\n" },
        { "bad_order", ":1: error: column 5: 'param:b' comes after the statistics (the "
                       "param: columns come first)\n" },
        { "bad_dup", ":1: error: column 5: 'a.b' repeats column 4\n" },
        { "bad_fields", ":3: error: 3 fields, the header has 4\n" },
        { "bad_status", ":2: error: field 2 (status): 'done' is not ok or failed\n" },
        { "bad_number", ":2: error: field 4 (smmu.rot.ctx.rot_src.miss_rate): '0.5%' is not "
                        "a number\n" },
        { "bad_entries", ":3: error: field 4 (param:smmus.*.tlb.entries): 'lots' is not a "
                         "positive number\n" },
        { "bad_quote", ":2: error: field 3: the quoted field is not closed\n" },
        { "all_failed", ": error: no point succeeded (2 rows, all failed): nothing to plot\n" },
    };
    char want[1024], *out, *err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(want, sizeof(want), "iommusim plot: %s/%s/results.csv%s", OUT, cases[i].csv,
                 cases[i].message);
        assert_int_equal(plot(cases[i].csv, "", "", &out, &err), 1);
        expect_text(cases[i].csv, err, want);
        expect_text("stdout", out, "");
    }
    snprintf(want, sizeof(want), "%s --out %s/none", OUT, OUT);
    assert_int_equal(plot_args(want, &out, &err), 1);
    snprintf(want, sizeof(want), "iommusim plot: %s/results.csv: error: cannot open: No such "
             "file or directory\n", OUT);
    expect_text("missing", err, want);
}

static void test_usage(void **state)
{
    static const struct {
        const char *args, *message;
    } cases[] = {
        { "", "iommusim plot: missing the sweep directory (iommusim plot DIR)\n" },
        { "a b", "iommusim plot: one directory at a time: 'a' and 'b'\n" },
        { "a --bogus", "iommusim plot: unknown option '--bogus' (options: --out, --title, "
                       "--mrc, --help)\n" },
        { "a --title x --title y", "iommusim plot: --title is given twice ('x', then 'y'): it takes one value\n" },
        { "a --out", "iommusim plot: --out needs a value\n" },
        { "a --title=", "iommusim plot: --title needs a non-empty value\n" },
    };
    char *out, *err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(plot_args(cases[i].args, &out, &err), 2);
        expect_text(cases[i].args, err, cases[i].message);
    }
    assert_int_equal(plot_args("--help", &out, &err), 0);
    assert_int_equal(strncmp(out, "usage: iommusim plot DIR [--out PLOTDIR] [--title TEXT]\n",
                             56), 0);
}

/* A wrong IOMMUSIM_PLOTS is an error, not a quiet fall-back to another plots/. */
static void test_bad_plots_dir(void **state)
{
    char *out, *err, env[4096], want[4096];

    (void)state;
    if (!have_gnuplot())
        skip();
    snprintf(env, sizeof(env), "IOMMUSIM_PLOTS=%s/nowhere", OUT);
    assert_int_equal(plot("functional", env, "", &out, &err), 1);
    snprintf(want, sizeof(want), "iommusim plot: IOMMUSIM_PLOTS=%s/nowhere: no common.gp there "
             "(it names the directory of the plot scripts, plots/ in the source tree)\n", OUT);
    expect_text("stderr", err, want);
}

/* ---- the histograms of the points -------------------------------------------------------- */

/*
 * hist.csv: policies 4k (point 0) and 1m (point 1) of master mdp0; hist/points/
 * holds each point's histograms.csv, with a decoy master rot in both. In
 * picoseconds, 4k: [100,100] x 2, [1000,1007] x 4, [4992,5000] x 2, 8 bursts;
 * 1m: [100,100] x 3, [1000,1003] x 1, 4 bursts. A bucket [lo,hi] spreads its
 * bursts evenly over [lo, hi + 1), so each policy's distribution F is, at its
 * edges,
 *   4k: F(100) 0, F(101) 2/8, F(1000) 2/8, F(1008) 6/8, F(4992) 6/8, F(5001) 1
 *   1m: F(100) 0, F(101) 3/4, F(1000) 3/4, F(1004) 1
 * The rows are the union of the edges, 100 101 1000 1004 1008 4992 5001 ps,
 * written in ns. 4k at 1004 lies inside its bucket [1000, 1008): 2/8 + 4/8 x
 * (1004 - 1000) / (1008 - 1000) = 0.5. 1m is ? above 1004, its slowest + 1 ps.
 */
static const char latency_hist[] =
    "# translation latency distribution of master mdp0, from every bucket of "
    "master.mdp0.translation_ps in each point's points/NNNN/histograms.csv\n"
    "# rows: latency (ns) at each bucket edge of any policy; columns: page-size policy "
    "(param:buffers.*.policy), the fraction of bursts below that latency\n"
    "# within a bucket the bursts are taken as spread evenly; ? below a policy's fastest "
    "burst and above its slowest\n"
    "# ? marks a value that no selected point has\n"
    "latency_ns 4k 1m\n"
    "0.1 0 0\n"
    "0.101 0.25 0.75\n"
    "1 0.25 0.75\n"
    "1.004 0.5 1\n"
    "1.008 0.75 ?\n"
    "4.992 0.75 ?\n"
    "5.001 1 ?\n";

static void test_latency_from_histograms(void **state)
{
    char *out, *err, want[1024];

    (void)state;
    assert_int_equal(plot("hist", no_gnuplot(), "", &out, &err), 0);
    expect_file(plots("hist", "latency-cdf-mdp0.dat"), latency_hist);
    snprintf(want, sizeof(want), "wrote %s/hist/plots/latency-cdf-mdp0.dat\n", OUT);
    if (!strstr(out, want))
        fail_msg("stdout:\n%s\nhas no line %s", out, want);
    if (have_gnuplot()) {
        assert_int_equal(plot("hist", "", "", &out, &err), 0);
        assert_true(file_size(plots("hist", "latency-cdf-mdp0.png")) > 8);
    }
}

/* A malformed histograms.csv: its path and line, status 1, and no data file. */
static void test_bad_histograms(void **state)
{
    char *out, *err, want[1024];

    (void)state;
    assert_int_equal(plot("hist_bad", no_gnuplot(), "", &out, &err), 1);
    snprintf(want, sizeof(want), "iommusim plot: %s/hist_bad/points/0001/histograms.csv:3: "
             "error: count is not a whole number ('x')\n", OUT);
    expect_text("stderr", err, want);
    assert_int_equal(file_size(plots("hist_bad", "latency-cdf-mdp0.dat")), -1);
}

/*
 * empty.csv: context c translated at both TLB sizes, but no point has its
 * miss_rate. The figure would be empty: it is not drawn, its data file is not
 * left, and the note says why, on stdout and in index.md.
 */
static void test_empty_figure(void **state)
{
    char *out, *err, *index, want[4096];

    (void)state;
    /* an image an earlier run drew under the name goes too */
    snprintf(want, sizeof(want), "mkdir -p %s/empty/plots && touch %s/empty/plots/miss-rate-c.png "
             "&&", OUT, OUT);
    assert_int_equal(plot("empty", want, "", &out, &err), 0);
    snprintf(want, sizeof(want),
        "skipped miss-rate-c: no point has a value to draw (every one would be ?)\n"
        "skipped desc-reads: the sweep does not vary a page-size policy (a param: key ending in "
        ".policy)\n"
        "skipped latency-cdf: the sweep does not vary a page-size policy (a param: key ending "
        "in .policy)\n"
        "skipped frames: the sweep does not vary a page-size policy (a param: key ending in "
        ".policy)\n"
        "skipped page-mix: the sweep does not vary the RAM fragmentation (a param: key ending "
        "in fragmentation)\n"
        "wrote %s/empty/plots/index.md (0 figures)\n", OUT);
    expect_text("stdout", out, want);
    assert_int_equal(file_size(plots("empty", "miss-rate-c.dat")), -1);
    assert_int_equal(file_size(plots("empty", "miss-rate-c.png")), -1);
    index = slurp(plots("empty", "index.md"), NULL);
    assert_non_null(index);
    assert_non_null(strstr(index, "\n## Not drawn\n\n- miss-rate-c: no point has a value to "
                                  "draw (every one would be ?)\n"));
    free(index);
}

/* ---- what the scripts set --------------------------------------------------------------- */

/*
 * Runs gnuplot on a script of plots/ with the variables plot would give it, for the
 * data file DAT of case full, then the gnuplot commands SHOW; gnuplot's `show`
 * output (its stderr) in pr.err.
 */
static void gnuplot_show_file(const char *script, const char *path, const char *colmax,
                              unsigned ncol, const char *show)
{
    proc_sh(&pr, "gnuplot -e \"plotsdir='plots';datafile='%s';outbase='%s';title='t';"
            "subtitle='s';colmax='%s';ncol=%u;nrows=2\" plots/%s %s",
            path, tmp_path("gp-%s", script), colmax, ncol, script, show);
    if (pr.status)
        fail_msg("gnuplot on plots/%s failed (%d): %s", script, pr.status, pr.err);
}

static void gnuplot_show(const char *script, const char *dat, const char *colmax,
                         unsigned ncol, const char *show)
{
    gnuplot_show_file(script, plots("full", dat), colmax, ncol, show);
}

/* The rest of the line of text that starts with `key`, or "" when there is none. */
static const char *line_after(const char *text, const char *key, char *buf, size_t len)
{
    const char *at = strstr(text, key);
    size_t n;

    buf[0] = 0;
    if (!at)
        return buf;
    at += strlen(key);
    n = strcspn(at, "\n");
    snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), at);
    return buf;
}

/*
 * The miss rate of 4k pages is 100 to 1000 times that of large ones, so its axis
 * is logarithmic (y, base 10, with x in base 2 for the TLB sizes), unless every
 * rate is 0; the latency axis is logarithmic. The eight line types of common.gp
 * differ in dash pattern and point shape as well as colour, so that the lines can
 * be told apart in grey and where one lies over another.
 */
static void test_script_settings(void **state)
{
    char line[256], key[32], dash[8][64], point[8][16];
    char *out, *err;

    (void)state;
    if (!have_gnuplot())
        skip();
    assert_int_equal(plot("full", no_gnuplot(), "", &out, &err), 0);
    gnuplot_show("miss-rate.gp", "miss-rate-rot_src.dat", "0 75 20 10", 4, "-e 'show logscale'");
    line_after(pr.err, "logscaling on", line, sizeof(line));
    if (!strstr(line, "x (base 2)") || !strstr(line, " y"))
        fail_msg("miss-rate.gp: logscale is '%s', expected x (base 2) and y", line);
    /* every rate 0: a linear axis from 0 to 1 */
    gnuplot_show("miss-rate.gp", "miss-rate-rot_src.dat", "0 0 0 0", 4,
                 "-e 'show logscale' -e 'show yrange'");
    line_after(pr.err, "logscaling on", line, sizeof(line));
    if (strstr(line, " y"))
        fail_msg("miss-rate.gp with every rate 0: logscale '%s' has y", line);
    gnuplot_show("latency-quantiles.gp", "latency-cdf-rot.dat", "1 1600 900 600", 4,
                 "-e 'show logscale'");
    line_after(pr.err, "logscaling on", line, sizeof(line));
    if (strncmp(line, "  x", 3))
        fail_msg("latency-quantiles.gp: logscale is '%s', expected x", line);

    gnuplot_show("miss-rate.gp", "miss-rate-rot_src.dat", "0 75 20 10", 4,
                 "-e 'do for [i=1:8] { show linetype i }'");
    for (unsigned i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "linetype %u,", i + 1);
        line_after(pr.err, key, line, sizeof(line));
        const char *d = strstr(line, "dashtype "), *p = strstr(line, "pointtype ");
        if (!d || !p || p < d)
            fail_msg("linetype %u: '%s' has no dashtype and pointtype", i + 1, line);
        snprintf(dash[i], sizeof(dash[i]), "%.*s", (int)(p - d - 9), d + 9);
        snprintf(point[i], sizeof(point[i]), "%.*s", (int)strcspn(p + 10, " "), p + 10);
        for (unsigned j = 0; j < i; j++) {
            if (!strcmp(dash[i], dash[j]))
                fail_msg("linetypes %u and %u have the same dashtype %s", j + 1, i + 1, dash[i]);
            if (!strcmp(point[i], point[j]))
                fail_msg("linetypes %u and %u have the same pointtype %s", j + 1, i + 1,
                         point[i]);
        }
    }
}

/* ---- the miss-ratio curve of tlb runs ---------------------------------------------------- */

/* Copies DATA/NAME to OUT/mrc-CASE/mrc.csv, or writes TEXT there, and runs
 * `ENV iommusim plot --mrc OUT/mrc-CASE/mrc.csv ARGS`; the exit status. */
static int plot_mrc(const char *name, const char *text, const char *env, const char *args,
                    char **out, char **err)
{
    const char *dir = tmp_path("mrc-%s", name ? name : "text");

    if (name)
        proc_sh(&pr, "rm -rf %s && mkdir -p %s && cp " DATA "%s %s/mrc.csv && %s '%s' plot "
                "--mrc %s/mrc.csv %s", dir, dir, name, dir, env, proc_prog(), dir, args);
    else
        proc_sh(&pr, "rm -rf %s && mkdir -p %s && printf '%s' > %s/mrc.csv && %s '%s' plot "
                "--mrc %s/mrc.csv %s", dir, dir, text, dir, env, proc_prog(), dir, args);
    *out = pr.out;
    *err = pr.err;
    return pr.status;
}

/*
 * mrc.csv: the columns in another order and an extra one (hits), the rows in no
 * order, 64k missing at 64 entries. Ratios misses / references x 100:
 *   16 entries: 4k 500/1000 = 50, 64k 100/1000 = 10, 1m 10/1000 = 1
 *   64 entries: 4k 250/1000 = 25, 64k ?, 1m 1/1000 = 0.1
 * rows by entries ascending, columns by page size in size order.
 */
static void test_mrc(void **state)
{
    char *out, *err, want[2048];
    const char *dir = tmp_path("mrc-mrc.csv");

    (void)state;
    assert_int_equal(plot_mrc("mrc.csv", NULL, no_gnuplot(), "", &out, &err), 0);
    snprintf(want, sizeof(want), "wrote %s/plots/mrc.dat\nwrote %s/plots/index.md (1 figure)\n",
             dir, dir);
    expect_text("stdout", out, want);
    snprintf(want, sizeof(want),
             "# TLB miss ratio (%%): misses / references x 100, from %s/mrc.csv\n"
             "# rows: TLB entries; columns: page size\n"
             "# ? marks a value that no selected point has\n"
             "entries 4k 64k 1m\n"
             "16 50 10 1\n"
             "64 25 ? 0.1\n", dir);
    expect_file(tmp_path("mrc-mrc.csv/plots/mrc.dat"), want);
    if (have_gnuplot()) {
        char args[1024], png[1024], dat[1024];
        snprintf(args, sizeof(args), "--out %s", tmp_path("mrcplots"));
        snprintf(png, sizeof(png), "%s", tmp_path("mrcplots/mrc.png"));
        snprintf(dat, sizeof(dat), "%s", tmp_path("mrcplots/mrc.dat"));
        assert_int_equal(plot_mrc("mrc.csv", NULL, "", args, &out, &err), 0);
        assert_true(file_size(png) > 8);
        gnuplot_show_file("mrc.gp", dat, "64 50 10 1", 4, "-e 'show logscale'");
        if (!strstr(pr.err, "x (base 2) y"))
            fail_msg("mrc.gp: logscale is not x (base 2) and y: %s", pr.err);
    }
}

/* A malformed file: its path and line, what is wrong, status 1; --mrc with DIR: 2. */
static void test_mrc_errors(void **state)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        { "entries,page_size,misses\\n16,4k,1\\n", ":1: error: no column 'references' (the "
          "header must name entries, page_size, misses and references)\n" },
        { "entries,page_size,misses,references\\n16,4k,1,10\\n16,4k,2,10\\n",
          ":3: error: entries 16, page size 4k: repeats line 2\n" },
        { "entries,page_size,misses,references\\n16,4k,11,10\\n",
          ":2: error: misses 11 and references 10: need 0 < references and misses <= "
          "references\n" },
        { "entries,page_size,misses,references\\n0,4k,1,10\\n",
          ":2: error: entries: must be at least 1\n" },
        { "entries,page_size,misses,references\\n16,4k,one,10\\n",
          ":2: error: misses: 'one' is not a whole number\n" },
        { "entries,page_size,misses,references\\n", ":1: error: no rows, only the header: "
          "nothing to plot\n" },
    };
    char *out, *err, want[1024];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(plot_mrc(NULL, cases[i].text, no_gnuplot(), "", &out, &err), 1);
        snprintf(want, sizeof(want), "iommusim plot: %s/mrc.csv%s", tmp_path("mrc-text"),
                 cases[i].message);
        expect_text(cases[i].text, err, want);
    }
    assert_int_equal(plot_args("somedir --mrc x.csv", &out, &err), 2);
    expect_text("--mrc and DIR", err, "iommusim plot: --mrc x.csv and the directory 'somedir': "
                "one or the other\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_no_gnuplot),
        cmocka_unit_test(test_index_not_writable),
        cmocka_unit_test(test_nothing_varied),
        cmocka_unit_test(test_functional_sweep),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_bad_plots_dir),
        cmocka_unit_test(test_latency_from_histograms),
        cmocka_unit_test(test_bad_histograms),
        cmocka_unit_test(test_empty_figure),
        cmocka_unit_test(test_script_settings),
        cmocka_unit_test(test_mrc),
        cmocka_unit_test(test_mrc_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
