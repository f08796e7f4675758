/*
 * fuzz_scenario.c - libFuzzer harness for the scenario schema (sim/scenario/scenario.c)
 * and the SoC builder (sim/scenario/soc.c), above the YAML layer that fuzz_config
 * covers.
 *
 * Each input is a scenario file, written as "<dir>/fuzz.yaml" in a private directory
 * that holds what a scenario may name: soc.yaml (configs/msm8960.yaml, read once at
 * start from the working directory, which `make fuzz` sets to the repository root,
 * with its page-table pool cut from 16 MiB to 1 MiB so that an isolation check,
 * which hashes the pool, stays fast),
 * two traces (small.trc with named buffers, raw.din) and a broken trace (bad.trc).
 * An input with a '/' that does not follow a 'B' (as in the rate unit "MB/s") is
 * skipped, so its !include and trace paths (never absolute, never "../") can only
 * reach that directory.
 *
 * The scenario is loaded with the override duration=20us (a timing run stays short
 * whatever the input asks) and, when it loads, built, its statistics collected, the
 * report printed to /dev/null, run, and collected again. Checks:
 *   - a refused file: a negative errno and a message that starts with a file of the
 *     directory or "<command line>", with no control character in it;
 *   - a loaded scenario: every buffer, master, SMMU, context and domain name is 1..64
 *     of [A-Za-z0-9_-] starting with a letter or '_' (docs/scenarios.md "Names"),
 *     every rate is at most 1000 GB/s, each master has exactly one of generator and
 *     trace, no buffer is in no domain, no SMMU register window (1 MiB) meets another;
 *   - a build that fails leaves a message; a build that succeeds can always collect
 *     its statistics (a name that --out could not write was issue 13's item 5);
 *   - a run that fails reports run.complete 0 (item 2), and its message;
 *   - everything is freed (LeakSanitizer: item 4 was a leaked trace path).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config/config.h"
#include "sim/core/stats.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/soc.h"
#include "tests/lib/fuzz.h"

#define DIR_TEMPLATE    "/tmp/iommusim-fuzz-scenario-XXXXXX"
#define SOC_SOURCE      "configs/msm8960.yaml"
#define NAME_MAX_CHARS  64
#define MAX_RATE        UINT64_C(1000000000000)
#define SMMU_WINDOW     (UINT64_C(1) << 20)

static const struct {
    const char *name, *text;
} fixtures[] = {
    { "small.trc", "# time_ns op target bytes\n0 R fb+0x0 64\n0 R fb+0x40 64\n"
                   "5 W fb+0x1000 128\n10 R cursor 64\n" },
    { "raw.din", "0 1000\n1 2000\n0 100000\n" },
    { "bad.trc", "0 R fb+0x0 64\n1 X fb 64\n" },
};
#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static char dir[sizeof(DIR_TEMPLATE)];
static char name[sizeof(DIR_TEMPLATE) + 16];
static FILE *devnull;

static void dir_file(char *buf, size_t len, const char *file)
{
    snprintf(buf, len, "%s/%s", dir, file);
}

static void remove_fixtures(void)
{
    char path[sizeof(dir) + 32];

    for (size_t i = 0; i < NFIXTURES; i++) {
        dir_file(path, sizeof(path), fixtures[i].name);
        unlink(path);
    }
    dir_file(path, sizeof(path), "soc.yaml");
    unlink(path);
    unlink(name);
    rmdir(dir);
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "w");

    if (!f || fwrite(text, 1, len, f) != len || fclose(f)) {
        perror("fuzz_scenario: writing a fixture");
        exit(1);
    }
}

/*
 * The page-table pool of the SoC file is 16 MiB, which an isolation check hashes
 * before and after the run: almost a second per input under the sanitizers. The
 * fixture's pool is 1 MiB (room for the tables of about 60 contexts).
 */
static void shrink_page_tables(char *soc)
{
    char *at = strstr(soc, "page_tables:");

    at = at ? strstr(at, "size: 16MiB") : NULL;
    if (!at) {
        fprintf(stderr, "fuzz_scenario: %s has no 'page_tables: ... size: 16MiB'\n",
                SOC_SOURCE);
        exit(1);
    }
    memcpy(at, "size:  1MiB", 11);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[sizeof(dir) + 32];
    char *soc;
    size_t len;
    FILE *f;

    (void)argc;
    (void)argv;
    memcpy(dir, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
    if (!mkdtemp(dir)) {
        perror("fuzz_scenario: mkdtemp");
        exit(1);
    }
    atexit(remove_fixtures);
    for (size_t i = 0; i < NFIXTURES; i++) {
        dir_file(path, sizeof(path), fixtures[i].name);
        write_file(path, fixtures[i].text, strlen(fixtures[i].text));
    }
    f = fopen(SOC_SOURCE, "r");
    soc = malloc(1 << 20);
    if (!f || !soc) {
        fprintf(stderr, "fuzz_scenario: cannot read %s (run from the repository root)\n",
                SOC_SOURCE);
        exit(1);
    }
    len = fread(soc, 1, (1 << 20) - 1, f);
    fclose(f);
    soc[len] = '\0';
    shrink_page_tables(soc);
    dir_file(path, sizeof(path), "soc.yaml");
    write_file(path, soc, len);
    free(soc);
    snprintf(name, sizeof(name), "%s/fuzz.yaml", dir);
    devnull = fopen("/dev/null", "w");
    if (!devnull) {
        perror("fuzz_scenario: /dev/null");
        exit(1);
    }
    return 0;
}

static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > NAME_MAX_CHARS)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        bool other = (c >= '0' && c <= '9') || c == '-';

        if (!(letter || (i && other)))
            return false;
    }
    return true;
}

/* A message about the input: it names a file of the directory or the override. */
static void check_message(const char *msg)
{
    FUZZ_CHECK(msg[0], "empty message");
    FUZZ_CHECK(!has_control(msg), "control character in message '%s'", msg);
    FUZZ_CHECK(!strncmp(msg, dir, strlen(dir)) || !strncmp(msg, "<command line>", 14),
               "message '%s' names no file", msg);
}

static void check_loaded(const struct scenario *s)
{
    const struct scn_soc *soc = &s->soc;

    for (unsigned i = 0; i < s->nbuffers; i++) {
        FUZZ_CHECK(name_ok(s->buffer[i].name), "buffer name '%s'", s->buffer[i].name);
        FUZZ_CHECK(s->buffer[i].ndomains >= 1, "buffer %s in no domain", s->buffer[i].name);
    }
    for (unsigned i = 0; i < s->nmasters; i++) {
        const struct scn_master *m = &s->master[i];

        FUZZ_CHECK(name_ok(m->name), "master name '%s'", m->name);
        FUZZ_CHECK(!m->generator != !m->trace, "master %s: generator and trace", m->name);
        FUZZ_CHECK(m->cfg.rate_bytes_per_s <= MAX_RATE, "master %s: rate %llu", m->name,
                   (unsigned long long)m->cfg.rate_bytes_per_s);
    }
    for (unsigned i = 0; i < soc->nsmmus; i++) {
        const struct smmu_desc *d = &soc->smmu[i].desc;

        FUZZ_CHECK(name_ok(d->name), "SMMU name '%s'", d->name);
        for (unsigned c = 0; c < d->nctx; c++)
            FUZZ_CHECK(name_ok(d->ctx[c].name), "context name '%s'", d->ctx[c].name);
        for (unsigned k = 0; k < i; k++) {
            uint64_t a = d->base, b = soc->smmu[k].desc.base;

            FUZZ_CHECK(a + SMMU_WINDOW <= b || b + SMMU_WINDOW <= a,
                       "SMMUs %s and %s overlap", d->name, soc->smmu[k].desc.name);
        }
    }
    for (unsigned i = 0; i < soc->ndomains; i++)
        FUZZ_CHECK(name_ok(soc->domain[i].name), "domain name '%s'", soc->domain[i].name);
}

static void collect(const struct soc *s, bool ran, int run_rc)
{
    struct stats *st = stats_new();
    uint64_t complete = 2;
    int rc;

    FUZZ_CHECK(st != NULL, "stats_new");
    rc = soc_collect_stats(s, st);
    FUZZ_CHECK(rc == 0, "soc_collect_stats: %d (a name the files cannot hold?)", rc);
    if (ran) {
        FUZZ_CHECK(!stats_get_u64(st, "run.complete", &complete), "no run.complete");
        if (run_rc)
            FUZZ_CHECK(complete == 0, "a run that failed says run.complete %llu",
                       (unsigned long long)complete);
    }
    stats_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const sets[] = { "duration=20us" };
    struct scenario_overrides ov = { .sets = sets, .nsets = 1, .mode = -1 };
    struct config_err cerr = { 0 };
    char err[SOC_ERR_MAX] = "";
    struct scenario *scn;
    struct soc *s;
    int rc;

    for (size_t i = 0; i < size; i++)
        if (data[i] == '/' && (i == 0 || data[i - 1] != 'B'))
            return -1;                  /* a path that could leave the directory */
    write_file(name, (const char *)data, size);
    scn = scenario_load(name, &ov, &cerr);
    if (!scn) {
        FUZZ_CHECK(cerr.code < 0, "refused with code %d", cerr.code);
        check_message(cerr.msg);
        return 0;
    }
    FUZZ_CHECK(cerr.code == 0, "loaded with an error recorded: %s", cerr.msg);
    check_loaded(scn);
    s = soc_build(scn, err, sizeof(err));
    if (!s) {
        FUZZ_CHECK(err[0], "a build failed without a message");
        scenario_free(scn);
        return 0;
    }
    collect(s, false, 0);
    soc_print_report(s, devnull, 0);
    rc = soc_run(s, err, sizeof(err));
    if (rc)
        FUZZ_CHECK(err[0], "a run failed (%d) without a message", rc);
    collect(s, true, rc);
    soc_print_report(s, devnull, 0);
    soc_free(s);
    scenario_free(scn);
    return 0;
}
