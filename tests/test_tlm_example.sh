#!/bin/sh
# test_tlm_example.sh - build/tlm-example, the example TLM-2.0 platform (docs/tlm.md),
# on the shipped din trace, and its errors.
#
# traces/example.din: 32 accesses of 64 bytes, 8 in each of the 1 MiB IOVA sections
# 0x004, 0x100, 0x200 and 0x300 (lines 1-32; 2 blank lines aside). The driver maps on
# demand, so the first access to each section misses, walks (1 L1 read: a fault
# descriptor), faults TF and stalls; the handler maps a section and resumes; the retry
# walks again (1 L1 read) and fills the TLB (16 entries: all 4 sections stay). So:
# 32 translations, 4 misses, 28 hits, 8 walks and 8 descriptor reads, 4 faults,
# 4 stalls, 4 retries, 4 sections mapped; the memory sees 8 descriptor reads and 32
# data accesses: 40. No access ends in an error.
set -u
BUILD=${BUILD:-build}
prog=$BUILD/tlm-example
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iommusim-tlm.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "test_tlm_example: FAIL: $*"; failures=$((failures + 1)); }

[ -x "$prog" ] || { echo "test_tlm_example: FAIL: $prog is not built"; exit 1; }

if "$prog" traces/example.din >"$tmp/out" 2>"$tmp/err"; then
    grep -q '^trace traces/example.din: 32 accesses, 0 errors, until ' "$tmp/out" ||
        fail "accesses line: $(cat "$tmp/out")"
    grep -qx 'smmu0: translations 32, hits 28, misses 4, walks 8, descriptor reads 8' "$tmp/out" ||
        fail "translation counts: $(cat "$tmp/out")"
    grep -qx 'smmu0: faults 4, stalls 4, retries 4, sections mapped on demand 4' "$tmp/out" ||
        fail "fault counts: $(cat "$tmp/out")"
    grep -qx 'dram: 40 accesses' "$tmp/out" || fail "memory accesses: $(cat "$tmp/out")"
    # the quantum does not change what is translated
    "$prog" --quantum 10 traces/example.din >"$tmp/out10" 2>&1 || fail "--quantum 10 failed"
    sed -n 2,4p "$tmp/out" >"$tmp/a"; sed -n 2,4p "$tmp/out10" >"$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || fail "--quantum 10 changed the counts"
else
    fail "exit status $? on traces/example.din: $(cat "$tmp/err")"
fi

# bad input: a message naming the file (and line), exit 1
if "$prog" "$tmp/none.trc" >/dev/null 2>"$tmp/err"; then fail "a missing trace was accepted"; fi
grep -q "none.trc" "$tmp/err" || fail "missing trace: message does not name it: $(cat "$tmp/err")"
printf '0 R 0x1000 64\n5 X 0x2000 64\n' >"$tmp/bad.trc"
if "$prog" "$tmp/bad.trc" >/dev/null 2>"$tmp/err"; then fail "a malformed trace was accepted"; fi
grep -q "bad.trc:2" "$tmp/err" || fail "malformed trace: no FILE:LINE: $(cat "$tmp/err")"
if "$prog" --quantum x >/dev/null 2>"$tmp/err"; then fail "--quantum x was accepted"; fi
grep -q -- "--quantum: 'x'" "$tmp/err" || fail "--quantum x: $(cat "$tmp/err")"

[ "$failures" = 0 ] && echo "test_tlm_example: OK" && exit 0
exit 1
