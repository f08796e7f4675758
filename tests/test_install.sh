#!/bin/sh
# test_install.sh - `make install` into a temporary DESTDIR, the installed command
# used from there, then `make uninstall` leaving nothing behind.
#
# Run by `make test` (tests/test_*.sh, after the cmocka programs) with BUILD set to
# the build directory under test (build, or build/asan for make test-asan), whose
# program and library are already built: the install reuses them. It checks that
#   - every installed file is where README.md's install section says;
#   - the installed command, run from an unrelated directory with no IOMMUSIM_*
#     variable, finds its SoC and scenarios (`info msm8960`, `run rotate_90_1080p`)
#     and its plot scripts (a two-point sweep, then `plot`; the images are skipped
#     with a message when gnuplot is absent) in PREFIX/share/iommusim;
#   - a C++ program compiled with `pkg-config --cflags --libs iommusim-tlm` (the TLM
#     wrapper) builds and runs;
#   - a program compiled with `pkg-config --cflags --libs iommusim` against the
#     installed headers and library builds and runs;
#   - the bash completion completes a subcommand and an option;
#   - the man page (when help2man is installed) has every subcommand's section;
#   - after `make uninstall` no file is left under DESTDIR.
set -u

BUILD=${BUILD:-build}
PREFIX=/opt/test-prefix
root=$(pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/iommusim-install.XXXXXX") || exit 1
dest=$tmp/dest
work=$tmp/work
p=$dest$PREFIX
failures=0
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "test_install: FAIL: $*"
    failures=$((failures + 1))
}

# make as a fresh command: not a sub-make of `make test` (its jobserver and flags).
run_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" \
        BUILD="$BUILD" PREFIX="$PREFIX" DESTDIR="$dest" "$@" >"$tmp/make.log" 2>&1
}

echo "[ RUN      ] make install DESTDIR=... PREFIX=$PREFIX"
if ! run_make install; then
    cat "$tmp/make.log"
    fail "make install failed"
    exit 1
fi

for f in bin/iommusim lib/libiommusim.a lib/pkgconfig/iommusim.pc \
         lib/libiommusim-tlm.a lib/pkgconfig/iommusim-tlm.pc \
         include/iommusim/sim/tlm/smmu_tlm.h include/iommusim/sim/tlm/memory.h \
         include/iommusim/sim/core/stats.h include/iommusim/models/tlb.h \
         share/iommusim/plots/common.gp share/iommusim/plots/miss-rate.gp \
         share/iommusim/configs/msm8960.yaml \
         share/iommusim/configs/scenarios/rotate_90_1080p.yaml \
         share/bash-completion/completions/iommusim; do
    [ -f "$p/$f" ] || fail "make install did not write PREFIX/$f"
done
[ -x "$p/bin/iommusim" ] || fail "PREFIX/bin/iommusim is not executable"

# The installed command, from elsewhere, with nothing pointing at the tree.
mkdir -p "$work"
cd "$work" || exit 1
unset IOMMUSIM_PLOTS
cmd=$p/bin/iommusim

if ! "$cmd" info msm8960 >info.txt 2>&1 || ! grep -q '^soc msm8960: 12 SMMUs' info.txt; then
    cat info.txt; fail "installed 'iommusim info msm8960' did not find the SoC file"
fi
if ! "$cmd" run rotate_90_1080p --mode functional --quiet --out run >run.txt 2>&1; then
    cat run.txt; fail "installed 'iommusim run rotate_90_1080p' failed"
fi
# The rotator reads its source frame twice over (configs/scenarios/rotate_90_1080p.yaml:
# 1920 x 1088 RGB565, 2 bytes a pixel, = 4177920 bytes, each 16x16 tile read for
# both of the frames the scenario rotates): 8355840 bytes.
grep -q '^master.rot.bytes_read,8355840$' run/stats.csv ||
    fail "installed run: run/stats.csv has no master.rot.bytes_read,8355840"

if ! "$cmd" sweep rotate_90_1080p --mode functional -j 1 \
        --param 'buffers.*.policy=4k,1m' --param 'smmus.rot.tlb.entries=16,32' \
        --out sweep >sweep.txt 2>&1; then
    cat sweep.txt; fail "installed sweep failed"
fi
"$cmd" plot sweep >plot.txt 2>plot.err
st=$?
if [ $st != 0 ]; then
    cat plot.txt plot.err; fail "installed plot exited $st"
elif command -v gnuplot >/dev/null 2>&1; then
    [ -s sweep/plots/miss-rate-rot_src.png ] ||
        fail "installed plot: no sweep/plots/miss-rate-rot_src.png (scripts not found?)"
else
    echo "test_install: gnuplot is not installed: the images are skipped"
    grep -q 'gnuplot not found; plots skipped' plot.err ||
        fail "installed plot without gnuplot did not say the plots were skipped"
fi
[ -f sweep/plots/miss-rate-rot_src.dat ] || fail "installed plot: no miss-rate-rot_src.dat"

# The library through pkg-config: the 14 values 1..14 have median 7 (exact buckets).
cat >lib.c <<'EOF'
#include <stdio.h>
#include "sim/core/stats.h"
int main(void)
{
    struct stats_hist h = { 0 };
    for (unsigned v = 1; v <= 14; v++)
        stats_hist_add(&h, v);
    printf("%llu %llu\n", (unsigned long long)h.count,
           (unsigned long long)stats_hist_quantile(&h, 0.5));
    return 0;
}
EOF
san=
nm "$p/lib/libiommusim.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
flags=$(PKG_CONFIG_PATH=$p/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest \
        pkg-config --cflags --libs iommusim 2>pc.err)
if [ -z "$flags" ]; then
    cat pc.err; fail "pkg-config --cflags --libs iommusim failed"
elif ! ${CC:-cc} -std=c11 $san lib.c $flags -o lib >cc.txt 2>&1; then
    cat cc.txt; fail "a program cannot be built with pkg-config's flags for iommusim"
elif [ "$(./lib)" != "14 7" ]; then
    fail "the program built against the installed library printed '$(./lib)', not '14 7'"
fi

# The TLM wrapper through pkg-config: an SmmuTlm of 3 banks answers a debug read of
# IDR (4 bytes) with NCB (bits [23:16]) = 2 (the number of banks minus one).
cat >tlm.cpp <<'EOF'
#include <cstdio>
#include <tlm_utils/simple_initiator_socket.h>
#include "sim/tlm/memory.h"
#include "sim/tlm/smmu_tlm.h"
extern "C" {
#include "models/smmu_regs.h"
}
struct Cpu : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Cpu> dev, reg;
    explicit Cpu(sc_core::sc_module_name n) : sc_core::sc_module(n), dev("dev"), reg("reg") {}
};
int main()
{
    struct smmu_config c = {};
    c.name = "s"; c.nbanks = 3; c.nmids = 4; c.clock_hz = 200000000; c.max_walks = 1;
    c.tlb.entries = 4; c.tlb.ways = 4; c.tlb.replacement = TLB_LRU; c.tlb.seed = 1;
    iommusim::SmmuTlm s("smmu", c);
    iommusim::TlmMemory m("mem", 0, 4096, sc_core::sc_time(10, sc_core::SC_NS));
    sc_core::sc_signal<bool> irq("irq");
    Cpu cpu("cpu");
    cpu.dev.bind(s.dev_socket);
    cpu.reg.bind(s.reg_socket);
    s.mem_socket.bind(m.socket);
    s.irq(irq);
    sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_NS));
    uint32_t v = 0;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(SMMU_IDR);
    gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    unsigned n = cpu.reg->transport_dbg(gp);
    std::printf("%u %u\n", n, (v >> IDR_NCB_SHIFT) & IDR_NCB_MASK);
    return 0;
}
EOF
flags=$(PKG_CONFIG_PATH=$p/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest \
        pkg-config --cflags --libs iommusim-tlm 2>pc.err)
if [ -z "$flags" ]; then
    cat pc.err; fail "pkg-config --cflags --libs iommusim-tlm failed"
elif ! ${CXX:-c++} -std=c++17 $san tlm.cpp $flags -o tlm >cc.txt 2>&1; then
    cat cc.txt; fail "a program cannot be built with pkg-config's flags for iommusim-tlm"
elif [ "$(SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 ./tlm)" != "4 2" ]; then
    fail "the TLM program built against the installed library printed '$(./tlm)', not '4 2'"
fi

# Bash completion: "pl" is plot; "--ti" after plot is --title.
comp=$(PATH=$p/bin:$PATH bash -c '
    . "$1"
    COMP_WORDS=(iommusim pl); COMP_CWORD=1; _iommusim; echo "${COMPREPLY[*]}"
    COMP_WORDS=(iommusim plot --ti); COMP_CWORD=2; _iommusim; echo "${COMPREPLY[*]}"
' sh "$p/share/bash-completion/completions/iommusim")
[ "$comp" = "plot
--title" ] || fail "bash completion gave '$comp', expected 'plot' then '--title'"

if command -v help2man >/dev/null 2>&1; then
    man=$p/share/man/man1/iommusim.1
    if [ ! -f "$man" ]; then
        fail "help2man is installed but PREFIX/share/man/man1/iommusim.1 was not written"
    else
        for c in run tlb gen convert info sweep plot; do
            grep -q "^\.SS iommusim $c\$" "$man" || fail "the man page has no section for $c"
        done
    fi
else
    echo "test_install: help2man is not installed: no man page to check"
fi

cd "$root" || exit 1
if ! run_make uninstall; then
    cat "$tmp/make.log"; fail "make uninstall failed"
fi
left=$(find "$dest" -type f -o -name '*iommusim*' | sed "s|^$dest||")
[ -z "$left" ] || fail "make uninstall left: $left"

if [ $failures = 0 ]; then
    echo "[       OK ] test_install"
    exit 0
fi
echo "[  FAILED  ] test_install: $failures check(s)"
exit 1
