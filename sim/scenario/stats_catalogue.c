/*
 * stats_catalogue.c - the catalogue of a run's statistics (stats_catalogue.h): the one
 * table that says what every name report.c, the walker and the L2 register means and in
 * which unit, and its printers. A name added to the registry without a row here fails
 * tests/test_stats_catalogue.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sim/config/config.h"
#include "sim/scenario/stats_catalogue.h"

#define SIZES "{4k,64k,1m,16m}"
#define QUANTILES "{p50,p90,p99}"

static const struct stats_catalogue_placeholder placeholders[] = {
    { "S", "an SMMU's name (soc `smmus:`, e.g. `rot`)" },
    { "C", "a context's name (e.g. `rot_src`); `bankN` for a bank no context names" },
    { "M", "a master's name (scenario `masters:`)" },
    { "B", "a buffer's name (scenario `buffers:`)" },
    { "D", "an IOMMU domain's name (soc `domains:`)" },
    { "N", "a DRAM channel's number, from 0" },
    { "NN", "a fault log entry's number, two digits from 00" },
};

static const struct stats_catalogue_entry catalogue[] = {
    /* the run */
    { "run.scenario", "text", "the scenario's `name:`" },
    { "run.mode", "text", "`timing` or `functional`" },
    { "run.seed", "number", "the seed of the generators and of random TLB replacement" },
    { "run.complete", "flag", "1 when every master finished before the duration limit" },
    { "run.error", "text", "why the run failed (a trace, a driver step, the SoC could not be "
                           "built); only in a failed run" },
    { "run.sim_time_ps", "ps", "simulated time at which the run ended" },
    { "run.transactions", "count", "bursts of every master" },
    { "run.stalled.S.C.waiting_bursts", "count", "a context bank left stalled (FSR.SS) at "
                                                 "the end: the bursts still waiting on it" },
    { "run.driver.profile", "text", "the driver profile (soc `driver.profile`)" },
    { "run.driver.time_ps", "ps", "driver time on every SMMU: register accesses and cache "
                                  "cleans" },
    { "run.driver.setup_ps", "ps", "of that, building the SoC: probe, attach, first "
                                   "mappings" },
    { "run.driver.steps_ps", "ps", "of that, the rest: driver steps, fault handling" },
    { "run.driver.maint_ps", "ps", "of the register time, TLB maintenance writes" },
    { "run.driver.clean_ps", "ps", "time cleaning table memory out of the CPU's cache" },
    /* an SMMU: only those that translated or invalidated something */
    { "smmu.S.transactions", "count", "transactions submitted to the SMMU" },
    { "smmu.S.global_faults", "count", "transactions whose MID no context claims" },
    { "smmu.S.irqs", "count", "interrupts raised" },
    { "smmu.S.tlb.lookups", "count", "lookups of the global TLB" },
    { "smmu.S.tlb.hits", "count", "lookups that hit" },
    { "smmu.S.tlb.misses", "count", "lookups that missed" },
    { "smmu.S.tlb.miss_rate", "ratio", "misses / lookups (0 without lookups)" },
    { "smmu.S.tlb.fills", "count", "entries written after a walk" },
    { "smmu.S.tlb.evictions", "count", "valid entries a fill replaced" },
    { "smmu.S.tlb.invalidations", "count", "entries removed by TLB maintenance" },
    { "smmu.S.tlb.fills_" SIZES, "count", "fills by the page size of the entry" },
    { "smmu.S.walker.walks", "count", "walks begun (timing mode)" },
    { "smmu.S.walker.desc_reads", "count", "memory reads of the walker: L1 and L2 "
                                           "descriptors, 64-byte fetch-buffer lines" },
    { "smmu.S.walker.faults", "count", "walks that ended with a fault" },
    { "smmu.S.walker.queued", "count", "walks that waited for a free walker slot" },
    { "smmu.S.walker.max_in_flight", "count", "the most walks in flight at once" },
    { "smmu.S.walker.desc_errors", "count", "walks ended by a read answered with an "
                                            "error" },
    { "smmu.S.walker.{decode_errors,slave_errors}", "count", "of those, by kind: "
                                                             "HTWDEEF, HTWSEEF" },
    { "smmu.S.walker.bfb_hits", "count", "L2 descriptors taken from the fetch buffer" },
    { "smmu.S.walker.bfb_fills", "count", "lines read into the fetch buffer" },
    { "smmu.S.walker.bfb_invalidations", "count", "TLB maintenance writes that emptied "
                                                  "the fetch buffer" },
    { "smmu.S.walker.{l2_hits,l2_misses}", "count", "reads of cacheable tables the shared L2 "
                                                    "served, or passed on" },
    { "smmu.S.maint.{ctx_tlbiall,tlbiasid,tlbiva,tlbivaa,global_tlbiall,tlbivmid}",
      "count", "TLB operations of each kind written to the SMMU, bring-up included" },
    { "smmu.S.maint.entries_removed", "count", "TLB entries those operations invalidated" },
    { "smmu.S.maint.busy_ps", "ps", "time the operations kept the SMMU busy" },
    { "smmu.S.maint.delayed", "count", "translations that waited for a busy period" },
    { "smmu.S.maint.delay_ps", "ps", "their total wait" },
    { "smmu.S.ctx.C.translations", "count", "translations through the context bank" },
    { "smmu.S.ctx.C.hits", "count", "of those, TLB hits" },
    { "smmu.S.ctx.C.misses", "count", "of those, TLB misses (merged ones included)" },
    { "smmu.S.ctx.C.miss_rate", "ratio", "misses / translations (0 without translations)" },
    { "smmu.S.ctx.C.merged_misses", "count", "misses that joined a walk already in flight "
                                             "for their page: a miss, not a walk" },
    { "smmu.S.ctx.C.walks", "count", "page-table walks for the context" },
    { "smmu.S.ctx.C.desc_reads", "count", "memory reads of those walks (fetch-buffer hits "
                                          "excluded)" },
    { "smmu.S.ctx.C.faults", "count", "context faults" },
    { "smmu.S.ctx.C.faults_{translation,permission,access_flag,tlb_miss,multi_hit,"
      "walk_error}", "count", "context faults by kind: TF, PF, AFF, TLBMF, MHF, "
                              "HTWDEEF/HTWSEEF" },
    { "smmu.S.ctx.C.stalls", "count", "faulting transactions that stalled (FSR.SS)" },
    { "smmu.S.ctx.C.terminated", "count", "transactions terminated with an error" },
    { "smmu.S.ctx.C.bypassed", "count", "transactions that passed untranslated" },
    { "smmu.S.driver.mmio_reads", "count", "register reads of the driver" },
    { "smmu.S.driver.mmio_writes", "count", "register writes of the driver" },
    { "smmu.S.driver.tlbi_writes", "count", "of those, TLB maintenance writes" },
    { "smmu.S.driver.clean_lines", "count", "cache lines of table memory cleaned" },
    { "smmu.S.driver.clean_alls", "count", "whole-cache cleans" },
    { "smmu.S.driver.mmio_ps", "ps", "time on the configuration port" },
    { "smmu.S.driver.maint_ps", "ps", "of that, TLB maintenance writes" },
    { "smmu.S.driver.clean_ps", "ps", "time cleaning table memory" },
    { "smmu.S.driver.time_ps", "ps", "mmio_ps + clean_ps" },
    /* the driver's work per context attached to a domain */
    { "driver.C.maps_" SIZES, "count", "pages mapped, by size" },
    { "driver.C.unmaps_" SIZES, "count", "pages unmapped, by size" },
    { "driver.C.l2_tables", "count", "second-level tables allocated" },
    { "driver.C.{tlbi_va,tlbi_asid,tlbi_ctx}", "count", "TLB invalidations the driver asked "
                                                        "for: by address, ASID, context" },
    /* a master */
    { "master.M.context", "text", "the context bank its MID selects" },
    { "master.M.mid", "number", "its master ID" },
    { "master.M.accesses", "count", "read and write records of its trace or generator" },
    { "master.M.bursts", "count", "bursts completed (functional: translated)" },
    { "master.M.bytes_read", "bytes", "read by bursts that completed without error" },
    { "master.M.bytes_written", "bytes", "written by bursts that completed without error" },
    { "master.M.errors", "count", "bursts that completed with an error response" },
    { "master.M.all_faulted", "flag", "1 when every burst faulted; present only then" },
    { "master.M.frames", "count", "frames (display, camera, video masters)" },
    { "master.M.late_frames", "count", "frames that finished after their deadline" },
    { "master.M.lines", "count", "display lines judged" },
    { "master.M.underruns", "count", "display lines whose data came after the scan-out" },
    { "master.M.first_issue_ps", "ps", "when its first burst was issued" },
    { "master.M.last_done_ps", "ps", "when its last burst completed" },
    { "master.M.bandwidth_MBps", "MB/s", "(bytes_read + bytes_written) / (last_done_ps - "
                                         "first_issue_ps), in 10^6 bytes per second" },
    { "master.M.isolation.checked", "count", "bursts followed to their physical address "
                                             "(isolation_check)" },
    { "master.M.isolation.{foreign_reads,foreign_writes}", "count",
      "of those, outside the memory of its own domain's buffers" },
    { "master.M.latency_ns.count", "count", "bursts in the burst latency histogram" },
    { "master.M.latency_ns.{mean,min,max}", "ns", "burst latency, submit to completion: "
                                                  "mean, minimum, maximum" },
    { "master.M.latency_ns." QUANTILES, "ns", "its quantiles (docs/stats.md, Quantiles)" },
    { "master.M.translation_ns.count", "count", "bursts translated without error" },
    { "master.M.translation_ns.{mean,min,max}", "ns", "translation latency, submit until the "
                                                      "physical address was known" },
    { "master.M.translation_ns.{p01,p05,p10,p25,p50,p75,p90,p95,p99,p999}", "ns",
      "its quantiles (pNN the NN/100 one, p999 the 0.999 one)" },
    /* a buffer */
    { "buffer.B.size", "bytes", "its size" },
    { "buffer.B.policy", "text", "its mapping policy (4k, 64k, 1m, 16m, best)" },
    { "buffer.B.{maps,unmaps}", "count", "driver steps that mapped, unmapped it" },
    { "buffer.B.D.iova", "address", "its IOVA in domain D (the last one, kept after an "
                                    "unmap)" },
    { "buffer.B.D.pages_" SIZES, "count", "pages of each size of its last mapping in D" },
    /* the drivers' fault logs */
    { "faults.S.logged", "count", "faults the driver logged (the first ones)" },
    { "faults.S.dropped", "count", "faults past the log's size" },
    { "faults.S.log.NN", "text", "one logged fault, as the driver reports it" },
    /* isolation checks */
    { "isolation.victim_buffers", "count", "buffers of no checked master's domain" },
    { "isolation.victim_bytes", "bytes", "their size" },
    { "isolation.victims_changed", "count", "of them, buffers whose contents changed" },
    { "isolation.page_tables_changed", "flag", "1 when the page tables changed (scenarios "
                                               "without driver steps)" },
    /* the memory system */
    { "dram.chN.requests", "count", "requests to DRAM channel N" },
    { "dram.chN.bytes", "bytes", "bytes they moved" },
    { "dram.chN.busy_ps", "ps", "time the channel transferred" },
    { "dram.chN.queue_delay_ps", "ps", "time requests waited for the channel" },
    { "fabric.S.{requests,bytes}", "count", "requests, and their bytes, of SMMU S's fabric "
                                            "port" },
    { "fabric.S.gateway_wait_ps", "ps", "time they waited for the gateway" },
    { "l2.{lookups,hits,misses,fills,evictions}", "count", "the shared L2 over every SMMU "
                                                           "(timing, with an `l2:` section)" },
    { "l2.hit_rate", "ratio", "hits / lookups" },
};

#define NENTRIES (sizeof(catalogue) / sizeof(catalogue[0]))
#define NPLACE (sizeof(placeholders) / sizeof(placeholders[0]))

const struct stats_catalogue_entry *stats_catalogue(size_t *n)
{
    *n = NENTRIES;
    return catalogue;
}

const struct stats_catalogue_placeholder *stats_catalogue_placeholders(size_t *n)
{
    *n = NPLACE;
    return placeholders;
}

static bool is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

/* Whether pattern segment p (length pn) matches name segment s (length sn). */
static bool match_segment(const char *p, size_t pn, const char *s, size_t sn)
{
    const char *open = memchr(p, '{', pn);
    const char *close = open ? memchr(open, '}', pn - (size_t)(open - p)) : NULL;
    size_t lit = 0;

    if (open && close) {
        size_t pre = (size_t)(open - p), post = pn - (size_t)(close - p) - 1;
        const char *alt = open + 1;
        if (sn < pre + post || memcmp(p, s, pre) || memcmp(close + 1, s + sn - post, post))
            return false;
        while (alt < close) {
            const char *end = memchr(alt, ',', (size_t)(close - alt));
            size_t an;
            if (!end)
                end = close;
            an = (size_t)(end - alt);
            if (an == sn - pre - post && !memcmp(alt, s + pre, an))
                return true;
            alt = end + 1;
        }
        return false;
    }
    while (lit < pn && !is_upper(p[lit]))
        lit++;
    if (lit == pn)
        return pn == sn && !memcmp(p, s, pn);
    for (size_t k = lit; k < pn; k++)
        if (!is_upper(p[k]))        /* upper case inside a literal ("bandwidth_MBps") */
            return pn == sn && !memcmp(p, s, pn);
    return sn > lit && !memcmp(p, s, lit);
}

bool stats_catalogue_match(const char *pattern, const char *name)
{
    const char *p = pattern, *s = name;

    for (;;) {
        size_t pn = strcspn(p, "."), sn = strcspn(s, ".");
        /* a '.' inside braces does not end a segment: none of the patterns has one */
        if (!match_segment(p, pn, s, sn))
            return false;
        p += pn;
        s += sn;
        if (!*p || !*s)
            return !*p && !*s;
        p++;
        s++;
    }
}

const struct stats_catalogue_entry *stats_catalogue_find(const char *name)
{
    for (size_t i = 0; i < NENTRIES; i++)
        if (stats_catalogue_match(catalogue[i].pattern, name))
            return &catalogue[i];
    return NULL;
}

/* Width of the name column of the text form; a longer pattern has a line of its own. */
#define PRINT_NAME_WIDTH 44

void stats_catalogue_print(FILE *out)
{
    const int w = PRINT_NAME_WIDTH;

    fprintf(out, "%-*s  %-7s  %s\n", w, "name", "unit", "meaning");
    for (size_t i = 0; i < NENTRIES; i++) {
        const char *p = catalogue[i].pattern;
        if (strlen(p) > PRINT_NAME_WIDTH) {
            fprintf(out, "%s\n", p);
            p = "";
        }
        fprintf(out, "%-*s  %-7s  %s\n", w, p, catalogue[i].unit, catalogue[i].meaning);
    }
    fputs("\nplaceholders:\n", out);
    for (size_t i = 0; i < NPLACE; i++)
        fprintf(out, "  %-3s %s\n", placeholders[i].name, placeholders[i].meaning);
}

/* A cell of a Markdown table: '|' escaped. */
static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
}

void stats_catalogue_markdown(FILE *out)
{
    fputs("Placeholders in the names:\n\n| placeholder | stands for |\n|---|---|\n", out);
    for (size_t i = 0; i < NPLACE; i++) {
        fprintf(out, "| `%s` | ", placeholders[i].name);
        md_cell(out, placeholders[i].meaning);
        fputs(" |\n", out);
    }
    fputs("\n`{a,b}` is one of the words. Every name of a run matches one row:\n\n"
          "| name | unit | meaning |\n|---|---|---|\n", out);
    for (size_t i = 0; i < NENTRIES; i++) {
        fprintf(out, "| `%s` | %s | ", catalogue[i].pattern, catalogue[i].unit);
        md_cell(out, catalogue[i].meaning);
        fputs(" |\n", out);
    }
}

void stats_catalogue_json(FILE *out)
{
    fputs("{\n  \"placeholders\": {", out);
    for (size_t i = 0; i < NPLACE; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        config_json_string(out, placeholders[i].name);
        fputs(": ", out);
        config_json_string(out, placeholders[i].meaning);
    }
    fputs("\n  },\n  \"statistics\": [", out);
    for (size_t i = 0; i < NENTRIES; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        fputs("{\"pattern\": ", out);
        config_json_string(out, catalogue[i].pattern);
        fputs(", \"unit\": ", out);
        config_json_string(out, catalogue[i].unit);
        fputs(", \"meaning\": ", out);
        config_json_string(out, catalogue[i].meaning);
        fputc('}', out);
    }
    fputs("\n  ]\n}\n", out);
}
