/*
 * info_json.c - `iommusim info --json`: the SoC description that `info` lists as a
 * table, as JSON for scripts: every SMMU (register window, interrupts, context banks,
 * TLB) with its contexts (bank, MIDs), and every IOMMU domain with its partitions and
 * the contexts attached to it (under the SoC's display_split setting).
 */
#include <inttypes.h>
#include <stdio.h>

#include "sim/config/config.h"
#include "sim/scenario/soc.h"

static void json_u32_list(FILE *out, const uint8_t *v, unsigned n)
{
    fputc('[', out);
    for (unsigned i = 0; i < n; i++)
        fprintf(out, "%s%u", i ? ", " : "", v[i]);
    fputc(']', out);
}

static void print_smmu(const struct scn_smmu *sm, FILE *out)
{
    const struct smmu_desc *d = &sm->desc;

    fputs("    {\"name\": ", out);
    config_json_string(out, d->name);
    fprintf(out, ", \"base\": \"0x%08" PRIX32 "\", \"irq\": %u, \"irq_secure\": %u, "
            "\"banks\": %u, \"bypass\": %s,\n     \"tlb\": {\"entries\": %u, \"ways\": %u, "
            "\"replacement\": \"%s\"},\n     \"contexts\": [", d->base, d->irq, d->irq_secure,
            d->nbanks, sm->bypass ? "true" : "false", sm->cfg.tlb.entries, sm->cfg.tlb.ways,
            tlb_replacement_name(sm->cfg.tlb.replacement));
    for (unsigned k = 0; k < d->nctx; k++) {
        fputs(k ? ",\n       " : "\n       ", out);
        fputs("{\"name\": ", out);
        config_json_string(out, d->ctx[k].name);
        fprintf(out, ", \"bank\": %u, \"mids\": ", d->ctx[k].bank);
        json_u32_list(out, d->ctx[k].mids, d->ctx[k].nmids);
        fputc('}', out);
    }
    fputs(d->nctx ? "\n     ]}" : "]}", out);
}

static void print_domain(const struct scn_soc *c, unsigned d, FILE *out)
{
    static const char *const pn[MAX_PARTITIONS] = { "video_firmware", "video_main", "gen" };
    bool first = true;

    fputs("    {\"name\": ", out);
    config_json_string(out, c->domain[d].name);
    fprintf(out, ", \"id\": %u, \"secure\": %s, \"pt_cacheable\": %s,\n     \"partitions\": [",
            d, c->domain[d].secure ? "true" : "false",
            c->domain[d].pt_cacheable ? "true" : "false");
    for (unsigned k = 0; k < MAX_PARTITIONS; k++) {
        const struct ion_partition_desc *p = &c->domain[d].part[k];
        if (!p->size)
            continue;
        fprintf(out, "%s{\"name\": \"%s\", \"start\": \"0x%08" PRIx64 "\", \"size\": \"0x%08"
                PRIx64 "\"}", first ? "" : ", ", pn[k], p->start, p->size);
        first = false;
    }
    fputs("],\n     \"contexts\": [", out);
    first = true;
    for (unsigned a = 0; a < c->nattach; a++) {
        const struct ion_attach *at = &c->attach[a];
        if (at->domain != (int)d || !(at->mode == ION_ATTACH_ALWAYS ||
                                      (at->mode == ION_ATTACH_SPLIT) == c->display_split))
            continue;
        fputs(first ? "" : ", ", out);
        config_json_string(out, at->ctx);
        first = false;
    }
    fputs("]}", out);
}

int soc_print_info_json(const struct scenario *scn, FILE *out)
{
    const struct scn_soc *c = &scn->soc;

    fputs("{\n  \"soc\": ", out);
    config_json_string(out, c->name);
    fputs(",\n  \"smmus\": [\n", out);
    for (unsigned i = 0; i < c->nsmmus; i++) {
        print_smmu(&c->smmu[i], out);
        fputs(i + 1 < c->nsmmus ? ",\n" : "\n", out);
    }
    fputs("  ],\n  \"domains\": [\n", out);
    for (unsigned d = 0; d < c->ndomains; d++) {
        print_domain(c, d, out);
        fputs(d + 1 < c->ndomains ? ",\n" : "\n", out);
    }
    fputs("  ]\n}\n", out);
    return fflush(out) || ferror(out) ? -1 : 0;
}
