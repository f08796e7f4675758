#!/bin/sh
# plots/study_driver.sh - the driver part of the study: what the kernels' way of
# programming the SMMUs costs, against the mapping policy. plots/study.sh runs it and
# appends its tables to OUT/summary.md; docs/results.md quotes them.
#
#   plots/study_driver.sh OUT     (IOMMUSIM: the program)
#
# For the playback scenario (it remaps its bitstream between frames) and for
# `concurrent`, three timing sweeps, each against the policy 4k/64k/1m:
#   driver     driver profile msm-3.4 / msm-mainline / vcm-2010 / lazy, BFB on for all
#   bfb        the BFB prefetch on / off (driver.bfb), under the default profile
#   cacheable  page tables cacheable in the L2 or not (domains.*.pt_cacheable)
# and writes OUT/driver.md. Sweeps resume like the rest of the study.
set -e

prog=${IOMMUSIM:-build/iommusim}
out=${1:?usage: plots/study_driver.sh OUT}
scenarios="video_playback_1080p30 concurrent"
policies=4k,64k,1m

for s in $scenarios; do
    cfg=configs/scenarios/$s.yaml
    mkdir -p "$out/$s"
    # BFB on for every profile (lazy would leave it off), so that the profiles differ
    # only in what they write to the TLB and in their cleans
    "$prog" sweep "$cfg" --mode timing --param "driver.profile=msm-3.4,msm-mainline,vcm-2010,lazy" \
        --param "buffers.*.policy=$policies" --set driver.bfb=true --out "$out/$s/driver"
    "$prog" sweep "$cfg" --mode timing --param "driver.bfb=true,false" \
        --param "buffers.*.policy=$policies" --out "$out/$s/bfb"
    "$prog" sweep "$cfg" --mode timing --param "domains.*.pt_cacheable=false,true" \
        --param "buffers.*.policy=$policies" --out "$out/$s/cacheable"
done

# table FILE PARAM: one row per point of FILE: the swept value of PARAM, the policy,
# walks and descriptor reads of every context, BFB and L2 hits where the model counts
# them, TLB maintenance operations the driver wrote, the driver's time at setup
# (building the SoC: every buffer's first mapping) and in the scenario's steps (the
# remaps), the part of all of it spent in TLB maintenance and in cache cleans, and the
# mean translation latency of every master. Under `driver`, extra walks are the walks
# beyond the lazy profile's at the same policy.
table() {
    awk -F, -v pname="param:$2" '
        NR == 1 {
            for (i = 1; i <= NF; i++) {
                name[i] = $i
                if ($i == pname) pc = i
                if ($i == "param:buffers.*.policy") polc = i
            }
            next
        }
        $2 != "ok" { printf "| %s | %s | failed | | | | | | | |\n", $pc, $polc; next }
        {
            walks = desc = bfb = l2 = tlbi = 0; nm = 0; lat = ""
            for (i = 1; i <= NF; i++) {
                n = name[i]
                if (n ~ /^smmu\..*\.ctx\..*\.walks$/) walks += $i
                if (n ~ /^smmu\..*\.ctx\..*\.desc_reads$/) desc += $i
                if (n ~ /^smmu\.[^.]*\.walker\.bfb_hits$/) bfb += $i
                if (n ~ /^l2\..*\.hits$/ || n ~ /^smmu\.[^.]*\.walker\.l2_hits$/) l2 += $i
                if (n ~ /^smmu\.[^.]*\.driver\.tlbi_writes$/) tlbi += $i
                if (n == "run.driver.setup_ps") setup = $i
                if (n == "run.driver.steps_ps") steps = $i
                if (n == "run.driver.maint_ps") maint = $i
                if (n == "run.driver.clean_ps") clean = $i
                if (n ~ /^master\..*\.translation_ns\.mean$/) {
                    m = n; sub(/^master\./, "", m); sub(/\.translation_ns\.mean$/, "", m)
                    lat = lat sprintf("%s%s %.2f", (lat == "" ? "" : ", "), m, $i)
                }
            }
            key[NR] = $pc; pol[NR] = $polc; w[NR] = walks
            if ($pc == "lazy") lazy[$polc] = walks
            row[NR] = sprintf("| %d | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %s |",
                              desc, bfb, l2, tlbi, walks, setup / 1e6, steps / 1e6,
                              maint / 1e6, clean / 1e6, lat)
            rows = NR
        }
        END {
            for (r = 2; r <= rows; r++) {
                if (!(r in row)) continue
                extra = (pol[r] in lazy) ? sprintf("%+d", w[r] - lazy[pol[r]]) : "-"
                printf "| %s | %s | %s %s\n", key[r], pol[r], extra, row[r]
            }
        }' "$1"
}

header() {
    echo "| $1 | policy | extra walks | desc reads | BFB hits | L2 hits | TLBI writes | walks | driver setup us | driver steps us | of which maintenance us | of which cleans us | mean translation ns |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
}

{
    echo
    echo "## Driver fidelity"
    echo
    echo "Timing mode, 32 entries. Extra walks: beyond the lazy profile at the same policy."
    echo "Driver time: at setup (every buffer's first mapping) and in the scenario's steps;"
    echo "maintenance and cleans are parts of both together."
    for s in $scenarios; do
        echo
        echo "### $s: driver profile x policy"
        echo
        header profile
        table "$out/$s/driver/results.csv" driver.profile
        echo
        echo "### $s: BFB prefetch (msm-3.4)"
        echo
        header bfb
        table "$out/$s/bfb/results.csv" driver.bfb
        echo
        echo "### $s: cacheable page tables (msm-3.4)"
        echo
        header cacheable
        table "$out/$s/cacheable/results.csv" "domains.*.pt_cacheable"
    done
} > "$out/driver.md"
echo "study: driver tables in $out/driver.md"
