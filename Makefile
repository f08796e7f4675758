# iommusim build.
#
#   make            build build/iommusim and build/libiommusim.a, the TLM-2.0 wrapper's
#                   build/libiommusim-tlm.a and its example platform build/tlm-example
#   make run        install missing packages (as root), build, run the default scenario
#   make test       the include-rule check, then every cmocka test in tests/
#   make check-layers  only the include-rule check (tests/layers.tab), with its self-test
#   make test-asan  the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks (speed is measured here, never in tests)
#   make test-valgrind  short scenario runs under valgrind: no leaks, no errors
#   make coverage   line coverage of models/ and vcm/ (fails below COVERAGE_MIN=90)
#   make fuzz       the libFuzzer harnesses, FUZZ_SECONDS each (fuzz-ci: bounded, for CI)
#   make study      the page-size study: sweeps, plots and build/study/summary.md
#   make plots      redraw the plots of every sweep under build/study
#   make install    the command, its shared files, man page, completion, library, headers
#                   and iommusim.pc under DESTDIR/PREFIX (default /usr/local; docs in README)
#   make uninstall  remove what make install wrote (same PREFIX and DESTDIR)
#   make clean
#
# Sources are discovered: every .c/.cpp in the layer folders (LIB_DIRS) goes into the
# library (sim/tlm/*.cpp into libiommusim-tlm.a instead, TLM_DIRS); every
# tests/test_*.cpp is a C++ test program linked with that library too; the command's own entry point (sim/main.c) and its subcommands
# (sim/cli/*.c) make build/iommusim; every tests/test_*.c is one test
# program (run with IOMMUSIM set to the program's path, for the command-line
# tests), linked with the helpers of tests/lib/; every tests/bench/bench_*.c is one
# benchmark program.

# Debian packages the build needs, and how each is detected (pkg-config module).
DEPS_PKGS    := libsystemc-dev libyaml-dev libcmocka-dev pkg-config
DEPS_MODULES := systemc yaml-0.1 cmocka
# Compressed traces (sim/trace/tstream.c): zlib, liblzma, libzstd. The importers
# (sim/trace/import_*.c): protobuf-c and its compiler for gem5's packet traces (the C
# code is generated into $(BUILD)).
DEPS_PKGS    += zlib1g-dev liblzma-dev libzstd-dev libprotobuf-c-dev protobuf-c-compiler
DEPS_MODULES += zlib liblzma libzstd libprotobuf-c
# Commands, as COMMAND:PACKAGE: the tests need GNU parallel (the sweep's job list is
# run through it).
DEPS_TOOLS    := parallel:parallel protoc-c:protobuf-c-compiler
# Only the fuzz targets (tests/fuzz/, `make fuzz`) need clang and its libFuzzer runtime:
# `make deps` installs them as root, and without root their absence is a note, not a
# failure of `make run` or `make test`. Commands as COMMAND:PACKAGE, files as GLOB:PACKAGE.
DEPS_FUZZ_TOOLS := clang:clang
DEPS_FUZZ_FILES := /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev
# Optional, as COMMAND:PACKAGE: gnuplot draws the plots (skipped with a message
# without it); help2man writes the man page at `make install` (skipped with a
# message without it).
DEPS_OPTIONAL := gnuplot:gnuplot-nox help2man:help2man


CC      ?= gcc
CXX     ?= g++
BUILD   ?= build
OPT     ?= -O2
SAN     ?=

WARN     := -Wall -Wextra -Werror
CPPFLAGS = -I. -I$(BUILD)/gen -MMD -MP
CFLAGS   := -std=c11 $(OPT) -g $(WARN) $(SAN)
CXXFLAGS := -std=c++17 $(OPT) -g $(WARN) $(SAN)

PKG_CFLAGS = $(shell pkg-config --cflags $(DEPS_MODULES) 2>/dev/null)
# The plain C libraries are linked from the static archives their -dev packages ship,
# where the compiler finds one: every shared library costs each run its mappings, its
# relocations and a place in the search of every symbol that libsystemc and libstdc++
# look up, 0.5-0.8 ms of a 2.4-3.0 ms start-up for these five (docs/performance.md).
# systemc stays shared (Debian ships no archive of it), and with it libstdc++. Worked
# out once per make (the memo below), after `make deps` has installed them.
STATIC_MODULES := yaml-0.1 zlib liblzma libzstd libprotobuf-c
SHARED_MODULES := $(filter-out $(STATIC_MODULES),$(DEPS_MODULES))
LINK_STATIC  := -Wl,-Bstatic
LINK_DYNAMIC := -Wl,-Bdynamic
# One word of pkg-config's output: -lNAME from libNAME.a when the compiler finds it;
# anything else (a -L of a library in its own prefix) as it is.
lib_link = $(if $(filter -l%,$(1)),$(if $(filter /%,$(shell $(CC) -print-file-name=lib$(1:-l%=%).a)),$(LINK_STATIC) $(1) $(LINK_DYNAMIC),$(1)),$(1))
PKG_LIBS_NOW = $(shell pkg-config --libs $(SHARED_MODULES) 2>/dev/null) \
               $(foreach w,$(shell pkg-config --libs $(STATIC_MODULES) 2>/dev/null),$(call lib_link,$(w)))
PKG_LIBS   = $(eval PKG_LIBS := $(PKG_LIBS_NOW))$(PKG_LIBS)
LDLIBS     = $(PKG_LIBS) -lstdc++ -lm -lpthread
# libsystemc.so refers to sc_main, which sim/core/kernel.cpp defines: pull it from the
# archive even into programs that use nothing else of the kernel.
LDFLAGS    = -Wl,--undefined=sc_main

# The library's layers, bottom up (docs/architecture.md): the core models stand on,
# the models, the driver, the input language, traces, the scenario program, and what
# a run looks like over time (waveforms, timelines, per-interval counters).
LIB_DIRS := sim/core models vcm sim/config sim/trace sim/scenario sim/observe
LIB_C    := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_CXX  := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.cpp)))
LIB_OBJS := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cpp=$(BUILD)/%.o)

# Protocol buffer descriptions (sim/trace/*.proto, e.g. gem5's packet trace messages):
# protoc-c writes their C code under $(BUILD)/gen, never into the tree; sources include
# it as <sim/trace/NAME.pb-c.h>. Every object of the tree waits for the generated
# headers (an order-only prerequisite), so the first build needs no dependency files.
PROTO_SRCS := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.proto)))
PROTO_GEN  := $(BUILD)/gen
PROTO_C    := $(PROTO_SRCS:%.proto=$(PROTO_GEN)/%.pb-c.c)
PROTO_H    := $(PROTO_SRCS:%.proto=$(PROTO_GEN)/%.pb-c.h)
LIB_OBJS   += $(PROTO_C:%.c=%.o)
LIB      := $(BUILD)/libiommusim.a

# The TLM-2.0 wrapper (sim/tlm/, docs/tlm.md): C++ over the library, in a library of
# its own (libiommusim-tlm.a, pkg-config iommusim-tlm) so that libiommusim.a stays
# free of TLM; not in LIB_DIRS. Its example platform (sim/tlm/example/*.cpp) is one
# program, build/tlm-example.
TLM_DIRS    := sim/tlm
TLM_SRCS    := $(sort $(foreach d,$(TLM_DIRS),$(wildcard $(d)/*.cpp)))
TLM_OBJS    := $(TLM_SRCS:%.cpp=$(BUILD)/%.o)
TLM_HEADERS := $(sort $(foreach d,$(TLM_DIRS),$(wildcard $(d)/*.h)))
TLM_LIB     := $(BUILD)/libiommusim-tlm.a
TLM_EXAMPLE_SRCS := $(sort $(wildcard sim/tlm/example/*.cpp))
TLM_EXAMPLE := $(if $(TLM_EXAMPLE_SRCS),$(BUILD)/tlm-example)

# The tests' helper module (tests/lib/: the VCM platform, fake memory ports, running
# the program): an archive linked into every test program, so each takes what it uses.
TESTLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TESTLIB      := $(BUILD)/libiommusim-tests.a
TEST_SRCS  := $(sort $(wildcard tests/test_*.c))
TEST_BINS  := $(TEST_SRCS:%.c=$(BUILD)/%)
# C++ tests (tests/test_*.cpp: the TLM wrapper's), linked with libiommusim-tlm.a too.
TEST_CXX_SRCS := $(sort $(wildcard tests/test_*.cpp))
TEST_CXX_BINS := $(TEST_CXX_SRCS:%.cpp=$(BUILD)/%)
TEST_BINS  += $(TEST_CXX_BINS)
# Tests that are shell scripts (tests/test_*.sh: what drives make itself, such as
# installing), run after the cmocka programs with the same IOMMUSIM and BUILD.
TEST_SCRIPTS := $(sort $(wildcard tests/test_*.sh))
BENCH_SRCS := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:%.c=$(BUILD)/%)
CLI_SRCS   := $(sort $(wildcard sim/cli/*.c))
MAIN_BIN   := $(if $(wildcard sim/main.c),$(BUILD)/iommusim)

# The kernel's copyright banner is noise in every run and test log.
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE := 1

.PHONY: all deps run test check-layers test-asan test-valgrind coverage bench study plots clean
.PHONY: install uninstall
.DEFAULT_GOAL := all

all: deps-check $(LIB) $(MAIN_BIN) $(TLM_LIB) $(TLM_EXAMPLE)

# ---------------------------------------------------------------- dependencies
# deps: install what is missing (root), or print the exact command (not root).
# deps-check: the same test without installing, run before every build.
deps:
	@need=""; want=""; fuzz=""; \
	for m in $(DEPS_MODULES); do \
	  pkg-config --exists $$m 2>/dev/null || need="$(DEPS_PKGS)"; done; \
	command -v pkg-config >/dev/null 2>&1 || need="$(DEPS_PKGS)"; \
	for t in $(DEPS_TOOLS); do \
	  command -v $${t%%:*} >/dev/null 2>&1 || need="$$need $${t#*:}"; done; \
	for t in $(DEPS_OPTIONAL); do \
	  command -v $${t%%:*} >/dev/null 2>&1 || want="$$want $${t#*:}"; done; \
	for t in $(DEPS_FUZZ_TOOLS); do \
	  command -v $${t%%:*} >/dev/null 2>&1 || fuzz="$$fuzz $${t#*:}"; done; \
	for t in $(DEPS_FUZZ_FILES); do \
	  ls $${t%%:*} >/dev/null 2>&1 || fuzz="$$fuzz $${t#*:}"; done; \
	if [ -z "$$need$$want$$fuzz" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "installing dependencies:$$need$$want$$fuzz"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need $$want $$fuzz; \
	elif [ -n "$$need" ]; then \
	  echo "missing dependencies; install them with:"; \
	  echo "  sudo apt-get install -y" $$need $$want $$fuzz; exit 1; \
	else \
	  [ -z "$$want" ] || { echo "optional:$$want not installed (plots, or the man page, will be skipped); to install:"; \
	    echo "  sudo apt-get install -y" $$want; }; \
	  [ -z "$$fuzz" ] || { echo "optional:$$fuzz not installed (only make fuzz needs them); to install:"; \
	    echo "  sudo apt-get install -y" $$fuzz; }; \
	fi

.PHONY: deps-check
deps-check:
	@for m in $(DEPS_MODULES); do \
	  pkg-config --exists $$m 2>/dev/null || { \
	    echo "missing $$m: run 'make deps' as root, or: sudo apt-get install -y $(DEPS_PKGS)"; \
	    exit 1; }; done

# ---------------------------------------------------------------- compilation
# protoc-c runs in a scratch directory whose result is renamed into place, so a
# failed or concurrent run never leaves half a file.
$(PROTO_GEN)/%.pb-c.c $(PROTO_GEN)/%.pb-c.h: %.proto
	@mkdir -p $(PROTO_GEN)/$(*D)
	@rm -rf $(PROTO_GEN)/.tmp$$$$ && mkdir -p $(PROTO_GEN)/.tmp$$$$ && \
	protoc-c --proto_path=. --c_out=$(PROTO_GEN)/.tmp$$$$ $< && \
	mv -f $(PROTO_GEN)/.tmp$$$$/$*.pb-c.h $(PROTO_GEN)/$*.pb-c.h && \
	mv -f $(PROTO_GEN)/.tmp$$$$/$*.pb-c.c $(PROTO_GEN)/$*.pb-c.c && rm -rf $(PROTO_GEN)/.tmp$$$$

# Kept (make would delete the .c as an intermediate file after compiling it).
.SECONDARY: $(PROTO_C) $(PROTO_H)

# The generated code: compiled with the tree's flags less -Werror's extra warnings
# it was not written for.
$(PROTO_GEN)/%.pb-c.o: $(PROTO_GEN)/%.pb-c.c
	$(CC) $(CPPFLAGS) -MT $@ -MF $@.d $(PKG_CFLAGS) -std=c11 $(OPT) -g $(SAN) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

# Objects are written under a temporary name and renamed, so two builds running
# at once never see a half-written object.
$(BUILD)/%.o: %.c | $(PROTO_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -MT $@ -MF $@.d $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

$(BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) -MT $@ -MF $@.d $(PKG_CFLAGS) $(CXXFLAGS) -c $< -o $@.tmp$$$$ && mv -f $@.tmp$$$$ $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The source revision the command reports (run.json, --version): `git describe` of this
# tree when it is a git checkout, else nothing (sim/cli/runinfo.c then uses the
# version), so a tarball builds too. Rewritten only when it changes.
REVISION_H := $(BUILD)/gen/sim/cli/revision.h
.PHONY: FORCE
$(REVISION_H): FORCE
	@mkdir -p $(@D); \
	rev=; if [ "$$(git -C . rev-parse --show-toplevel 2>/dev/null)" = "$(CURDIR)" ]; then \
	  rev=$$(git -C . describe --always --dirty 2>/dev/null); fi; \
	if [ -n "$$rev" ]; then echo "#define IOMMUSIM_REVISION \"$$rev\"" > $@.tmp$$$$; \
	else echo "/* not built from a git checkout: the revision is the version */" > $@.tmp$$$$; fi; \
	if cmp -s $@.tmp$$$$ $@; then rm -f $@.tmp$$$$; else mv -f $@.tmp$$$$ $@; fi
$(BUILD)/sim/cli/runinfo.o: $(REVISION_H)

$(BUILD)/iommusim: $(BUILD)/sim/main.o $(CLI_SRCS:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TLM_LIB): $(TLM_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(TLM_EXAMPLE): $(TLM_EXAMPLE_SRCS:%.cpp=$(BUILD)/%.o) $(TLM_LIB) $(LIB)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(TESTLIB): $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTLIB) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# test_heap_start checks the command's heap preparation in its own process, so it links
# the command's sim/cli/heap_start.o, which runs before main.
$(BUILD)/tests/test_heap_start: $(BUILD)/sim/cli/heap_start.o

$(TEST_CXX_BINS): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTLIB) $(TLM_LIB) $(LIB)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# ---------------------------------------------------------------- targets
run: deps
	@$(MAKE) --no-print-directory all
	@if [ -x $(BUILD)/iommusim ]; then \
	  $(BUILD)/iommusim run configs/scenarios/video_playback_1080p30.yaml --out $(BUILD)/run; \
	else \
	  echo "the iommusim command is not built yet (sim/main.c does not exist); running the tests instead"; \
	  $(MAKE) --no-print-directory test; \
	fi

# The include rule of docs/architecture.md (tests/layers.tab, applied by tests/layers.sh).
# First the self-test: on the fixture tree tests/data/layers/ the check must report
# exactly the violations of tests/data/layers/expected.txt (a check that cannot fail
# proves nothing); then the tree itself, less the fixtures and the build output.
LAYER_SKIP := tests/data build $(BUILD) $(wildcard build-*)

check-layers:
	@mkdir -p $(BUILD)
	@st=0; tests/layers.sh tests/data/layers >$(BUILD)/layers-selftest.txt 2>&1 || st=$$?; \
	if [ $$st != 1 ] || ! cmp -s tests/data/layers/expected.txt $(BUILD)/layers-selftest.txt; then \
	  echo "check-layers: the self-test on tests/data/layers/ exited $$st (expected 1) or did"; \
	  echo "  not print tests/data/layers/expected.txt; the difference:"; \
	  diff tests/data/layers/expected.txt $(BUILD)/layers-selftest.txt | sed 's/^/  /'; exit 1; fi
	@tests/layers.sh $(LAYER_SKIP:%=-x %) .

test: deps check-layers
	@$(MAKE) --no-print-directory $(TEST_BINS) $(MAIN_BIN) $(TLM_EXAMPLE)
	@pass=0; fail=0; failed=""; \
	for t in $(TEST_BINS) $(TEST_SCRIPTS); do \
	  if IOMMUSIM=$(BUILD)/iommusim BUILD=$(BUILD) $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; \
	done; \
	echo; [ -z "$$failed" ] || echo "failed test programs:$$failed"; \
	echo "$$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

test-asan: deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

# Short runs that between them load a trace and a generator, apply driver steps,
# fault and terminate, stop with a context left stalled, write both statistics
# files, and write the interval, waveform and timeline files (docs/observe.md).
VALGRIND_RUNS := "tests/data/scenarios/steps.yaml" \
  "tests/data/scenarios/display_scan.yaml --set masters.mdp0.generator.height=64" \
  "tests/data/scenarios/stalled.yaml" \
  "tests/data/scenarios/stalled.yaml --stats-interval 1us --vcd $(BUILD)/valgrind/w.vcd \
   --timeline $(BUILD)/valgrind/t.json"

test-valgrind: deps
	@$(MAKE) --no-print-directory all
	@command -v valgrind >/dev/null || { echo "valgrind is not installed: sudo apt-get install -y valgrind"; exit 1; }
	@for r in $(VALGRIND_RUNS); do \
	  echo "valgrind: iommusim run $$r"; \
	  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
	    --error-exitcode=9 $(BUILD)/iommusim run $$r --quiet --out $(BUILD)/valgrind \
	    || { echo "valgrind found errors or leaks"; exit 1; }; \
	done; echo "valgrind: no errors, no leaks"

bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BINS) $(MAIN_BIN)
	@echo "machine: $$(nproc) cores, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	@for b in $(BENCH_BINS); do IOMMUSIM=$(BUILD)/iommusim BENCH_DIR=$(BUILD)/bench-data $$b || exit 1; done

study: deps
	@$(MAKE) --no-print-directory all
	IOMMUSIM=$(BUILD)/iommusim plots/study.sh $(BUILD)/study

plots: deps
	@$(MAKE) --no-print-directory all
	@found=; for d in $(BUILD)/study/*/*/; do \
	  [ -f "$$d/results.csv" ] || continue; found=1; \
	  $(BUILD)/iommusim plot "$$d" || exit 1; done; \
	[ -n "$$found" ] || echo "no sweep results under $(BUILD)/study: run 'make study' first"

# ---------------------------------------------------------------- install
# make install [PREFIX=/usr/local] [DESTDIR=]: every path below is DESTDIR + PREFIX + ...
#   bin/iommusim                                  the command
#   share/iommusim/plots/, share/iommusim/configs/  its shared files, found beside the
#                                                 program (sim/cli/datadir.c)
#   share/man/man1/iommusim.1                     from --help by help2man (optional)
#   share/bash-completion/completions/iommusim    sim/cli/iommusim.bash
#   lib/libiommusim.a, include/iommusim/...       the library; headers keep their
#                                                 paths (#include "models/tlb.h")
#   lib/pkgconfig/iommusim.pc                     from sim/iommusim.pc.in
#   lib/libiommusim-tlm.a, include/iommusim/sim/tlm/  the TLM-2.0 wrapper (docs/tlm.md)
#   lib/pkgconfig/iommusim-tlm.pc                 from sim/tlm/iommusim-tlm.pc.in
# make uninstall removes exactly these (and the two iommusim directories).
PREFIX        ?= /usr/local
DESTDIR       ?=
BINDIR        ?= $(PREFIX)/bin
LIBDIR        ?= $(PREFIX)/lib
INCLUDEDIR    ?= $(PREFIX)/include
DATADIR       ?= $(PREFIX)/share
MANDIR        ?= $(DATADIR)/man
PKGDATADIR    := $(DATADIR)/iommusim
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
PKGCONFIGDIR  ?= $(LIBDIR)/pkgconfig
VERSION        = $(shell sed -n 's/^\#define IOMMUSIM_VERSION "\(.*\)"/\1/p' sim/cli/cli.h)
INSTALL       ?= install

LIB_HEADERS  := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.h)))
PLOT_FILES   := $(sort $(wildcard plots/*.gp)) plots/README.md
CONFIG_FILES := $(sort $(wildcard configs/*.yaml configs/*/*.yaml))
MAN_PAGE     := $(BUILD)/iommusim.1

# The man page: the top-level --help, and every subcommand's --help as a section of
# its own (help2man's --include file, each text set verbatim).
$(MAN_PAGE): $(MAIN_BIN) sim/main.c
	@cmds=$$($(MAIN_BIN) --help | sed -n '/^commands:/,/^$$/s/^  \([a-z][a-z]*\) .*/\1/p'); \
	{ echo '[COMMANDS]'; for c in $$cmds; do \
	    echo ".SS iommusim $$c"; echo '.nf'; \
	    $(MAIN_BIN) $$c --help | sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"; \
	    echo '.fi'; done; \
	  echo '[FILES]'; echo 'PREFIX/share/iommusim/plots/ and PREFIX/share/iommusim/configs/,'; \
	  echo 'found beside the installed program.'; } >$@.h2m
	help2man --no-info --name='MSM8960 multimedia IOMMU (SMMU v1) simulator' \
	  --include=$@.h2m --output=$@.tmp ./$(MAIN_BIN) && mv -f $@.tmp $@

install: all
	@if command -v help2man >/dev/null 2>&1; then $(MAKE) --no-print-directory $(MAN_PAGE); \
	else echo "help2man is not installed: no man page (sudo apt-get install -y help2man)"; fi
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(PKGDATADIR)/plots $(DESTDIR)$(PKGDATADIR)/configs/scenarios \
	  $(DESTDIR)$(COMPLETIONDIR)
	$(INSTALL) -m 755 $(MAIN_BIN) $(DESTDIR)$(BINDIR)/iommusim
	$(INSTALL) -m 644 $(PLOT_FILES) $(DESTDIR)$(PKGDATADIR)/plots/
	for f in $(CONFIG_FILES); do \
	  $(INSTALL) -m 644 $$f $(DESTDIR)$(PKGDATADIR)/$$f || exit 1; done
	$(INSTALL) -m 644 sim/cli/iommusim.bash $(DESTDIR)$(COMPLETIONDIR)/iommusim
	$(INSTALL) -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libiommusim.a
	for h in $(LIB_HEADERS); do \
	  $(INSTALL) -D -m 644 $$h $(DESTDIR)$(INCLUDEDIR)/iommusim/$$h || exit 1; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' sim/iommusim.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/iommusim.pc
	$(INSTALL) -m 644 $(TLM_LIB) $(DESTDIR)$(LIBDIR)/libiommusim-tlm.a
	for h in $(TLM_HEADERS); do \
	  $(INSTALL) -D -m 644 $$h $(DESTDIR)$(INCLUDEDIR)/iommusim/$$h || exit 1; done
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' sim/tlm/iommusim-tlm.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/iommusim-tlm.pc
	@if [ -f $(MAN_PAGE) ]; then \
	  $(INSTALL) -d $(DESTDIR)$(MANDIR)/man1 && \
	  $(INSTALL) -m 644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man1/iommusim.1 && \
	  echo "installed $(DESTDIR)$(MANDIR)/man1/iommusim.1"; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/iommusim $(DESTDIR)$(LIBDIR)/libiommusim.a \
	  $(DESTDIR)$(LIBDIR)/libiommusim-tlm.a $(DESTDIR)$(PKGCONFIGDIR)/iommusim-tlm.pc \
	  $(DESTDIR)$(PKGCONFIGDIR)/iommusim.pc $(DESTDIR)$(COMPLETIONDIR)/iommusim \
	  $(DESTDIR)$(MANDIR)/man1/iommusim.1
	rm -rf $(DESTDIR)$(PKGDATADIR) $(DESTDIR)$(INCLUDEDIR)/iommusim

clean:
	rm -rf $(BUILD)

include tests/coverage.mk
include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
